#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weave/weave.hpp"

using namespace std::chrono_literals;

namespace {

// What another thread gets when it tries `lock` without blocking and with a short timeout.
struct Attempt {
  bool try_acquired = false;
  bool timed_acquired = false;
};

Attempt attempt_from_other_thread(weave::RLock& lock) {
  Attempt a;
  weave::Thread t([&] {
    a.try_acquired = lock.try_acquire();
    if (a.try_acquired) lock.release();
    a.timed_acquired = lock.acquire(10ms);
    if (a.timed_acquired) lock.release();
  });
  t.start();
  t.join();
  return a;
}

}  // namespace

TEST_CASE("RLock: its holder may acquire it again", "[rlock]") {
  weave::RLock lock;
  REQUIRE_FALSE(lock.locked());
  lock.acquire();
  lock.acquire();
  REQUIRE(lock.try_acquire());
  REQUIRE(lock.acquire(0ms));
  REQUIRE(lock.acquire(10ms));
  lock.lock();
  REQUIRE(lock.try_lock());
  REQUIRE(lock.locked());
  for (int i = 0; i < 7; ++i) {
    REQUIRE(lock.locked());
    lock.release();
  }
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("RLock: released as often as acquired before another thread can take it", "[rlock]") {
  weave::RLock lock{"nested"};
  lock.acquire();
  lock.acquire();
  lock.release();  // one of two
  REQUIRE(lock.locked());
  Attempt held = attempt_from_other_thread(lock);
  REQUIRE_FALSE(held.try_acquired);
  REQUIRE_FALSE(held.timed_acquired);
  REQUIRE(lock.locked());
  lock.release();  // the last one
  REQUIRE_FALSE(lock.locked());
  Attempt free = attempt_from_other_thread(lock);
  REQUIRE(free.try_acquired);
  REQUIRE(free.timed_acquired);
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("RLock: a blocked acquire is woken by the last release only", "[rlock]") {
  weave::RLock lock;
  lock.acquire();
  lock.acquire();
  std::atomic<bool> got{false};
  weave::Thread t([&] {
    lock.acquire();
    got = true;
    lock.acquire();  // reentrant on its side too
    lock.release();
    lock.release();
  });
  t.start();
  for (int i = 0; i < 10000 && t.state() != weave::ThreadState::Blocked; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  REQUIRE(t.state() == weave::ThreadState::Blocked);
  lock.release();
  REQUIRE_FALSE(t.join(20ms));  // one release still owed
  REQUIRE_FALSE(got.load());
  lock.release();
  t.join();
  REQUIRE(got.load());
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("RLock: acquire(timeout) fails while held elsewhere, succeeds when free",
          "[rlock][timeout]") {
  weave::RLock lock;
  std::atomic<bool> held{false};
  std::atomic<bool> let_go{false};
  weave::Thread holder([&] {
    lock.acquire();
    lock.acquire();
    held = true;
    while (!let_go.load()) std::this_thread::sleep_for(1ms);
    lock.release();
    lock.release();
  });
  holder.start();
  for (int i = 0; i < 10000 && !held.load(); ++i) std::this_thread::sleep_for(1ms);
  REQUIRE(held.load());
  REQUIRE_FALSE(lock.acquire(20ms));
  REQUIRE_FALSE(lock.try_acquire());
  let_go = true;
  REQUIRE(lock.acquire(60s));
  REQUIRE(lock.acquire(0ms));
  lock.release();
  lock.release();
  holder.join();
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("RLock: release by a non-owner is a UsageError naming the lock", "[rlock][misuse]") {
  weave::RLock lock{"registry"};
  REQUIRE_THROWS_AS(lock.release(), weave::UsageError);
  REQUIRE_THROWS_WITH(lock.release(), Catch::Contains("RLock") && Catch::Contains("registry") &&
                                          Catch::Contains("not held"));
  lock.acquire();
  lock.acquire();
  std::string what;
  weave::Thread t([&] {
    try {
      lock.release();
    } catch (const weave::UsageError& e) {
      what = e.what();
    }
  });
  t.start();
  t.join();
  REQUIRE_THAT(what, Catch::Contains("registry") && Catch::Contains("held by another thread"));
  // Nothing changed: still two releases owed.
  lock.release();
  REQUIRE(lock.locked());
  lock.release();
  REQUIRE_FALSE(lock.locked());
  // One release too many.
  REQUIRE_THROWS_AS(lock.unlock(), weave::UsageError);

  weave::RLock unnamed;
  REQUIRE_THROWS_WITH(unnamed.release(), Catch::Contains("RLock#"));
}

TEST_CASE("RLock works with std::lock_guard, std::unique_lock and std::scoped_lock",
          "[rlock][std]") {
  weave::RLock r;
  weave::Lock l;
  {
    std::lock_guard<weave::RLock> outer(r);
    std::lock_guard<weave::RLock> inner(r);  // reentrant
    std::unique_lock<weave::RLock> third(r, std::try_to_lock);
    REQUIRE(third.owns_lock());
  }
  REQUIRE_FALSE(r.locked());
  {
    std::scoped_lock both(r, l);
    REQUIRE(r.locked());
    REQUIRE(l.locked());
  }
  REQUIRE_FALSE(r.locked());
  REQUIRE_FALSE(l.locked());
}

TEST_CASE("RLock: mutual exclusion with nested acquires under contention", "[rlock][stress]") {
  weave::RLock lock;
  constexpr int kThreads = 4;
  constexpr int kRounds = 1000;
  long counter = 0;
  int inside = 0;
  bool overlap = false;
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&] {
      for (int k = 0; k < kRounds; ++k) {
        std::lock_guard<weave::RLock> outer(lock);
        if (++inside != 1) overlap = true;
        {
          std::lock_guard<weave::RLock> inner(lock);
          ++counter;
        }
        --inside;
      }
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  REQUIRE_FALSE(overlap);
  REQUIRE(counter == static_cast<long>(kThreads) * kRounds);
  REQUIRE_FALSE(lock.locked());
}
