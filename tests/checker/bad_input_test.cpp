// Bad input is a clear error naming what was wrong, never a hang, a wrap-around or a silently
// different run: the numbers, durations and shards of the WEAVE_* variables (one grammar with
// the weave tool's flags, weave/settings.hpp), and Config values that cannot make sense.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>
#include <weave/catch2.hpp>
#include <weave/settings.hpp>
#include <weave/weave.hpp>

#include "detect_support.hpp"
#include "env_var.hpp"

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
