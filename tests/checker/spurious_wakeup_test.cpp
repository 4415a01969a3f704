// Spurious wakeups: with Config.spurious_wakeups on, any Condition wait (timed or not) may return
// without a notify, as a choice the strategy makes and the schedule records. Waiting with `if`
// then fails; waiting with a loop or wait_for(predicate) stays clean.
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

#include "detect_support.hpp"
#include "test_again.hpp"

using weave::BugKind;
using weave::FindsBug;
using weave::NoBug;

namespace {

using namespace detect_support;

weave::Config cfg(weave::Strategy s, bool spurious, std::uint64_t iterations = 200,
                  std::uint64_t seed = 1234) {
  weave::Config c = make_config(s, iterations, seed);
  c.spurious_wakeups = spurious;
  return c;
}

// The notify cannot be lost: `ready` is set under the lock, and the waiter checks it first.
void wait_with_if() {
  weave::Lock l{"l"};
  weave::Condition cv{l, "cv"};
  weave::Shared<bool> ready(false, "ready");
  weave::Thread producer(weave::ThreadOptions{"producer"}, [&] {
    std::lock_guard g(cv);
    ready.store(true);
    cv.notify();
  });
  producer.start();
  {
    std::lock_guard g(cv);
    if (!ready.load()) cv.wait();  // BUG: `if`, not `while`
    WEAVE_ASSERT(ready.load());
  }
  producer.join();
}

void wait_with_loop() {
  weave::Lock l{"l"};
  weave::Condition cv{l, "cv"};
  weave::Shared<bool> ready(false, "ready");
  weave::Thread producer([&] {
    std::lock_guard g(cv);
    ready.store(true);
    cv.notify();
  });
  producer.start();
  {
    std::lock_guard g(cv);
    while (!ready.load()) cv.wait();
    WEAVE_ASSERT(ready.load());
  }
  producer.join();
}

void wait_with_predicate() {
  weave::Condition cv{"cv"};  // its own RLock
  weave::Shared<int> items(0, "items");
  weave::Thread producer([&] {
    for (int i = 0; i < 2; ++i) {
      std::lock_guard g(cv);
      items += 1;
      cv.notify();
    }
  });
  producer.start();
  {
    std::lock_guard g(cv);
    cv.wait_for([&] { return items.load() == 2; });
    WEAVE_ASSERT(items.load() == 2);
  }
  producer.join();
}

// A timed wait: returning true means "not timed out", which without spurious wakeups means a
// notify came, hence `ready`.
void timed_wait_with_if() {
  weave::Lock l{"l"};
  weave::Condition cv{l, "cv"};
  weave::Shared<bool> ready(false, "ready");
  weave::Thread producer([&] {
    std::lock_guard g(cv);
    ready.store(true);
    cv.notify();
  });
  producer.start();
  {
    std::lock_guard g(cv);
    if (!ready.load()) {
      const bool notified = cv.wait(std::chrono::hours(1));
      if (notified) WEAVE_ASSERT(ready.load());
    }
  }
  producer.join();
}

void timed_wait_with_predicate() {
  weave::Lock l{"l"};
  weave::Condition cv{l, "cv"};
  weave::Shared<bool> ready(false, "ready");
  weave::Thread producer([&] {
    std::lock_guard g(cv);
    ready.store(true);
    cv.notify();
  });
  producer.start();
  {
    std::lock_guard g(cv);
    const bool ok = cv.wait_for([&] { return ready.load(); }, std::chrono::hours(1));
    WEAVE_ASSERT(ok == ready.load());
  }
  producer.join();
}

}  // namespace

TEST_CASE("Spurious wakeups: off by default", "[checker][spurious]") {
  CHECK_FALSE(weave::Config{}.spurious_wakeups);
}

TEST_CASE("Spurious wakeups: without them, waiting with `if` is clean here",
          "[checker][spurious]") {
  for (auto s : kStrategies) {
    REQUIRE_THAT(weave::check(wait_with_if, cfg(s, false)), NoBug());
    REQUIRE_THAT(weave::check(timed_wait_with_if, cfg(s, false)), NoBug());
  }
}

