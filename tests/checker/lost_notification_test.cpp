// The lost-notification detector: a notify/notify_all on a Condition that had no waiter, followed
// by a wait on that Condition that never returns, is a LostNotification naming the notify that
// went unheard and the wait that hung. A hang with no lost notify stays a plain Deadlock.
#include <array>
#include <cstdint>
#include <source_location>
#include <string>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

#include "detect_support.hpp"

using weave::BugKind;
using weave::FindsBug;
using weave::NoBug;

namespace {

using namespace detect_support;

weave::Config cfg(weave::Strategy s = weave::Strategy::PCT, std::uint64_t iterations = 200,
                  std::uint64_t seed = 777) {
  return make_config(s, iterations, seed);
}

std::string here(std::uint32_t line) { return file_line("lost_notification_test.cpp", line); }

}  // namespace

TEST_CASE("LostNotification: a notify before anyone waits, then a wait that hangs",
          "[checker][lost-notification]") {
  std::uint32_t notify_line = 0, wait_line = 0;
  auto body = [&] {
    weave::Lock l{"l"};
    weave::Condition cv{l, "work_ready"};
    weave::Thread notifier(weave::ThreadOptions{"notifier"}, [&] {
      std::lock_guard g(cv);
      cv.notify(1, at(notify_line));  // nobody waits yet: unheard
    });
    notifier.start();
    notifier.join();
    weave::Thread waiter(weave::ThreadOptions{"waiter"}, [&] {
      cv.acquire();
      cv.wait(at(wait_line));  // waits for a notify that already happened
      cv.release();
    });
    waiter.start();
    waiter.join();
  };
  // (The hung waits here take the lock by hand: see the std::lock_guard test below.)
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 50));
    REQUIRE_THAT(r, FindsBug(BugKind::LostNotification));
    const std::string& msg = r.bug->message;
    const std::string report = r.report();
    CHECK(contains(msg, "LostNotification"));
    CHECK(contains(report, "work_ready"));
    // The notify that went unheard: its thread and line.
    CHECK(contains(msg, "notifier"));
    CHECK(contains(msg, here(notify_line)));
    // The wait that hung: its thread and line.
    CHECK(contains(msg, "waiter"));
    CHECK(contains(msg, here(wait_line)));
    // The advice.
    CHECK(contains(msg, "wait_for"));
  }
}

TEST_CASE("LostNotification: notify_all before the wait", "[checker][lost-notification]") {
  auto body = [] {
    weave::Condition cv{"cv"};
    {
      std::lock_guard g(cv);
      cv.notify_all();  // MainThread, nobody waiting
    }
    weave::Thread waiter(weave::ThreadOptions{"sleeper"}, [&] {
      cv.acquire();
      cv.wait();
      cv.release();
    });
    waiter.start();
    waiter.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 20));
    REQUIRE_THAT(r, FindsBug(BugKind::LostNotification));
    CHECK(contains(r.report(), "sleeper"));
    CHECK(contains(r.report(), "wait_for"));
  }
}

TEST_CASE("LostNotification: found among schedules when the notify can come first",
          "[checker][lost-notification]") {
  // The classic bug: waiting without a predicate. In the schedules where the producer notifies
  // before the consumer waits, the consumer hangs.
  auto body = [] {
    weave::Lock l{"l"};
    weave::Condition cv{l, "cv"};
    weave::Thread consumer(weave::ThreadOptions{"consumer"}, [&] {
      cv.acquire();
      cv.wait();
      cv.release();
    });
    weave::Thread producer(weave::ThreadOptions{"producer"}, [&] {
      std::lock_guard g(cv);
      cv.notify();
    });
    consumer.start();
    producer.start();
    consumer.join();
    producer.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 300));
    REQUIRE_THAT(r, FindsBug(BugKind::LostNotification));
    CHECK(contains(r.report(), "producer"));
    CHECK(contains(r.report(), "consumer"));
  }
}

TEST_CASE("LostNotification: the fix (a predicate) is clean", "[checker][lost-notification]") {
  auto body = [] {
    weave::Lock l{"l"};
    weave::Condition cv{l, "cv"};
    weave::Shared<bool> ready(false, "ready");
    weave::Thread consumer([&] {
      std::lock_guard g(cv);
      cv.wait_for([&] { return ready.load(); });
    });
    weave::Thread producer([&] {
      std::lock_guard g(cv);
      ready.store(true);
      cv.notify();
    });
    consumer.start();
    producer.start();
    consumer.join();
    producer.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 300));
    REQUIRE_THAT(r, NoBug());
  }
}

TEST_CASE("LostNotification: a wait that no notify ever targeted is a plain Deadlock",
          "[checker][lost-notification]") {
  auto body = [] {
    weave::Condition cv{"cv"};
    weave::Thread waiter(weave::ThreadOptions{"waiter"}, [&] {
      cv.acquire();
      cv.wait();
      cv.release();
    });
    waiter.start();
    waiter.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 20));
    REQUIRE_THAT(r, FindsBug(BugKind::Deadlock));
  }
}

