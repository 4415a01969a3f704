#pragma once
// weave/detail/wait_queue.hpp — the one blocking core every primitive is built on.
//
// A primitive keeps its state under a Monitor and parks threads on one or more WaitQueues of that
// monitor. The pattern is always:
//     Guard g(monitor_);
//     while (!ready()) if (!queue_.wait(g, deadline)) return timed_out;
//     ... change state; queue_.notify_one() ...
// On OS threads the Monitor is a lock word and a waiter sleeps on its own futex word. In a
// checked execution only one fiber runs at a time: the Guard takes no lock, and waiting and
// waking go to the Backend, so primitive code is the same in both worlds.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <source_location>

#include "weave/backend.hpp"

namespace weave::detail {

// The lock of a primitive's state. On OS threads a lock word (0 free, 1 held, 2 held and a thread
// may be asleep on it) that sleeps at once when taken, as std::mutex does, but with an inline
// fast path and in 4 bytes, so that a primitive's hot fields share its cache line. (It does not
// spin first: on this 2-core, shared development machine spinning made two-thread hand-offs
// slower, not faster.)
class Monitor {
 public:
  Monitor() = default;
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;
  // OS threads only, for a primitive's short fast path (a Guard otherwise).
  void os_lock() noexcept {
    std::uint32_t expected = 0;
    if (!word_.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      lock_slow();
    }
  }
  void os_unlock() noexcept {
    if (word_.exchange(0, std::memory_order_release) == 2) wake_sleeper();
  }

 private:
  void lock_slow() noexcept;
  void wake_sleeper() noexcept;
  std::atomic<std::uint32_t> word_{0};
};

// Wakes, on OS threads, the waiters that notifies under a monitor dequeued: done once the
// monitor is let go, so that a woken thread does not at once block on the monitor its waker
// still holds.
void flush_wakes() noexcept;
extern constinit thread_local unsigned tls_pending_wakes;
extern constinit thread_local unsigned tls_guards_held;  // monitors this OS thread holds

// Holds a Monitor for a scope; a no-op inside a checked execution.
class Guard {
 public:
  explicit Guard(Monitor& m) : monitor_(m) { lock(); }
  ~Guard() { unlock(); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  // Lets go early (before calling out to user code).
  void unlock() {
    if (owns_) {
      owns_ = false;
      monitor_.os_unlock();
      --tls_guards_held;
      if (tls_pending_wakes != 0) flush_wakes();
    }
  }
  void lock() {
    if (backend() == nullptr && !owns_) {
      monitor_.os_lock();
      owns_ = true;
      ++tls_guards_held;
    }
  }

 private:
  Monitor& monitor_;
  bool owns_ = false;
};

// FIFO of waiters on one condition of a Monitor.
class WaitQueue {
 public:
  explicit WaitQueue(const Object* object = nullptr) noexcept : object_(object) {}
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  // Queues the calling thread, releases the guard while blocked, retakes it. True when notified,
  // false when the deadline passed first. `tag` is kept in the waiter for notify_if.
  bool wait(Guard& g, Instant deadline, const std::source_location& loc, std::uintptr_t tag = 0);
  // Wakes the longest waiter; false when there was none (then at the cost of one comparison).
  bool notify_one() { return head_ != nullptr && wake_front(); }
  // Wakes up to n waiters; returns how many.
  std::size_t notify(std::size_t n);
  std::size_t notify_all() { return notify(static_cast<std::size_t>(-1)); }
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  const Waiter* front() const noexcept { return head_; }

 private:
  bool wake_front();
  void push_back(Waiter* w) noexcept;
  void unlink(Waiter* w) noexcept;
  Waiter* pop_front() noexcept;

  const Object* object_;
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace weave::detail
