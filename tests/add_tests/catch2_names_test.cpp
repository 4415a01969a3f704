// A Catch2 binary registered with weave_add_tests, its test names full of the characters a test
// spec or a CMake list treats specially: each ctest test must run exactly its own case
// (check_tests.cmake verifies that), and each case checks a small program.
#include <filesystem>
#include <string>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

namespace {

weave::Config seeded() {
  weave::Config c;
  c.iterations = 100;
  c.seed = 11;
  return c;
}

// Two threads hand a value over through a Condition: clean in every schedule.
void hand_over() {
  weave::Condition ready{"ready"};
  int value = 0;
  weave::Thread producer([&] {
    std::lock_guard g(ready);
    value = 42;
    ready.notify();
  });
  producer.start();
  {
    std::unique_lock g(ready);
    ready.wait_for([&] { return value != 0; });
  }
  producer.join();
  WEAVE_ASSERT(value == 42);
}

// A thread takes a lock its starter holds while the starter joins it: a deadlock.
void join_while_holding() {
  weave::Lock lock{"guard"};
  lock.acquire();
  weave::Thread worker([&] {
    lock.acquire();
    lock.release();
  });
  worker.start();
  worker.join();
  lock.release();
}

}  // namespace

TEST_CASE("names: plain") { REQUIRE_THAT(weave::check(hand_over, seeded()), weave::NoBug()); }

TEST_CASE("names: with, commas, in it") {
  REQUIRE_THAT(weave::check(join_while_holding, seeded()),
               weave::FindsBug(weave::BugKind::Deadlock));
}

TEST_CASE("names: with [brackets] in it", "[weave]") {
  REQUIRE_THAT(weave::check(hand_over, seeded()), weave::NoBug());
}

TEST_CASE("names: back\\slash and semi;colon") {
  REQUIRE_THAT(weave::check(hand_over, seeded()), weave::NoBug());
}

TEST_CASE("names: closes ]=] a bracket argument") {
  REQUIRE_THAT(weave::check(hand_over, seeded()), weave::NoBug());
}

TEST_CASE("~ names: tilde first") {
  REQUIRE_THAT(weave::check(join_while_holding, seeded()),
               weave::FindsBug(weave::BugKind::Deadlock));
}

TEST_CASE("\"names\": quoted first") {
  REQUIRE_THAT(weave::check(hand_over, seeded()), weave::NoBug());
}

TEST_CASE("#names: hash first") { REQUIRE_THAT(weave::check(hand_over, seeded()), weave::NoBug()); }

TEST_CASE("names: schedules, [named] after; the test") {
  const weave::Result r = weave::check(join_while_holding, seeded());
  REQUIRE_THAT(r, weave::FindsBug(weave::BugKind::Deadlock));
  // The Catch2 listener named the check after this test; the file name keeps what a file
  // name can hold.
  CHECK(std::filesystem::path(r.bug->schedule_file).filename().string() ==
        "names_schedules_named_after_the_test-11.schedule");
}

// Hidden: Catch2 does not list it, so weave_add_tests does not register it.
TEST_CASE("names: hidden", "[.]") {
  REQUIRE_THAT(weave::check(hand_over, seeded()), weave::NoBug());
}
