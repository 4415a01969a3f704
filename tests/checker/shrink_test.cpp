// Shrinking failing schedules: check() reports a schedule with fewer preemptions that fails the
// same way; WEAVE_SHRINK searches longer and saves it; the hooks the weave tool drives check()
// through (WEAVE_TIME_BUDGET, WEAVE_STATS_OUT, replay errors in WEAVE_TRACE_OUT).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

#include "detect_support.hpp"
#include "env_var.hpp"
#include "test_again.hpp"

using detect_support::contains;
using weave::BugKind;
using weave::FindsBug;

namespace {

// ABBA with extra scheduling points, so a random walk takes many preemptions to the deadlock;
// one preemption suffices (t1 holds a, then t2 runs until both wait).
void abba() {
  weave::Lock a{"a"}, b{"b"};
  weave::Thread t1([&] {
    weave::yield();
    std::lock_guard g(a);
    weave::yield();
    std::lock_guard h(b);
  });
  weave::Thread t2([&] {
    weave::yield();
    std::lock_guard g(b);
    weave::yield();
    std::lock_guard h(a);
  });
  t1.start();
  t2.start();
  t1.join();
  t2.join();
}

void clean() {
  weave::Lock l{"l"};
  weave::Thread t([&] { std::lock_guard g(l); });
  t.start();
  { std::lock_guard g(l); }
  t.join();
}

weave::Config random_walk(std::uint64_t seed) {
  weave::Config c;
  c.strategy = weave::Strategy::Random;
  c.seed = seed;
  c.iterations = 1000;
  return c;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const weave::Step& failing_step(const weave::Bug& bug) {
  return bug.trace.at(bug.failing_step - 1);
}

}  // namespace

TEST_CASE("check() shrinks a deadlock found by a random walk to one preemption",
          "[checker][shrink]") {
  for (std::uint64_t seed : {1, 2, 3}) {
    INFO("seed " << seed);
    auto r = weave::check(abba, random_walk(seed));
    REQUIRE_THAT(r, FindsBug(BugKind::Deadlock));
    const weave::Bug& bug = *r.bug;
    REQUIRE(bug.preemptions > 1);
    REQUIRE_FALSE(bug.shrunk_schedule.empty());
    CHECK(bug.shrunk_preemptions == 1);
    CHECK(
        contains(r.report(), "Shrunk: 1 preemption instead of " + std::to_string(bug.preemptions)));
    CHECK(contains(r.report(), "WEAVE_REPLAY=" + bug.shrunk_schedule));
    CHECK(contains(read(bug.schedule_file), "shrunk: " + bug.shrunk_schedule));
    // The shrunk schedule is an ordinary one: it replays to the same deadlock.
    auto again = weave::replay(abba, bug.shrunk_schedule);
    REQUIRE_THAT(again, FindsBug(BugKind::Deadlock));
    CHECK(again.bug->nondeterminism.empty());
    CHECK(again.bug->involved.find("wait-for cycle") != std::string::npos);
  }
}

TEST_CASE("A shrunk data race fails at the same line", "[checker][shrink]") {
  auto body = [] {
    weave::Shared<int> hits{0, "hits"};
    weave::Thread t([&] {
      weave::yield();
      hits += 1;
    });
    t.start();
    weave::yield();
    hits += 1;
    t.join();
  };
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    INFO("seed " << seed);
    auto r = weave::check(body, random_walk(seed));
    REQUIRE_THAT(r, FindsBug(BugKind::DataRace));
    if (r.bug->shrunk_schedule.empty()) continue;  // nothing smaller exists for this one
    CHECK(r.bug->shrunk_preemptions < r.bug->preemptions);
    auto again = weave::replay(body, r.bug->shrunk_schedule);
    REQUIRE_THAT(again, FindsBug(BugKind::DataRace));
    CHECK(failing_step(*again.bug).line == failing_step(*r.bug).line);
  }
}

TEST_CASE("WEAVE_SHRINK saves a smaller schedule and replays it", "[checker][shrink][env]") {
  auto found = weave::check(abba, random_walk(1));
  REQUIRE_THAT(found, FindsBug(BugKind::Deadlock));
  REQUIRE(found.bug->preemptions > 1);
  const auto dir = std::filesystem::temp_directory_path() / "weave_shrink_test";
  std::filesystem::create_directories(dir);
  const auto out = dir / "out.schedule";
  const auto json = dir / "trace.json";
  std::filesystem::remove(out);
  weave::Result shrunk;
  {
    EnvVar s("WEAVE_SHRINK", found.bug->schedule_file);
    EnvVar o("WEAVE_SHRINK_OUT", out.string());
    EnvVar t("WEAVE_TRACE_OUT", json.string());
    EnvVar q("WEAVE_QUIET", "1");
    start_test_again();
    shrunk = weave::check(abba);
  }
  REQUIRE_THAT(shrunk, FindsBug(BugKind::Deadlock));
  CHECK(shrunk.schedules == 1);
  CHECK(shrunk.bug->schedule_file == out.string());
  const std::string file = read(out);
  CHECK(contains(file, "preemptions: 1\n"));
  CHECK(contains(file, "original-preemptions: " + std::to_string(found.bug->preemptions)));
  CHECK(contains(file, "schedule: " + shrunk.bug->schedule));
  CHECK(contains(read(json), "\"kind\": \"Deadlock\""));
  // The saved file replays like any schedule file.
  REQUIRE_THAT(weave::replay(abba, out.string()), FindsBug(BugKind::Deadlock));
}

