#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
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
void poll_until(P done) {
  for (int i = 0; i < 10000 && !done(); ++i) std::this_thread::sleep_for(1ms);
  REQUIRE(done());
}

// Starts `n` threads that each wait once on `cond` (no predicate) and count themselves out.
// `waiting` is counted under the condition's lock before wait(), which lets the lock go only once
// the waiter is queued: so a notifier holding the lock and seeing waiting == n knows all n are in.
class Waiters {
 public:
  Waiters(weave::Condition& cond, int n) : cond_(cond) {
    for (int i = 0; i < n; ++i) {
      threads_.push_back(std::make_unique<weave::Thread>([this] {
        std::lock_guard<weave::Condition> g(cond_);
        ++waiting_;
        cond_.wait();
        --waiting_;
        ++woken_;
      }));
    }
    for (auto& t : threads_) t->start();
    poll_until([&] {
      std::lock_guard<weave::Condition> g(cond_);
      return waiting_ == n;
    });
  }
  Waiters(const Waiters&) = delete;
  Waiters& operator=(const Waiters&) = delete;
  ~Waiters() {
    for (auto& t : threads_) t->join();
  }
  // Read under the condition's lock.
  int woken() {
    std::lock_guard<weave::Condition> g(cond_);
    return woken_;
  }
  int waiting() {
    std::lock_guard<weave::Condition> g(cond_);
    return waiting_;
  }

 private:
  weave::Condition& cond_;
  int waiting_ = 0;
  int woken_ = 0;
  std::vector<std::unique_ptr<weave::Thread>> threads_;
};

bool taken_by_other_thread(weave::Lock& lock) {
  bool got = false;
  weave::Thread t([&] {
    got = lock.try_acquire();
    if (got) lock.release();
  });
  t.start();
  t.join();
  return got;
}

bool taken_by_other_thread(weave::RLock& lock) {
  bool got = false;
  weave::Thread t([&] {
    got = lock.try_acquire();
    if (got) lock.release();
  });
  t.start();
  t.join();
  return got;
}

}  // namespace

TEST_CASE("Condition: by default it owns a reentrant lock", "[condition]") {
  weave::Condition cond;
  cond.acquire();
  cond.acquire();  // an RLock, as in Python
  REQUIRE(cond.try_acquire());
  cond.release();
  cond.release();
  cond.release();
  REQUIRE_THROWS_AS(cond.release(), weave::UsageError);
  {
    std::lock_guard<weave::Condition> g(cond);
    std::unique_lock<weave::Condition> again(cond);
    REQUIRE(again.owns_lock());
  }
  bool other = false;
  weave::Thread t([&] {
    other = cond.try_lock();
    if (other) cond.unlock();
  });
  t.start();
  t.join();
  REQUIRE(other);  // released fully above
}

TEST_CASE("Condition: a given Lock is the one it locks", "[condition]") {
  weave::Lock lock{"given"};
  weave::Condition cond(lock);
  cond.acquire();
  REQUIRE(lock.locked());
  REQUIRE_FALSE(cond.try_acquire());  // a Lock is not reentrant
  cond.release();
  REQUIRE_FALSE(lock.locked());
  lock.acquire();
  REQUIRE_FALSE(taken_by_other_thread(lock));
  cond.notify();  // holding it through the Lock counts
  lock.release();
}

