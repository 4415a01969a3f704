// Bad input is a clear error naming what was wrong, never a hang, a wrap-around, an
// out-of-memory or a silently different run: the numbers, durations and shards of the WEAVE_*
// variables (one grammar with the weave tool's flags, weave/settings.hpp), Config values that
// cannot make sense, schedule tokens that claim more than a run can use, schedule files that are
// not what weave saved, and schedule files saved by another test.
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>
#include <weave/catch2.hpp>
#include <weave/settings.hpp>
#include <weave/weave.hpp>

#include "detect_support.hpp"
#include "env_var.hpp"
#include "test_again.hpp"

namespace fs = std::filesystem;
using detect_support::contains;

namespace {

// A data race every schedule finds: a setting that is not refused lets check() report it.
void racy() {
  weave::Shared<int> x{0, "x"};
  weave::Thread t([&] { x += 1; });
  t.start();
  x += 1;
  t.join();
}

void clean() {
  weave::Atomic<int> x{0};
  weave::Thread t([&] { x.fetch_add(1); });
  t.start();
  x.fetch_add(1);
  t.join();
}

// The message of the weave::Error `f` throws ("" and a failed check when it throws none).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const weave::Error& e) {
    return e.what();
  }
  FAIL_CHECK("no error");
  return {};
}

bool has_control_bytes(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return (b < 0x20 && b != '\n') || b == 0x7F;
  });
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh folder for one test's files.
fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("weave_bad_input_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("Numeric WEAVE_* variables are whole numbers in their range, else a clear error",
          "[checker][env][bad-input]") {
  struct Case {
    const char* name;
    const char* value;
  };
  const std::vector<Case> cases = {
      // Before: a negative count wrapped to 2^64-5 schedules, a huge one saturated, and 0 let a
      // racy test pass having run nothing.
      {"WEAVE_ITERATIONS", "-5"},
      {"WEAVE_ITERATIONS", "99999999999999999999"},
      {"WEAVE_ITERATIONS", "0"},
      {"WEAVE_ITERATIONS", " 5"},
      {"WEAVE_ITERATIONS", "+5"},
      {"WEAVE_ITERATIONS", "1e3"},
      {"WEAVE_ITERATIONS", "12abc"},
      // Before: 0 reported every program as a Livelock.
      {"WEAVE_MAX_STEPS", "0"},
      {"WEAVE_MAX_STEPS", "-1"},
      {"WEAVE_MAX_STEPS", "10000001"},
      // Before: -1 silently became seed 18446744073709551615.
      {"WEAVE_SEED", "-1"},
      {"WEAVE_SEED", "18446744073709551616"},
      {"WEAVE_PREEMPTION_BOUND", "-2"},
      {"WEAVE_PREEMPTION_BOUND", "+1"},
      {"WEAVE_PREEMPTION_BOUND", "1000001"},
      {"WEAVE_SHARD", "0/18446744073709551616"},
      {"WEAVE_SHARD", "-1/2"},
      {"WEAVE_TIME_BUDGET", "inf"},
      {"WEAVE_TIME_BUDGET", "nan"},
      {"WEAVE_TIME_BUDGET", "0"},
  };
  for (const Case& c : cases) {
    INFO(c.name << "=" << c.value);
    EnvVar v(c.name, c.value);
    const std::string what = error_of([] { (void)weave::check(racy); });
    CHECK(contains(what, std::string(c.name) + "=" + c.value + ": expected "));
  }
}

TEST_CASE("WEAVE_* numbers at the ends of their ranges are taken as given",
          "[checker][env][bad-input]") {
  {
    EnvVar seed("WEAVE_SEED", "18446744073709551615");
    EnvVar iterations("WEAVE_ITERATIONS", "3");
    const weave::Result r = weave::check(clean);
    CHECK(r.ok());
    CHECK(r.seed == UINT64_MAX);
    CHECK(r.schedules == 3);
  }
  {
    EnvVar seed("WEAVE_SEED", "0");  // as Config::seed = 0: pick one
    EnvVar iterations("WEAVE_ITERATIONS", "1");
    CHECK(weave::check(clean).seed != 0);
  }
  {
    EnvVar steps("WEAVE_MAX_STEPS", "10000000");
    EnvVar iterations("WEAVE_ITERATIONS", "1");
    CHECK(weave::check(clean).ok());
  }
  {
    EnvVar steps("WEAVE_MAX_STEPS", "1");  // taken as given: the second step is a Livelock
    EnvVar iterations("WEAVE_ITERATIONS", "1");
    const weave::Result r = weave::check(clean);
    REQUIRE(r.bug);
    CHECK(r.bug->kind == weave::BugKind::Livelock);
  }
  {
    EnvVar strategy("WEAVE_STRATEGY", "dfs");
    EnvVar bound("WEAVE_PREEMPTION_BOUND", "-1");
    CHECK(weave::check(clean).exhausted);
  }
}

