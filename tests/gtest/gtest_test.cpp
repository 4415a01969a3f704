// The GoogleTest integration (<weave/gtest.hpp>): each macro passes on what it expects and fails,
// with the report in its message, on what it does not; saved schedules are named after the test.
#include <gtest/gtest-spi.h>

#include <cstdint>
#include <filesystem>
#include <weave/gtest.hpp>
#include <weave/weave.hpp>

using weave::BugKind;

namespace {

weave::Config seeded(std::uint64_t iterations = 200) {
  weave::Config c;
  c.iterations = iterations;
  c.seed = 7;
  return c;
}

// Two threads add to a counter under a lock: clean in every schedule.
void locked_counter() {
  weave::Lock lock{"counter lock"};
  weave::Shared<int> counter{0, "counter"};
  auto add = [&] {
    lock.acquire();
    counter += 1;
    lock.release();
  };
  weave::Thread a(add), b(add);
  a.start();
  b.start();
  a.join();
  b.join();
  WEAVE_ASSERT(counter.load() == 2);
}

// The main thread joins a worker while holding the lock the worker needs: a deadlock in every
// schedule.
void join_while_holding() {
  weave::Lock lock{"guard"};
  lock.acquire();
  weave::Thread worker(weave::ThreadOptions{"worker"}, [&] {
    lock.acquire();
    lock.release();
  });
  worker.start();
  worker.join();
  lock.release();
}

// Two threads add to a counter without a lock: a data race in every schedule.
void unlocked_counter() {
  weave::Shared<int> counter{0, "counter"};
  weave::Thread a([&] { counter += 1; });
  weave::Thread b([&] { counter += 1; });
  a.start();
  b.start();
  a.join();
  b.join();
}

// The failing assertions below sit in functions of their own: EXPECT_FATAL_FAILURE cannot see
// the locals of the test that uses it.
void assert_no_bug_on_deadlock() { ASSERT_NO_BUG(join_while_holding, seeded()); }
void assert_deadlock_on_race() { ASSERT_FINDS_BUG(unlocked_counter, BugKind::Deadlock, seeded()); }

}  // namespace

TEST(WeaveGTest, NoBugPassesOnACleanBody) {
  EXPECT_NO_BUG(locked_counter);
  // A lambda with commas in it is still one macro argument.
  EXPECT_NO_BUG(
      [] {
        int rounds = 2, done = 0;
        while (done < rounds) {
          locked_counter();
          ++done;
        }
      },
      seeded(50));
  ASSERT_NO_BUG(locked_counter, seeded());
}

TEST(WeaveGTest, FindsBugPassesOnTheBugOfItsKind) {
  EXPECT_FINDS_BUG(join_while_holding, BugKind::Deadlock);
  EXPECT_FINDS_BUG(unlocked_counter, BugKind::DataRace, seeded());
  ASSERT_FINDS_BUG(join_while_holding, BugKind::Deadlock, seeded());
}

TEST(WeaveGTest, FailingNoBugPrintsTheReport) {
  EXPECT_NONFATAL_FAILURE(EXPECT_NO_BUG(join_while_holding, seeded()),
                          "weave found a bug: Deadlock\n  Deadlock: every thread is blocked");
  EXPECT_NONFATAL_FAILURE(EXPECT_NO_BUG(join_while_holding, seeded()), "Lock guard created at");
  // The replay command runs just this test, with GoogleTest's filter.
  EXPECT_NONFATAL_FAILURE(EXPECT_NO_BUG(join_while_holding, seeded()),
                          " --gtest_filter=WeaveGTest.FailingNoBugPrintsTheReport\n");
  EXPECT_FATAL_FAILURE(assert_no_bug_on_deadlock(), "weave found a bug: Deadlock");
}

TEST(WeaveGTest, FailingFindsBugSaysWhatItFound) {
  EXPECT_NONFATAL_FAILURE(EXPECT_FINDS_BUG(locked_counter, BugKind::Deadlock, seeded()),
                          "expected weave to find a bug of kind Deadlock, but it found none "
                          "(seed 7)\nweave: no bug found in 200 schedules");
  EXPECT_FATAL_FAILURE(assert_deadlock_on_race(),
                       "expected weave to find a bug of kind Deadlock, but it found a "
                       "DataRace:\nweave found a bug: DataRace");
}

TEST(WeaveGTest, AssertionFunctionsJudgeAResult) {
  const weave::Result clean = weave::check(locked_counter, seeded());
  const weave::Result deadlock = weave::check(join_while_holding, seeded());
  EXPECT_TRUE(weave::no_bug(clean));
  EXPECT_FALSE(weave::no_bug(deadlock));
  EXPECT_TRUE(weave::finds_bug(deadlock, BugKind::Deadlock));
  EXPECT_FALSE(weave::finds_bug(deadlock, BugKind::DataRace));
  EXPECT_FALSE(weave::finds_bug(clean, BugKind::Deadlock));
}

TEST(WeaveGTest, SavedSchedulesAreNamedAfterTheTest) {
  // A plain weave::check, no macro: the listener named the test when it started.
  const weave::Result r = weave::check(join_while_holding, seeded());
  ASSERT_TRUE(weave::finds_bug(r, BugKind::Deadlock));
  EXPECT_EQ(std::filesystem::path(r.bug->schedule_file).filename().string(),
            "WeaveGTest_SavedSchedulesAreNamedAfterTheTest-7.schedule");
}
