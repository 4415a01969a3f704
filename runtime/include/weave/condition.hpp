#pragma once
// weave/condition.hpp — Condition, a condition variable bound to a lock (Python's
// threading.Condition).
//
// A Condition owns an RLock, or uses the Lock or RLock it is given. wait() must be called holding
// that lock: it releases it completely, waits for a notify (or the timeout), and takes it back.
// notify() and notify_all() must also be called holding the lock (as in Python). Waits may wake
// spuriously in a checked run when Config::spurious_wakeups is on: loop, or use wait_for().
//
// Happens-before: through the lock, and a notify happens before the wait it wakes returns.
#include <cstddef>
#include <memory>
#include <source_location>
#include <string>

#include "weave/backend.hpp"
#include "weave/detail/wait_queue.hpp"
#include "weave/duration.hpp"
#include "weave/lock.hpp"

namespace weave {

class Condition {
 public:
  // Owns a fresh RLock.
  explicit Condition(std::string name = {},
                     std::source_location loc = std::source_location::current());
  explicit Condition(Lock& lock, std::string name = {},
                     std::source_location loc = std::source_location::current());
  explicit Condition(RLock& lock, std::string name = {},
                     std::source_location loc = std::source_location::current());
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;
  ~Condition();

  // The underlying lock.
  void acquire(std::source_location loc = std::source_location::current()) { lock_->acquire(loc); }
  bool try_acquire(std::source_location loc = std::source_location::current()) {
    return lock_->try_acquire(loc);
  }
  void release(std::source_location loc = std::source_location::current()) { lock_->release(loc); }
  void lock(std::source_location loc = std::source_location::current()) { lock_->acquire(loc); }
  bool try_lock(std::source_location loc = std::source_location::current()) {
    return lock_->try_acquire(loc);
  }
  void unlock(std::source_location loc = std::source_location::current()) { lock_->release(loc); }

  // Waits for a notify. Not holding the lock: UsageError.
  void wait(std::source_location loc = std::source_location::current());
  // Waits at most `timeout`; false when it ran out.
  bool wait(Duration timeout, std::source_location loc = std::source_location::current());
  // Waits until predicate() is true (checked first, then after each wakeup).
  template <class P>
  void wait_for(P predicate, std::source_location loc = std::source_location::current()) {
    while (!predicate()) wait(loc);
  }
  // As above, giving up after `timeout` in all; returns the last value of predicate().
  template <class P>
  bool wait_for(P predicate, Duration timeout,
                std::source_location loc = std::source_location::current()) {
    if (timeout.infinite()) {
      wait_for(std::move(predicate), loc);
      return true;
    }
    const detail::Instant end = detail::deadline_after(timeout);
    bool ok = predicate();
    while (!ok) {
      const detail::Instant now = detail::now();
      if (now >= end) break;
      wait_until(end, loc);
      ok = predicate();
    }
    return ok;
  }
  // Wakes up to n waiters. Not holding the lock: UsageError.
  void notify(std::size_t n = 1, std::source_location loc = std::source_location::current());
  void notify_all(std::source_location loc = std::source_location::current());

  const detail::Object& object() const noexcept { return object_; }

 private:
  bool wait_until(detail::Instant deadline, const std::source_location& loc);

  detail::Object object_;
  std::unique_ptr<RLock> own_;
  detail::LockBase* lock_;
  detail::Monitor monitor_;
  detail::WaitQueue waiters_{&object_};
};

}  // namespace weave

// std::lock_guard / std::unique_lock / std::scoped_lock of a Condition report the user's line.
namespace std {
WEAVE_STD_LOCKS_FOR(::weave::Condition)
}  // namespace std
