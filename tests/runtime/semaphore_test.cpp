#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "weave/weave.hpp"

using namespace std::chrono_literals;

namespace {

// Waits until `t` sits in a wait queue.
void wait_until_blocked(const weave::Thread& t) {
  while (t.state() != weave::ThreadState::Blocked) weave::sleep(1ms);
}

// Takes every free permit without blocking; returns how many there were.
std::size_t drain(weave::Semaphore& s) {
  std::size_t n = 0;
  while (s.try_acquire()) ++n;
  return n;
}

}  // namespace

TEST_CASE("Semaphore counts permits", "[semaphore]") {
  weave::Semaphore s(2);
  REQUIRE(s.try_acquire());
  REQUIRE(s.try_acquire());
  REQUIRE_FALSE(s.try_acquire());
  s.release();
  REQUIRE(s.try_acquire());
  REQUIRE_FALSE(s.try_acquire());
  s.release(3);  // an unbounded Semaphore may go above its initial value
  REQUIRE(drain(s) == 3);

  weave::Semaphore one;  // Python's default value is 1
  REQUIRE(drain(one) == 1);
  weave::Semaphore none(0);
  REQUIRE(drain(none) == 0);
}

TEST_CASE("Semaphore acquire with a timeout", "[semaphore][timeout]") {
  weave::Semaphore s(1);
  REQUIRE(s.acquire(20ms));
  REQUIRE_FALSE(s.acquire(20ms));
  REQUIRE_FALSE(s.acquire(0ms));
  s.release();
  REQUIRE(s.acquire(0ms));
  s.release();
  REQUIRE(s.acquire(weave::Duration::max()));
}

TEST_CASE("Semaphore acquire blocks until a release", "[semaphore]") {
  weave::Semaphore s(0);
  int data = 0;
  bool got = false;
  weave::Thread t([&] {
    s.acquire();
    got = data == 42;  // release happens before the acquire it satisfies
  });
  t.start();
  wait_until_blocked(t);
  data = 42;
  s.release();
  t.join();
  REQUIRE(got);
  REQUIRE(drain(s) == 0);
}

TEST_CASE("Semaphore timed acquire is woken by a release", "[semaphore][timeout]") {
  weave::Semaphore s(0);
  bool got = false;
  weave::Thread t([&] { got = s.acquire(weave::Duration(std::chrono::hours(1))); });
  t.start();
  wait_until_blocked(t);
  s.release();
  t.join();
  REQUIRE(got);
}

TEST_CASE("Semaphore release(n) wakes n waiters and keeps the rest", "[semaphore]") {
  weave::Semaphore s(0);
  std::atomic<int> acquired{0};
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < 4; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&] {
      s.acquire();
      ++acquired;
    }));
    threads.back()->start();
  }
  for (auto& t : threads) wait_until_blocked(*t);
  s.release(6);  // four go to the waiters, two stay free
  for (auto& t : threads) t->join();
  REQUIRE(acquired == 4);
  REQUIRE(drain(s) == 2);
}