TEST_CASE("Spurious wakeups: waiting with `if` fails its assertion", "[checker][spurious]") {
  for (auto s : kStrategies) {
    auto r = weave::check(wait_with_if, cfg(s, true));
    REQUIRE_THAT(r, FindsBug(BugKind::AssertionFailure));
    CHECK(contains(r.bug->message, "ready.load()"));
    CHECK(contains(r.report(), "spurious_wakeup_test.cpp"));
  }
}

TEST_CASE("Spurious wakeups: a timed wait may wake spuriously too", "[checker][spurious]") {
  for (auto s : kStrategies) {
    auto r = weave::check(timed_wait_with_if, cfg(s, true));
    REQUIRE_THAT(r, FindsBug(BugKind::AssertionFailure));
  }
}

TEST_CASE("Spurious wakeups: a wait loop and wait_for(predicate) stay clean",
          "[checker][spurious]") {
  for (auto s : kStrategies) {
    REQUIRE_THAT(weave::check(wait_with_loop, cfg(s, true)), NoBug());
    REQUIRE_THAT(weave::check(wait_with_predicate, cfg(s, true)), NoBug());
    REQUIRE_THAT(weave::check(timed_wait_with_predicate, cfg(s, true)), NoBug());
  }
}

TEST_CASE("Spurious wakeups: the failing schedule replays, spurious wakeup included",
          "[checker][spurious][replay]") {
  for (auto s : kStrategies) {
    auto found = weave::check(wait_with_if, cfg(s, true, 200, 55));
    REQUIRE_THAT(found, FindsBug(BugKind::AssertionFailure));
    // The schedule carries the spurious choice: replay needs no Config.
    auto again = weave::replay(wait_with_if, found.bug->schedule);
    REQUIRE_THAT(again, FindsBug(BugKind::AssertionFailure));
    CHECK(again.bug->trace.size() == found.bug->trace.size());
    CHECK(again.bug->message == found.bug->message);
    CHECK(again.bug->nondeterminism.empty());
  }
}

TEST_CASE("Spurious wakeups: the same seed finds the same schedule", "[checker][spurious]") {
  for (auto s : kStrategies) {
    start_test_again();
    auto a = weave::check(wait_with_if, cfg(s, true, 200, 9));
    start_test_again();
    auto b = weave::check(wait_with_if, cfg(s, true, 200, 9));
    REQUIRE_THAT(a, FindsBug(BugKind::AssertionFailure));
    REQUIRE_THAT(b, FindsBug(BugKind::AssertionFailure));
    CHECK(a.schedules == b.schedules);
    CHECK(a.bug->schedule == b.bug->schedule);
  }
}

TEST_CASE("Spurious wakeups: only Condition waits wake spuriously", "[checker][spurious]") {
  // Event, Semaphore, Queue, Barrier, join and Future keep their guarantees with the option on.
  auto body = [] {
    weave::Event ready{"ready"};
    weave::Semaphore sem(0, "sem");
    weave::Queue<int> q(0, "q");
    weave::Barrier barrier(2, {}, "barrier");
    weave::Shared<int> x(0, "x");
    weave::Thread t([&] {
      x.store(1);
      ready.set();
      sem.release();
      q.put(7);
      barrier.wait();
    });
    t.start();
    ready.wait();
    WEAVE_ASSERT(ready.is_set());
    sem.acquire();
    WEAVE_ASSERT(q.get() == 7);
    barrier.wait();
    t.join();
    WEAVE_ASSERT(!t.is_alive());
    WEAVE_ASSERT(x.load() == 1);
    weave::ThreadPoolExecutor pool(1, "pool");
    WEAVE_ASSERT(pool.submit([] { return 5; }).result() == 5);
  };
  for (auto s : kStrategies) REQUIRE_THAT(weave::check(body, cfg(s, true, 100)), NoBug());
}