TEST_CASE("Condition: wait releases the lock and notify wakes the waiter", "[condition]") {
  weave::Lock lock;
  weave::Condition cond(lock);
  bool ready = false;  // guarded by lock
  int payload = 0;     // written before the notify, read after the wait
  bool saw = false;
  weave::Thread waiter([&] {
    std::lock_guard<weave::Condition> g(cond);
    while (!ready) cond.wait();
    saw = payload == 42;
  });
  waiter.start();
  poll_until([&] { return waiter.state() == weave::ThreadState::Blocked; });
  {
    // The waiter does not hold the lock while it waits.
    std::lock_guard<weave::Lock> g(lock);
    payload = 42;
    ready = true;
    cond.notify();
  }
  waiter.join();
  REQUIRE(saw);
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("Condition: a given RLock held twice is held twice again after wait", "[condition]") {
  weave::RLock rlock{"rl"};
  weave::Condition cond(rlock);
  bool go = false;
  std::atomic<bool> waiting{false};
  std::atomic<bool> woke{false};
  std::atomic<bool> finish{false};
  weave::Thread waiter([&] {
    rlock.acquire();
    rlock.acquire();
    waiting = true;
    cond.wait_for([&] { return go; });
    woke = true;
    while (!finish.load()) std::this_thread::sleep_for(1ms);
    rlock.release();  // one of two: still held
    woke = false;
    while (finish.load()) std::this_thread::sleep_for(1ms);
    rlock.release();
  });
  waiter.start();
  poll_until([&] { return waiting.load() && waiter.state() == weave::ThreadState::Blocked; });
  // While it waits the RLock is free: fully released, not just once.
  REQUIRE(taken_by_other_thread(rlock));
  {
    std::lock_guard<weave::RLock> g(rlock);
    go = true;
    cond.notify_all();
  }
  poll_until([&] { return woke.load(); });
  REQUIRE_FALSE(taken_by_other_thread(rlock));  // held twice again
  finish = true;
  poll_until([&] { return !woke.load(); });
  REQUIRE(rlock.locked());
  REQUIRE_FALSE(taken_by_other_thread(rlock));  // one release still owed
  finish = false;
  waiter.join();
  REQUIRE_FALSE(rlock.locked());
  REQUIRE(taken_by_other_thread(rlock));
}

TEST_CASE("Condition: the owned RLock's recursion is restored after wait", "[condition]") {
  weave::Condition cond;
  cond.acquire();
  cond.acquire();
  REQUIRE_FALSE(cond.wait(5ms));
  cond.release();
  // Still held once: another thread cannot take it.
  bool other = true;
  weave::Thread t([&] {
    other = cond.try_acquire();
    if (other) cond.release();
  });
  t.start();
  t.join();
  REQUIRE_FALSE(other);
  cond.release();
  REQUIRE_THROWS_AS(cond.release(), weave::UsageError);
}

TEST_CASE("Condition: notify(n) wakes n waiters; notify() one; notify_all the rest",
          "[condition]") {
  weave::Condition cond{"cv"};
  Waiters w(cond, 5);
  {
    std::lock_guard<weave::Condition> g(cond);
    cond.notify(2);
  }
  poll_until([&] { return w.woken() == 2; });
  std::this_thread::sleep_for(20ms);  // give a wrongly woken third the chance to show
  REQUIRE(w.woken() == 2);
  REQUIRE(w.waiting() == 3);
  {
    std::lock_guard<weave::Condition> g(cond);
    cond.notify();
  }
  poll_until([&] { return w.woken() == 3; });
  std::this_thread::sleep_for(20ms);
  REQUIRE(w.woken() == 3);
  {
    std::lock_guard<weave::Condition> g(cond);
    cond.notify(0);  // wakes nobody
    cond.notify_all();
  }
  poll_until([&] { return w.woken() == 5; });
  REQUIRE(w.waiting() == 0);
}

TEST_CASE("Condition: notify(n) larger than the waiters wakes them all", "[condition]") {
  weave::Condition cond;
  Waiters w(cond, 3);
  {
    std::lock_guard<weave::Condition> g(cond);
    cond.notify(10);
  }
  poll_until([&] { return w.woken() == 3; });
}

TEST_CASE("Condition: notify_all wakes every waiter", "[condition]") {
  weave::Lock lock;
  weave::Condition cond(lock);
  Waiters w(cond, 4);
  {
    std::lock_guard<weave::Condition> g(cond);
    cond.notify_all();
  }
  poll_until([&] { return w.woken() == 4; });
}

TEST_CASE("Condition: a notify with no waiter is not remembered", "[condition][timeout]") {
  weave::Condition cond;
  std::lock_guard<weave::Condition> g(cond);
  cond.notify();
  cond.notify_all();
  REQUIRE_FALSE(cond.wait(10ms));
}

TEST_CASE("Condition: wait(timeout) is false on timeout, true when notified, lock held after",
          "[condition][timeout]") {
  weave::Lock lock;
  weave::Condition cond(lock);
  cond.acquire();
  REQUIRE_FALSE(cond.wait(20ms));
  REQUIRE_FALSE(cond.wait(0ms));
  REQUIRE_FALSE(cond.wait(-1s));
  REQUIRE_FALSE(cond.wait(std::chrono::duration<double>(0.005)));
  REQUIRE(lock.locked());
  REQUIRE_FALSE(taken_by_other_thread(lock));  // held again by us
  cond.release();

  bool notified = false;
  std::atomic<bool> in{false};
  weave::Thread waiter([&] {
    std::lock_guard<weave::Condition> g(cond);
    in = true;
    notified = cond.wait(60s);
  });
  waiter.start();
  poll_until([&] { return in.load() && waiter.state() == weave::ThreadState::Blocked; });
  {
    std::lock_guard<weave::Condition> g(cond);
    cond.notify();
  }
  waiter.join();
  REQUIRE(notified);
}

TEST_CASE("Condition: wait_for(predicate) waits until it holds", "[condition]") {
  weave::Condition cond;
  int value = 0;
  int calls = 0;
  {
    // Already true: no wait at all.
    std::lock_guard<weave::Condition> g(cond);
    cond.wait_for([&] {
      ++calls;
      return true;
    });
    REQUIRE(calls == 1);
  }
  int seen = 0;
  weave::Thread waiter([&] {
    std::lock_guard<weave::Condition> g(cond);
    cond.wait_for([&] { return value >= 3; });
    seen = value;
  });
  waiter.start();
  for (int i = 1; i <= 3; ++i) {
    poll_until([&] { return waiter.state() == weave::ThreadState::Blocked; });
    std::lock_guard<weave::Condition> g(cond);
    value = i;
    cond.notify();  // a wakeup that finds the predicate false waits again
  }
  waiter.join();
  REQUIRE(seen == 3);
}

TEST_CASE("Condition: wait_for(predicate, timeout)", "[condition][timeout]") {
  weave::Lock lock;
  weave::Condition cond(lock);
  bool flag = false;
  std::lock_guard<weave::Condition> g(cond);
  SECTION("false when the predicate never holds, with the lock held again") {
    REQUIRE_FALSE(cond.wait_for([&] { return flag; }, 20ms));
    REQUIRE_FALSE(cond.wait_for([&] { return flag; }, 0ms));
    REQUIRE_FALSE(taken_by_other_thread(lock));
  }
  SECTION("true at once when it already holds, even with no time") {
    flag = true;
    REQUIRE(cond.wait_for([&] { return flag; }, 0ms));
    REQUIRE(cond.wait_for([&] { return flag; }, weave::Duration::max()));
  }
  SECTION("true when another thread makes it hold in time") {
    weave::Thread setter([&] {
      std::lock_guard<weave::Condition> sg(cond);
      flag = true;
      cond.notify();
    });
    setter.start();
    REQUIRE(cond.wait_for([&] { return flag; }, 60s));
    cond.release();  // let the setter finish before it is joined
    setter.join();
    cond.acquire();
  }
  SECTION("notifies that leave it false do not end the wait early") {
    std::atomic<int> pokes{0};
    std::atomic<bool> stop{false};
    weave::Thread poker([&] {
      while (!stop.load()) {
        {
          std::lock_guard<weave::Condition> pg(cond);
          cond.notify();
        }
        ++pokes;
        std::this_thread::sleep_for(1ms);
      }
    });
    poker.start();
    REQUIRE_FALSE(cond.wait_for([&] { return flag; }, 30ms));
    stop = true;
    cond.release();
    poker.join();
    cond.acquire();
  }
}

TEST_CASE("Condition: wait and notify without holding the lock are UsageErrors",
          "[condition][misuse]") {
  weave::Lock lock{"guard"};
  weave::Condition cond(lock, "ready");
  REQUIRE_THROWS_AS(cond.wait(), weave::UsageError);
  REQUIRE_THROWS_AS(cond.wait(10ms), weave::UsageError);
  REQUIRE_THROWS_AS(cond.wait_for([] { return false; }), weave::UsageError);
  REQUIRE_THROWS_AS(cond.wait_for([] { return false; }, 10ms), weave::UsageError);
  REQUIRE_THROWS_AS(cond.notify(), weave::UsageError);
  REQUIRE_THROWS_AS(cond.notify(3), weave::UsageError);
  REQUIRE_THROWS_AS(cond.notify_all(), weave::UsageError);
  REQUIRE_THROWS_WITH(cond.wait(), Catch::Contains("wait") && Catch::Contains("ready") &&
                                       Catch::Contains("guard") &&
                                       Catch::Contains("condition_test.cpp:"));
  REQUIRE_THROWS_WITH(cond.notify(), Catch::Contains("notify") && Catch::Contains("ready"));
  REQUIRE_THROWS_WITH(cond.notify_all(), Catch::Contains("notify_all") && Catch::Contains("ready"));
  REQUIRE_FALSE(lock.locked());

  weave::Condition unnamed;
  REQUIRE_THROWS_WITH(unnamed.wait(), Catch::Contains("Condition#") && Catch::Contains("RLock#"));
}

TEST_CASE("Condition: the lock held by another thread does not count", "[condition][misuse]") {
  weave::Lock lock{"elsewhere"};
  weave::Condition cond(lock);
  std::atomic<bool> held{false};
  std::atomic<bool> let_go{false};
  weave::Thread holder([&] {
    std::lock_guard<weave::Lock> g(lock);
    held = true;
    while (!let_go.load()) std::this_thread::sleep_for(1ms);
  });
  holder.start();
  poll_until([&] { return held.load(); });
  REQUIRE_THROWS_AS(cond.wait(), weave::UsageError);
  REQUIRE_THROWS_AS(cond.notify(), weave::UsageError);
  REQUIRE_THROWS_AS(cond.notify_all(), weave::UsageError);
  REQUIRE(lock.locked());  // untouched
  let_go = true;
  holder.join();
}

TEST_CASE("Condition: a named Condition names its own lock after itself", "[condition]") {
  weave::Condition cond{"jobs"};
  cond.acquire();
  cond.release();
  REQUIRE_THROWS_WITH(cond.release(), Catch::Contains("jobs"));
  REQUIRE(cond.object().display_name() == "jobs");
}

TEST_CASE("Condition: producer/consumer on a bounded buffer", "[condition][stress]") {
  weave::Lock lock{"buffer"};
  weave::Condition not_empty(lock, "not_empty");
  weave::Condition not_full(lock, "not_full");
  constexpr std::size_t kCapacity = 4;
  constexpr int kProducers = 2;
  constexpr int kConsumers = 2;
  constexpr int kItems = 500;  // per producer
  std::deque<int> buffer;
  int produced_done = 0;
  long consumed_sum = 0;
  int consumed_count = 0;
  bool overflow = false;

  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.push_back(std::make_unique<weave::Thread>([&, p] {
      for (int i = 1; i <= kItems; ++i) {
        std::lock_guard<weave::Lock> g(lock);
        not_full.wait_for([&] { return buffer.size() < kCapacity; });
        buffer.push_back(p * kItems + i);
        if (buffer.size() > kCapacity) overflow = true;
        not_empty.notify();
      }
      std::lock_guard<weave::Lock> g(lock);
      ++produced_done;
      not_empty.notify_all();  // consumers may be waiting for the end
    }));
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.push_back(std::make_unique<weave::Thread>([&] {
      for (;;) {
        std::lock_guard<weave::Lock> g(lock);
        not_empty.wait_for([&] { return !buffer.empty() || produced_done == kProducers; });
        if (buffer.empty()) return;
        consumed_sum += buffer.front();
        ++consumed_count;
        buffer.pop_front();
        not_full.notify();
      }
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  const long n = static_cast<long>(kProducers) * kItems;
  REQUIRE_FALSE(overflow);
  REQUIRE(consumed_count == n);
  REQUIRE(consumed_sum == n * (n + 1) / 2);
  REQUIRE(buffer.empty());
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("Condition: timed waiters and notifiers under contention", "[condition][stress]") {
  // Waiters time out and get notified at random; whatever happens, the lock and the condition
  // stay consistent and every thread ends.
  weave::Condition cond;
  int tokens = 0;
  int taken = 0;
  constexpr int kTokens = 300;
  std::vector<std::unique_ptr<weave::Thread>> threads;
  threads.push_back(std::make_unique<weave::Thread>([&] {
    for (int i = 0; i < kTokens; ++i) {
      std::lock_guard<weave::Condition> g(cond);
      ++tokens;
      if (i % 2 == 0) {
        cond.notify();
      } else {
        cond.notify_all();
      }
    }
  }));
  for (int c = 0; c < 3; ++c) {
    threads.push_back(std::make_unique<weave::Thread>([&] {
      for (;;) {
        std::lock_guard<weave::Condition> g(cond);
        if (taken == kTokens) return;
        if (cond.wait_for([&] { return tokens > 0; }, 1ms)) {
          --tokens;
          ++taken;
          if (taken == kTokens) cond.notify_all();
        }
      }
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  REQUIRE(taken == kTokens);
  REQUIRE(tokens == 0);
}