TEST_CASE("A Config that cannot make sense is a UsageError naming the field",
          "[checker][bad-input]") {
  weave::Config c;
  c.iterations = 0;
  CHECK(contains(error_of([&] { (void)weave::check(racy, c); }), "Config::iterations is 0"));
  c = {};
  c.max_steps = 0;
  CHECK(contains(error_of([&] { (void)weave::check(racy, c); }), "Config::max_steps is 0"));
  c.max_steps = weave::kMaxStepsLimit + 1;
  CHECK(contains(error_of([&] { (void)weave::check(racy, c); }), "Config::max_steps is 10000001"));
  c = {};
  c.preemption_bound = -2;
  CHECK(contains(error_of([&] { (void)weave::check(racy, c); }), "Config::preemption_bound is -2"));
}

TEST_CASE("One grammar for the WEAVE_* variables and the weave tool's flags",
          "[checker][settings][bad-input]") {
  CHECK(weave::parse_count("--jobs", "12", 1, 256) == 12);
  CHECK(weave::parse_count("WEAVE_SEED", "18446744073709551615", 0, UINT64_MAX) == UINT64_MAX);
  // A variable is named NAME=value, a flag --flag value.
  CHECK_THROWS_WITH(weave::parse_count("WEAVE_ITERATIONS", "-5", 1, 9),
                    "WEAVE_ITERATIONS=-5: expected a whole number from 1 to 9");
  CHECK_THROWS_WITH(weave::parse_count("--iterations", "-5", 1, 9),
                    "--iterations -5: expected a whole number from 1 to 9");
  for (const char* bad :
       {"", "0", "10", "-0", "+1", " 1", "1 ", "0x1", "1.0", "1e0", "99999999999999999999999"}) {
    INFO("'" << bad << "'");
    CHECK_THROWS_AS(weave::parse_count("--n", bad, 1, 9), weave::UsageError);
  }
  CHECK(weave::parse_duration("--t", "1.5s") == std::chrono::milliseconds(1500));
  CHECK(weave::parse_duration("--t", "2m") == std::chrono::minutes(2));
  CHECK(weave::parse_duration("--t", "250ms") == std::chrono::milliseconds(250));
  CHECK(weave::parse_duration("--t", "1h") == std::chrono::hours(1));
  for (const char* bad : {"", "s", "-1s", "0", "3 s", "4d", "inf", "nan", "1e999s"}) {
    INFO("'" << bad << "'");
    CHECK_THROWS_AS(weave::parse_duration("--t", bad), weave::UsageError);
  }
  const weave::Shard s = weave::parse_shard("--shard", "1/3");
  CHECK(s.index == 1);
  CHECK(s.count == 3);
  for (const char* bad : {"3/3", "1/0", "1", "/2", "a/b", "1/2/3", "-1/2", "0/-2", " 0/2",
                          "0/18446744073709551616"}) {
    INFO("'" << bad << "'");
    CHECK_THROWS_AS(weave::parse_shard("--shard", bad), weave::UsageError);
  }
  // What an error message may quote: no control bytes, no broken UTF-8, not too much of it.
  CHECK(weave::printable("bank_transfer") == "bank_transfer");
  CHECK(weave::printable("dépôt") == "dépôt");
  CHECK(weave::printable(std::string("a\0b\x1b[31m\xff\xc3", 10)) == "a?b?[31m??");
  CHECK(weave::printable(std::string(100, 'x'), 10) == std::string(10, 'x') + "...");
  CHECK(weave::printable(std::string(10, 'x'), 10) == std::string(10, 'x'));
}

