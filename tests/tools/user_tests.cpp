// A user's Catch2 test binary, as the tool meets it: one test with a deadlock, one clean test
// (see user_code.hpp), one whose second check() call deadlocks, one that never runs weave, and
// ([trust]) tests that misbehave in ways the tool must report, not trust.
#include <cstdlib>
#include <fstream>
#include <weave/catch2.hpp>

#include "user_code.hpp"

TEST_CASE("transfers deadlock", "[bank]") {
  REQUIRE_THAT(weave::check(user_code::transfer_both_ways), weave::NoBug());
}

TEST_CASE("counting is safe", "[bank]") {
  REQUIRE_THAT(weave::check(user_code::count_together), weave::NoBug());
}

// Two check() calls, the second one failing: its schedule belongs to the second call. (The comma
// in the name is a test-spec operator that the replay command must escape.)
TEST_CASE("count, then transfer", "[twice]") {
  CHECK_THAT(weave::check(user_code::count_together), weave::NoBug());
  REQUIRE_THAT(weave::check(user_code::transfer_both_ways), weave::NoBug());
}

// A test that never calls weave::check: `weave replay` must say so.
TEST_CASE("plain arithmetic", "[plain]") { REQUIRE(2 + 2 == 4); }

// The same deadlock under another name: a schedule file names the test that saved it, and
// `weave replay` / `weave shrink` refuse to run it on another one.
TEST_CASE("audit deadlock", "[trust]") {
  REQUIRE_THAT(weave::check(user_code::transfer_both_ways), weave::NoBug());
}

// A test that ends the program inside check(), with status 0: it has not passed.
TEST_CASE("exits inside check", "[trust]") {
  (void)weave::check([] { std::_Exit(0); });
}

// A test that fails after check() and spoils the trace check() wrote (as a full disk or a stray
// write might): `weave run` reports it and goes on with the other tests.
TEST_CASE("spoils its trace", "[trust]") {
  const weave::Result r = weave::check(user_code::transfer_both_ways);
  if (const char* trace = std::getenv("WEAVE_TRACE_OUT")) {
    std::ofstream(trace) << "{\"weave_trace\": 1, \"outcome\": \"bug\", \"steps\": [";
  }
  REQUIRE_THAT(r, weave::NoBug());
}

// A passing test that writes a line into WEAVE_STATS_OUT that is not a stats line.
TEST_CASE("spoils its stats", "[trust]") {
  REQUIRE(weave::check(user_code::count_together).ok());
  if (const char* stats = std::getenv("WEAVE_STATS_OUT")) {
    std::ofstream(stats, std::ios::app) << "schedules: many\n";
  }
}