TEST_CASE("LostNotification: a notify on another Condition does not count",
          "[checker][lost-notification]") {
  auto body = [] {
    weave::Lock l{"l"};
    weave::Condition other{l, "other"};
    weave::Condition cv{l, "cv"};
    {
      std::lock_guard g(other);
      other.notify();  // unheard, but on a different Condition
    }
    weave::Thread waiter([&] {
      cv.acquire();
      cv.wait();
      cv.release();
    });
    waiter.start();
    waiter.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 20));
    REQUIRE_THAT(r, FindsBug(BugKind::Deadlock));
  }
}

TEST_CASE("LostNotification: a notify that was heard, then a hang, is a plain Deadlock",
          "[checker][lost-notification]") {
  auto body = [] {
    weave::Lock l{"l"};
    weave::Condition cv{l, "cv"};
    weave::Event waiting{"waiting"};
    weave::Thread first([&] {
      cv.acquire();
      waiting.set();  // still holding the lock until wait() releases it
      cv.wait();
      cv.release();
    });
    first.start();
    waiting.wait();
    {
      std::lock_guard g(cv);  // only once `first` waits
      cv.notify();            // heard by `first`
    }
    first.join();
    cv.acquire();
    cv.wait();  // nobody will ever notify again: a deadlock, but no notify was lost
    cv.release();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 50));
    REQUIRE_THAT(r, FindsBug(BugKind::Deadlock));
  }
}

TEST_CASE("LostNotification: unheard notifies with nobody waiting afterwards are fine",
          "[checker][lost-notification]") {
  auto body = [] {
    weave::Condition cv{"cv"};
    weave::Shared<int> n(0, "n");
    weave::Thread t([&] {
      std::lock_guard g(cv);
      n += 1;
      cv.notify_all();
    });
    t.start();
    {
      std::lock_guard g(cv);
      n += 1;
      cv.notify();
    }
    t.join();
    WEAVE_ASSERT(n.load() == 2);
  };
  for (auto s : kStrategies) REQUIRE_THAT(weave::check(body, cfg(s, 100)), NoBug());
}

TEST_CASE("LostNotification: a timed wait after a lost notify times out, no bug",
          "[checker][lost-notification]") {
  auto body = [] {
    weave::Condition cv{"cv"};
    {
      std::lock_guard g(cv);
      cv.notify();
    }
    std::lock_guard g(cv);
    (void)cv.wait(std::chrono::milliseconds(50));  // returns (false) by itself
  };
  for (auto s : kStrategies) REQUIRE_THAT(weave::check(body, cfg(s, 20)), NoBug());
}

TEST_CASE("LostNotification: found -> replayed to the same bug",
          "[checker][lost-notification][replay]") {
  auto body = [] {
    weave::Lock l{"l"};
    weave::Condition cv{l, "cv"};
    weave::Thread consumer([&] {
      cv.acquire();
      cv.wait();
      cv.release();
    });
    weave::Thread producer([&] {
      std::lock_guard g(cv);
      cv.notify();
    });
    consumer.start();
    producer.start();
    consumer.join();
    producer.join();
  };
  for (auto s : kStrategies) {
    auto found = weave::check(body, cfg(s, 300, 31));
    REQUIRE_THAT(found, FindsBug(BugKind::LostNotification));
    auto again = weave::replay(body, found.bug->schedule);
    REQUIRE_THAT(again, FindsBug(BugKind::LostNotification));
    CHECK(again.bug->trace.size() == found.bug->trace.size());
    CHECK(again.bug->message == found.bug->message);
    CHECK(again.bug->nondeterminism.empty());
  }
}

TEST_CASE("LostNotification: a hung wait inside std::lock_guard is torn down cleanly",
          "[checker][lost-notification][teardown]") {
  // The natural way to write it: when the checker tears the execution down, the guard's
  // destructor runs while the wait has not taken the lock back. That must not abort the process.
  auto body = [] {
    weave::Condition cv{"cv"};
    {
      std::lock_guard g(cv);
      cv.notify();
    }
    weave::Thread waiter([&] {
      std::lock_guard g(cv);
      cv.wait();
    });
    waiter.start();
    waiter.join();
  };
  REQUIRE_THAT(weave::check(body, cfg(weave::Strategy::PCT, 10)),
               FindsBug(BugKind::LostNotification));
  auto deadlock = [] {
    weave::Condition cv{"cv"};
    std::unique_lock g(cv);
    cv.wait();
  };
  REQUIRE_THAT(weave::check(deadlock, cfg(weave::Strategy::PCT, 10)), FindsBug(BugKind::Deadlock));
}