TEST_CASE("A schedule token may not claim more than a run can use",
          "[checker][replay][bad-input]") {
  struct Case {
    std::string token, says;
  };
  const std::vector<Case> cases = {
      // Before: accepted, and a replay that ran out of program.
      {"weave1:5:00:0x16", "its choices add up to more than a run of 5 steps makes"},
      {"weave1:0:00:1", "more than a run of 0 steps makes"},
      // Repeat counts that would wrap a 64-bit sum around.
      {"weave1:5:00:0x9223372036854775808.1x9223372036854775808", "more than a run of 5 steps"},
      // Before: 13 repeat counts of 10^8, 130 bytes of token, took 5 GB.
      {"weave1:8:00:0x100000000.1x100000000.0x100000000.1x100000000.0x100000000.1x100000000",
       "more than a run of 8 steps"},
      {"weave1:10000002:00:0", "it claims 10000002 steps, more than a run may take"},
      {"weave1:5:00:0.1.", "an empty choice at the end"},
      {"weave2:5:00:0", "an unsupported schedule version"},
      {std::string("weave1:5:\x01\x02:0"), "is not a number"},
  };
  for (const Case& c : cases) {
    INFO(c.token);
    const std::string what = error_of([&] { (void)weave::replay(racy, c.token); });
    CHECK(contains(what, "malformed schedule"));
    CHECK(contains(what, c.says));
    CHECK_FALSE(has_control_bytes(what));
  }
  // Three choices per step is the most a run records: such a token is well-formed (whether it
  // fits this program is another question).
  try {
    (void)weave::replay(racy, "weave1:5:00:0x15");
  } catch (const weave::ReplayError& e) {
    CHECK_FALSE(contains(e.what(), "malformed"));
  }
}

namespace {

// Steps and choices of a token: weave1:<steps><flags>:<hash>:<choices>.
std::pair<std::uint64_t, std::uint64_t> steps_and_choices(std::string_view token) {
  const std::string_view rest = token.substr(7);
  const std::uint64_t steps = std::stoull(std::string(rest.substr(0, rest.find(':'))));
  std::string_view choices = rest.substr(rest.find(':', rest.find(':') + 1) + 1);
  std::uint64_t n = 0;
  while (!choices.empty()) {
    const std::string_view item = choices.substr(0, choices.find('.'));
    const auto x = item.find('x');
    n += x == std::string_view::npos ? 1 : std::stoull(std::string(item.substr(x + 1)));
    choices.remove_prefix(std::min(choices.size(), item.size() + 1));
  }
  return {steps, n};
}

// Timed waits that may wake spuriously: a step that blocks can take a decision before it, a
// spurious-wakeup draw and a decision after it.
void waits() {
  weave::Condition ready{"ready"};
  auto waiter = [&] {
    std::lock_guard g(ready);
    for (int i = 0; i < 3; ++i) (void)ready.wait(std::chrono::milliseconds(1));
  };
  weave::Thread a(waiter), b(waiter);
  a.start();
  b.start();
  waiter();
  a.join();
  b.join();
}

}  // namespace

TEST_CASE("Runs record up to three choices per step, and every token they record replays",
          "[checker][replay][bad-input]") {
  weave::Config c;  // PCT
  c.seed = 2;
  c.iterations = 300;
  c.spurious_wakeups = true;
  std::vector<std::string> tokens;
  c.on_schedule = [&](std::string_view token, bool) { tokens.emplace_back(token); };
  REQUIRE(weave::check(waits, c).ok());
  double most = 0;
  std::string densest;
  for (const std::string& t : tokens) {
    const auto [steps, choices] = steps_and_choices(t);
    REQUIRE(steps > 0);
    const double ratio = static_cast<double>(choices) / static_cast<double>(steps);
    if (ratio > most) {
      most = ratio;
      densest = t;
    }
  }
  INFO(densest);
  // More than one choice per step happens (so "one choice per step" would refuse real tokens);
  // three is the most.
  CHECK(most > 1.0);
  CHECK(most <= 3.0);
  CHECK(weave::replay(waits, densest).ok());
}