TEST_CASE("Semaphore serves waiters first come, first served", "[semaphore][fifo]") {
  weave::Semaphore s(0);
  std::mutex m;
  std::vector<int> order;
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < 5; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&, i] {
      s.acquire();
      std::lock_guard<std::mutex> lk(m);
      order.push_back(i);
    }));
    threads.back()->start();
    wait_until_blocked(*threads.back());  // queue them in a known order
  }
  for (auto& t : threads) {
    s.release();
    // The permit went to the longest waiter: a newcomer cannot take it.
    REQUIRE_FALSE(s.try_acquire());
    t->join();
  }
  REQUIRE(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("Semaphore hands a permit to a waiter, not to a timed-out one", "[semaphore][timeout]") {
  weave::Semaphore s(0);
  bool first = true;
  bool second = false;
  weave::Thread a([&] { first = s.acquire(20ms); });
  a.start();
  a.join();
  REQUIRE_FALSE(first);  // gave up and left the queue
  weave::Thread b([&] {
    s.acquire();
    second = true;
  });
  b.start();
  wait_until_blocked(b);
  s.release();
  b.join();
  REQUIRE(second);
  REQUIRE(drain(s) == 0);
}

TEST_CASE("BoundedSemaphore refuses to go above its initial value",
          "[semaphore][bounded][misuse]") {
  weave::BoundedSemaphore s(2, "pool");
  REQUIRE_THROWS_AS(s.release(), weave::UsageError);
  REQUIRE(s.try_acquire());
  REQUIRE_THROWS_AS(s.release(2), weave::UsageError);
  s.release();  // back at 2
  REQUIRE(s.try_acquire());
  REQUIRE(s.try_acquire());
  REQUIRE_FALSE(s.try_acquire());
  s.release(2);
  try {
    s.release();
    FAIL("expected a UsageError");
  } catch (const weave::UsageError& e) {
    const std::string what = e.what();
    CHECK(what.find("pool") != std::string::npos);
    CHECK(what.find("BoundedSemaphore") != std::string::npos);
    CHECK(what.find("initial value 2") != std::string::npos);
    CHECK(what.find("semaphore_test.cpp") != std::string::npos);
  }
  // A failed release changes nothing.
  REQUIRE(drain(s) == 2);

  weave::BoundedSemaphore unnamed(0);
  try {
    unnamed.release();
    FAIL("expected a UsageError");
  } catch (const weave::UsageError& e) {
    CHECK(std::string(e.what()).find("BoundedSemaphore#") != std::string::npos);
  }
}

TEST_CASE("BoundedSemaphore is a Semaphore", "[semaphore][bounded]") {
  weave::BoundedSemaphore bounded(1);
  weave::Semaphore& s = bounded;
  s.acquire();
  s.release();
  REQUIRE_THROWS_AS(s.release(), weave::UsageError);  // the bound holds through the base too
  REQUIRE(bounded.object().kind() == weave::detail::ObjectKind::BoundedSemaphore);
}

TEST_CASE("BoundedSemaphore release wakes a waiter within the bound", "[semaphore][bounded]") {
  weave::BoundedSemaphore s(1);
  s.acquire();
  weave::Thread t([&] { s.acquire(); });
  t.start();
  wait_until_blocked(t);
  s.release();  // handed to the waiter, which now holds the one permit
  t.join();
  REQUIRE_FALSE(s.try_acquire());
  s.release();
  REQUIRE_THROWS_AS(s.release(), weave::UsageError);
}

TEST_CASE("Semaphore release(0) is a UsageError", "[semaphore][misuse]") {
  weave::Semaphore s(1, "gate");
  try {
    s.release(0);
    FAIL("expected a UsageError");
  } catch (const weave::UsageError& e) {
    CHECK(std::string(e.what()).find("gate") != std::string::npos);
  }
  weave::BoundedSemaphore b(1);
  b.acquire();
  REQUIRE_THROWS_AS(b.release(0), weave::UsageError);
  REQUIRE(drain(b) == 0);
}

TEST_CASE("Semaphore counter overflow is a UsageError", "[semaphore][misuse]") {
  weave::Semaphore s(std::numeric_limits<std::size_t>::max());
  REQUIRE_THROWS_AS(s.release(), weave::UsageError);
  REQUIRE(s.try_acquire());
  s.release();
}

TEST_CASE("Semaphore stress: never more holders than permits", "[semaphore][stress]") {
  constexpr int kThreads = 8;
  constexpr int kRounds = 1000;
  constexpr std::size_t kPermits = 3;
  weave::BoundedSemaphore s(kPermits);
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> timeouts{0};
  long total = 0;  // guarded by a permit-of-one semaphore below
  weave::Semaphore mutex(1);
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&, i] {
      for (int r = 0; r < kRounds; ++r) {
        // Mix blocking, polling and (short) timed acquires.
        bool got = true;
        if (i % 3 == 0) {
          s.acquire();
        } else if (i % 3 == 1) {
          while (!s.try_acquire()) weave::yield();
        } else {
          got = s.acquire(50us);
        }
        if (!got) {
          ++timeouts;
          continue;
        }
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        mutex.acquire();
        ++total;
        mutex.release();
        --inside;
        s.release();
      }
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  REQUIRE(most <= static_cast<int>(kPermits));
  REQUIRE(total + timeouts == kThreads * kRounds);
  REQUIRE(drain(s) == kPermits);  // no permit lost or made up
}
