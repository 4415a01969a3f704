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

// Polls until `done()`; the bound only keeps a broken build from hanging.
template <class P>
void spin_until(P done) {
  for (int i = 0; i < 10000 && !done(); ++i) std::this_thread::sleep_for(1ms);
  REQUIRE(done());
}

// Runs `body` on a weave thread and waits for it.
template <class F>
void on_other_thread(F body) {
  weave::Thread t(std::move(body));
  t.start();
  t.join();
}

// Holds a lock on another thread until release() is called.
class Holder {
 public:
  template <class L>
  explicit Holder(L& lock)
      : thread_([this, &lock] {
          lock.acquire();
          held_ = true;
          while (!let_go_.load()) std::this_thread::sleep_for(1ms);
          lock.release();
        }) {
    thread_.start();
    spin_until([this] { return held_.load(); });
  }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  ~Holder() { release(); }
  void release() {
    let_go_ = true;
    if (thread_.is_alive()) thread_.join();
  }
  std::uint64_t ident() const { return thread_.ident(); }

 private:
  std::atomic<bool> held_{false};
  std::atomic<bool> let_go_{false};
  weave::Thread thread_;
};

}  // namespace

TEST_CASE("Lock: acquire, release, locked", "[lock]") {
  weave::Lock lock;
  REQUIRE_FALSE(lock.locked());
  lock.acquire();
  REQUIRE(lock.locked());
  lock.release();
  REQUIRE_FALSE(lock.locked());
  lock.lock();
  REQUIRE(lock.locked());
  lock.unlock();
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("Lock: try_acquire takes a free lock and never blocks on a held one", "[lock]") {
  weave::Lock lock;
  REQUIRE(lock.try_acquire());
  REQUIRE(lock.locked());
  REQUIRE_FALSE(lock.try_acquire());  // non-reentrant: not even its holder
  REQUIRE_FALSE(lock.try_lock());
  bool other = true;
  on_other_thread([&] { other = lock.try_acquire(); });
  REQUIRE_FALSE(other);
  lock.release();
  on_other_thread([&] {
    other = lock.try_lock();
    lock.unlock();
  });
  REQUIRE(other);
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("Lock: acquire(timeout) fails while held elsewhere, succeeds when free",
          "[lock][timeout]") {
  weave::Lock lock;
  REQUIRE(lock.acquire(10ms));
  lock.release();
  REQUIRE(lock.acquire(0ms));  // free: no wait needed
  lock.release();
  {
    Holder h(lock);
    REQUIRE_FALSE(lock.acquire(20ms));
    REQUIRE_FALSE(lock.acquire(0ms));
    REQUIRE_FALSE(lock.acquire(std::chrono::duration<double>(0.005)));
    REQUIRE(lock.locked());
    h.release();
  }
  REQUIRE(lock.acquire(10ms));
  REQUIRE(lock.locked());
  lock.release();
}

TEST_CASE("Lock: a negative timeout does not wait; Duration::max() waits forever",
          "[lock][timeout]") {
  weave::Lock lock;
  REQUIRE(lock.acquire(-5ms));        // free: taken
  REQUIRE_FALSE(lock.acquire(-5ms));  // held: no wait
  lock.release();
  REQUIRE(lock.acquire(weave::Duration::max()));
  lock.release();
}

TEST_CASE("Lock: its holder acquiring again with a timeout fails (non-reentrant)", "[lock]") {
  weave::Lock lock;
  lock.acquire();
  REQUIRE_FALSE(lock.acquire(10ms));
  REQUIRE(lock.locked());
  lock.release();
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("Lock: a timed acquire gets the lock when it is released in time", "[lock][timeout]") {
  weave::Lock lock;
  lock.acquire();
  std::atomic<bool> waiting{false};
  bool got = false;
  weave::Thread t([&] {
    waiting = true;
    got = lock.acquire(60s);
    if (got) lock.release();
  });
  t.start();
  spin_until([&] { return waiting.load() && t.state() == weave::ThreadState::Blocked; });
  lock.release();
  t.join();
  REQUIRE(got);
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("Lock: a blocked acquire is woken by the release", "[lock]") {
  weave::Lock lock;
  lock.acquire();
  int shared = 0;  // written under the lock on both sides: TSan checks the release->acquire edge
  shared = 1;
  int seen = -1;
  weave::Thread t([&] {
    lock.acquire();
    seen = shared;
    shared = 2;
    lock.release();
  });
  t.start();
  spin_until([&] { return t.state() == weave::ThreadState::Blocked; });
  REQUIRE(lock.locked());
  lock.release();
  t.join();
  REQUIRE(seen == 1);
  lock.acquire();
  REQUIRE(shared == 2);
  lock.release();
}

TEST_CASE("Lock: waiters that time out leave the lock working", "[lock][timeout]") {
  weave::Lock lock;
  std::vector<std::unique_ptr<weave::Thread>> quitters;
  std::atomic<int> gave_up{0};
  {
    Holder h(lock);
    for (int i = 0; i < 3; ++i) {
      quitters.push_back(std::make_unique<weave::Thread>([&] {
        if (!lock.acquire(5ms)) ++gave_up;
      }));
    }
    for (auto& q : quitters) q->start();
    for (auto& q : quitters) q->join();
    REQUIRE(gave_up.load() == 3);
    // One more, blocked without a timeout, must still be woken by the holder's release.
    bool got = false;
    weave::Thread patient([&] {
      lock.acquire();
      got = true;
      lock.release();
    });
    patient.start();
    spin_until([&] { return patient.state() == weave::ThreadState::Blocked; });
    h.release();
    patient.join();
    REQUIRE(got);
  }
  REQUIRE_FALSE(lock.locked());
  REQUIRE(lock.try_acquire());
  lock.release();
}

TEST_CASE("Lock works with std::lock_guard, std::unique_lock and std::scoped_lock", "[lock][std]") {
  weave::Lock a{"a"};
  weave::Lock b{"b"};
  {
    std::lock_guard<weave::Lock> g(a);
    REQUIRE(a.locked());
  }
  REQUIRE_FALSE(a.locked());
  {
    std::unique_lock<weave::Lock> u(a);
    REQUIRE(u.owns_lock());
    u.unlock();
    REQUIRE_FALSE(a.locked());
    u.lock();
    REQUIRE(a.locked());
  }
  REQUIRE_FALSE(a.locked());
  {
    std::unique_lock<weave::Lock> u(a, std::try_to_lock);
    REQUIRE(u.owns_lock());
    std::unique_lock<weave::Lock> v(a, std::try_to_lock);
    REQUIRE_FALSE(v.owns_lock());
  }
  {
    std::unique_lock<weave::Lock> u(a, std::defer_lock);
    REQUIRE_FALSE(a.locked());
    REQUIRE(u.try_lock());
  }
  {
    std::scoped_lock both(a, b);
    REQUIRE(a.locked());
    REQUIRE(b.locked());
  }
  REQUIRE_FALSE(a.locked());
  REQUIRE_FALSE(b.locked());
}

TEST_CASE("std::scoped_lock of two Locks avoids deadlock in opposite orders", "[lock][std]") {
  weave::Lock a{"a"};
  weave::Lock b{"b"};
  int counter = 0;
  constexpr int kRounds = 300;
  weave::Thread t1([&] {
    for (int i = 0; i < kRounds; ++i) {
      std::scoped_lock both(a, b);
      ++counter;
    }
  });
  weave::Thread t2([&] {
    for (int i = 0; i < kRounds; ++i) {
      std::scoped_lock both(b, a);
      ++counter;
    }
  });
  t1.start();
  t2.start();
  t1.join();
  t2.join();
  REQUIRE(counter == 2 * kRounds);
  REQUIRE_FALSE(a.locked());
  REQUIRE_FALSE(b.locked());
}

TEST_CASE("Lock: releasing an unheld lock is a UsageError naming the lock", "[lock][misuse]") {
  weave::Lock named{"accounts"};
  REQUIRE_THROWS_AS(named.release(), weave::UsageError);
  REQUIRE_THROWS_WITH(named.release(), Catch::Contains("accounts") && Catch::Contains("not held") &&
                                           Catch::Contains("lock_test.cpp:"));
  REQUIRE_THROWS_AS(named.unlock(), weave::UsageError);
  REQUIRE_FALSE(named.locked());

  weave::Lock unnamed;
  REQUIRE_THROWS_WITH(unnamed.release(), Catch::Contains("Lock#") && Catch::Contains("not held"));

  // Released once too often.
  named.acquire();
  named.release();
  REQUIRE_THROWS_AS(named.release(), weave::UsageError);
  REQUIRE(named.try_acquire());  // still usable
  named.release();
}

TEST_CASE("Lock: releasing a lock held by another thread is a UsageError", "[lock][misuse]") {
  weave::Lock lock{"ledger"};
  Holder h(lock);
  std::string what;
  bool is_usage = false;
  REQUIRE_THROWS_AS(lock.release(), weave::UsageError);
  try {
    lock.unlock();
  } catch (const weave::UsageError& e) {
    is_usage = true;
    what = e.what();
  }
  REQUIRE(is_usage);
  REQUIRE_THAT(what, Catch::Contains("ledger") && Catch::Contains("held by another thread") &&
                         Catch::Contains(std::to_string(h.ident())));
  // The failed release changed nothing: the holder still has it.
  REQUIRE(lock.locked());
  REQUIRE_FALSE(lock.try_acquire());
  h.release();
  REQUIRE_FALSE(lock.locked());

  // Also from a third thread while the main thread holds it.
  lock.acquire();
  bool third_usage = false;
  on_other_thread([&] {
    try {
      lock.release();
    } catch (const weave::UsageError&) {
      third_usage = true;
    }
  });
  REQUIRE(third_usage);
  REQUIRE(lock.locked());
  lock.release();
}

TEST_CASE("Lock: mutual exclusion under contention", "[lock][stress]") {
  weave::Lock lock{"counter"};
  constexpr int kThreads = 4;
  constexpr int kIncrements = 2000;
  long counter = 0;  // plain: any overlap is a lost update (and a TSan report)
  int inside = 0;
  bool overlap = false;
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&, i] {
      for (int k = 0; k < kIncrements; ++k) {
        // Mix the ways in, so each path hands over to the others.
        switch ((i + k) % 3) {
          case 0:
            lock.acquire();
            break;
          case 1:
            while (!lock.try_acquire()) std::this_thread::yield();
            break;
          default:
            while (!lock.acquire(1s)) {
            }
            break;
        }
        if (++inside != 1) overlap = true;
        ++counter;
        --inside;
        lock.release();
      }
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  REQUIRE_FALSE(overlap);
  REQUIRE(counter == static_cast<long>(kThreads) * kIncrements);
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("Lock works from threads weave did not start", "[lock]") {
  weave::Lock lock;
  int counter = 0;
  std::vector<std::thread> raw;
  for (int i = 0; i < 2; ++i) {
    raw.emplace_back([&] {
      for (int k = 0; k < 500; ++k) {
        std::lock_guard<weave::Lock> g(lock);
        ++counter;
      }
    });
  }
  for (auto& r : raw) r.join();
  REQUIRE(counter == 1000);
}