TEST_CASE("Schedule files that are not what weave saved are refused, naming the file",
          "[checker][replay][bad-input]") {
  const fs::path dir = scratch("files");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  };
  const std::string header = "# weave schedule\nweave-schedule 1\ntest: t\n";
  const std::string big = (dir / "big.schedule").string();
  std::ofstream(big) << header;
  fs::resize_file(big, 17u << 20);  // sparse: takes no disk
  const std::string fifo = (dir / "fifo.schedule").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  struct Case {
    std::string path, says;
  };
  const std::vector<Case> cases = {
      {(dir / "missing.schedule").string(), "cannot read schedule"},
      {dir.string(), "is a directory"},
      // Before: read forever.
      {"/dev/zero", "is not a regular file"},
      // Before: waited forever for a writer.
      {fifo, "is not a regular file"},
      {big, "is 17825792 bytes, larger than a schedule file can be"},
      // Before: "malformed schedule ''", without the path.
      {write("empty.schedule", ""), "is empty"},
      {write("blank.schedule", "\n\n  \n"), "is empty"},
      // Before: its bytes were echoed into the error.
      {write("binary.schedule", std::string("\x7f"
                                            "ELF\x02\x01\x01\0\0\x1b[2J",
                                            13)),
       "holds binary data (byte 0x7f at offset 0)"},
      // Before: accepted.
      {write("headless.schedule", "test: t\nschedule: weave1:8:00:0\n"),
       "has no 'weave-schedule 1' header line"},
      {write("v2.schedule", "weave-schedule 2\ntest: t\nschedule: weave1:8:00:0\n"),
       "was saved by a newer weave (schedule format 2; this weave reads format 1)"},
      {write("bad-header.schedule", "weave-schedule one\nschedule: weave1:8:00:0\n"),
       "has a malformed header 'weave-schedule one'"},
      {write("token.schedule", "weave1:8:00:0\n"), "holds a bare token"},
      {write("no-token.schedule", header), "has no 'schedule: weave1:...' line"},
      {write("bad-token.schedule", header + "schedule: weave1:8:00:0x99\n"),
       "malformed schedule 'weave1:8:00:0x99': its choices add up to more"},
  };
  for (const Case& c : cases) {
    INFO(c.path);
    const std::string what = error_of([&] { (void)weave::replay(racy, c.path); });
    CHECK(contains(what, c.path));
    CHECK(contains(what, c.says));
    CHECK_FALSE(has_control_bytes(what));
  }
  // What the saver writes is read back, and a token is still a token.
  const std::string good =
      write("good.schedule", header + "message: a message\nwith a second line\nschedule: ");
  weave::Config seeded;
  seeded.seed = 3;
  const weave::Result found = weave::check(racy, seeded);
  REQUIRE(found.bug);
  std::ofstream(good, std::ios::app) << found.bug->schedule << "\n";
  CHECK(weave::replay(racy, good).bug);
  CHECK(weave::replay(racy, found.bug->schedule).bug);
  CHECK(weave::replay(racy, found.bug->schedule_file).bug);
  fs::remove_all(dir);
}

TEST_CASE("Under WEAVE_REPLAY, a schedule file saved by another test is refused",
          "[checker][replay][env][bad-input]") {
  const fs::path dir = scratch("other_test");
  EnvVar artifacts("WEAVE_ARTIFACTS", dir.string());
  weave::set_test_name("saver");
  weave::Config seeded;
  seeded.seed = 3;
  const weave::Result found = weave::check(racy, seeded);
  REQUIRE(found.bug);
  REQUIRE_FALSE(found.bug->schedule_file.empty());
  CHECK(contains(read(found.bug->schedule_file), "test: saver\n"));
  const fs::path json = dir / "trace.json";
  {
    EnvVar replay("WEAVE_REPLAY", found.bug->schedule_file);
    EnvVar trace("WEAVE_TRACE_OUT", json.string());
    weave::set_test_name("runner");
    const std::string what = error_of([] { (void)weave::check(racy); });
    CHECK(contains(what, "was saved by test 'saver', but this is test 'runner'"));
    CHECK(contains(read(json), "\"outcome\": \"replay_error\""));
    // The token names no test: it runs where it is given.
    EnvVar token("WEAVE_REPLAY", found.bug->schedule);
    weave::set_test_name("runner");
    CHECK(weave::check(racy).bug);
    // The test that saved it replays its file.
    EnvVar file("WEAVE_REPLAY", found.bug->schedule_file);
    weave::set_test_name("saver");
    CHECK(weave::check(racy).bug);
  }
  start_test_again();
  fs::remove_all(dir);
}