TEST_CASE("WEAVE_SHRINK with a bad schedule is a ReplayError, also written to WEAVE_TRACE_OUT",
          "[checker][shrink][env]") {
  auto found = weave::check(abba, random_walk(1));
  REQUIRE_THAT(found, FindsBug(BugKind::Deadlock));
  const auto json = std::filesystem::temp_directory_path() / "weave_shrink_error.json";
  {
    EnvVar s("WEAVE_SHRINK", "weave1:3:zz:0");
    EnvVar t("WEAVE_TRACE_OUT", json.string());
    start_test_again();
    CHECK_THROWS_AS(weave::check(clean), weave::ReplayError);
  }
  CHECK(contains(read(json), "\"outcome\": \"replay_error\""));
  CHECK(contains(read(json), "malformed schedule"));
  // A schedule of another program does not fit this one.
  {
    EnvVar s("WEAVE_SHRINK", found.bug->schedule);
    EnvVar t("WEAVE_TRACE_OUT", json.string());
    start_test_again();
    CHECK_THROWS_AS(weave::check(clean), weave::ReplayError);
  }
  CHECK(contains(read(json), "\"outcome\": \"replay_error\""));
}

TEST_CASE("WEAVE_TIME_BUDGET and WEAVE_STATS_OUT", "[checker][env]") {
  {
    EnvVar t("WEAVE_TIME_BUDGET", "soon");
    CHECK_THROWS_WITH(weave::check(clean), Catch::Contains("WEAVE_TIME_BUDGET=soon"));
  }
  const auto stats = std::filesystem::temp_directory_path() / "weave_stats_test.jsonl";
  std::filesystem::remove(stats);
  {
    EnvVar t("WEAVE_TIME_BUDGET", "1h");
    EnvVar s("WEAVE_STATS_OUT", stats.string());
    auto c = random_walk(9);
    c.iterations = 25;
    c.name = "stats \"quoted\"";
    REQUIRE(weave::check(clean, c).ok());
    REQUIRE_THAT(weave::check(abba, random_walk(1)), FindsBug(BugKind::Deadlock));
  }
  const std::string text = read(stats);
  // A line when each check() starts, and its stats when it ends: a start with no end tells the
  // weave tool that the process ended inside check().
  CHECK(text.rfind("{\"event\": \"start\", \"test\": \"stats \\\"quoted\\\"\"}\n", 0) == 0);
  CHECK(contains(text, "{\"test\": \"stats \\\"quoted\\\"\", \"schedules\": 25, "));
  CHECK(contains(text, "\"bug\": null"));
  CHECK(contains(text, "\"bug\": \"Deadlock\""));
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);

  // A check() that ends by an exception still writes its end.
  std::filesystem::remove(stats);
  {
    EnvVar s("WEAVE_STATS_OUT", stats.string());
    auto c = random_walk(9);
    c.iterations = 5;
    c.on_schedule = [](std::string_view, bool) { throw std::runtime_error("stop"); };
    CHECK_THROWS_WITH(weave::check(clean, c), "stop");
  }
  const std::string thrown = read(stats);
  CHECK(std::count(thrown.begin(), thrown.end(), '\n') == 2);
  CHECK(contains(thrown, "\"schedules\": 1"));
}

TEST_CASE("WEAVE_PROGRESS_OUT says how many schedules this process has explored so far",
          "[checker][env]") {
  const auto file = std::filesystem::temp_directory_path() / "weave_progress_test.txt";
  std::filesystem::remove(file);
  EnvVar p("WEAVE_PROGRESS_OUT", file.string());
  // Written at once when a check() starts counting (then at most every 200 ms), and at its end;
  // every check() of the process adds up.
  auto c = random_walk(9);
  c.iterations = 40;
  std::string after_first_schedule;
  c.on_schedule = [&](std::string_view, bool) {
    if (after_first_schedule.empty()) after_first_schedule = read(file);
  };
  REQUIRE(weave::check(clean, c).ok());
  const std::string after_one = read(file);
  after_first_schedule.clear();
  REQUIRE(weave::check(clean, c).ok());
  const std::string first_of_second = after_first_schedule;
  const std::string after_two = read(file);
  // (the first check's first schedule wrote the count of every earlier check of this process)
  CHECK(first_of_second == std::to_string(std::stoull(after_one) + 1) + "\n");
  CHECK(std::stoull(after_two) == std::stoull(after_one) + 40);
  CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
}
