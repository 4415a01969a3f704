#pragma once
// weave/lock.hpp — Lock and RLock.
//
//   Lock   a non-reentrant mutual-exclusion lock (Python's threading.Lock). Acquiring it again
//          from its holder blocks forever (the checker reports the deadlock). Only the holder may
//          release it.
//   RLock  reentrant: the holder may acquire again and must release as often as it acquired.
// Both are BasicLockable and Lockable: std::lock_guard, std::unique_lock, std::scoped_lock work.
//
// Happens-before: a release happens before every later acquire of the same lock.
#include <atomic>
#include <cstdint>
#include <source_location>
#include <string>

#include "weave/backend.hpp"
#include "weave/detail/ident.hpp"
#include "weave/detail/lockdep.hpp"
#include "weave/detail/wait_queue.hpp"
#include "weave/duration.hpp"

namespace weave {

class Condition;

namespace detail {
// The machinery shared by Lock and RLock: a three-state word (0 free, 1 held, 2 held with
// waiters) with a lock-free fast path and the wait-queue core behind it.
class LockBase {
 public:
  LockBase(ObjectKind kind, std::string name, std::source_location loc);
  ~LockBase();
  LockBase(const LockBase&) = delete;
  LockBase& operator=(const LockBase&) = delete;

  void acquire(const std::source_location& loc) {
    if (!fast_acquire()) take(kNever, false, loc);
  }
  bool try_acquire(const std::source_location& loc);
  bool acquire_for(Duration timeout, const std::source_location& loc);
  void release(const std::source_location& loc) {
    if (!fast_release()) release_slow(loc);
  }
  bool locked() const noexcept { return state_.load(std::memory_order_relaxed) != 0; }
  bool held_by_me() const;
  const Object& object() const noexcept { return object_; }

  // For Condition: release completely, remembering the recursion count; and take it back.
  std::uint32_t release_save(const std::source_location& loc);
  void acquire_restore(std::uint32_t count, const std::source_location& loc);

 private:
  bool reentrant() const noexcept { return object_.kind() == ObjectKind::RLock; }
  bool lock_word(Instant deadline, bool try_only, const std::source_location& loc);
  bool lock_slow(Instant deadline, const std::source_location& loc);
  // Frees the lock word; wakes one waiter if some may be queued.
  void unlock_word() {
    if (state_.exchange(0, std::memory_order_release) == 2) wake_one();
  }
  void wake_one();
  bool take(Instant deadline, bool try_only, const std::source_location& loc);
  void release_slow(const std::source_location& loc);
  // The common case inline, on an OS thread with lock-order checking off: a free lock is taken,
  // a lock held once by the caller is let go. False: take the full path (also for a lock of a
  // checked execution, which the full path refuses to an OS thread).
  bool fast_acquire() noexcept {
    if (backend() != nullptr || lockdep_maybe_on() || tls_ident == 0 || object_.checked()) {
      return false;
    }
    std::uint32_t expected = 0;
    if (!state_.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      return false;
    }
    owner_.store(tls_ident, std::memory_order_relaxed);
    count_ = 1;
    return true;
  }
  bool fast_release() {
    if (backend() != nullptr || lockdep_maybe_on() || tls_ident == 0 || object_.checked()) {
      return false;
    }
    // count_ is read only once the caller is known to own the lock.
    if (owner_.load(std::memory_order_relaxed) != tls_ident || count_ != 1) return false;
    count_ = 0;
    owner_.store(0, std::memory_order_relaxed);
    unlock_word();
    return true;
  }

  Object object_;
  std::atomic<std::uint32_t> state_{0};
  std::atomic<std::uint64_t> owner_{0};
  std::uint32_t count_ = 0;  // recursion depth, touched only by the owner
  Monitor monitor_;
  WaitQueue waiters_{&object_};
};
}  // namespace detail

class Lock {
 public:
  explicit Lock(std::string name = {}, std::source_location loc = std::source_location::current())
      : base_(detail::ObjectKind::Lock, std::move(name), loc) {}

  // Blocks until the lock is free, then takes it.
  void acquire(std::source_location loc = std::source_location::current()) { base_.acquire(loc); }
  // Takes the lock if it is free; never blocks.
  bool try_acquire(std::source_location loc = std::source_location::current()) {
    return base_.try_acquire(loc);
  }
  // Waits at most `timeout`; true when taken.
  bool acquire(Duration timeout, std::source_location loc = std::source_location::current()) {
    return base_.acquire_for(timeout, loc);
  }
  // Not held, or held by another thread: UsageError (a Misuse bug under the checker).
  void release(std::source_location loc = std::source_location::current()) { base_.release(loc); }
  // Held by some thread now (advisory: another thread may take or let it go at once).
  bool locked(std::source_location loc = std::source_location::current()) const {
    detail::query_point(&base_.object(), loc);
    return base_.locked();
  }

  void lock(std::source_location loc = std::source_location::current()) { base_.acquire(loc); }
  bool try_lock(std::source_location loc = std::source_location::current()) {
    return base_.try_acquire(loc);
  }
  void unlock(std::source_location loc = std::source_location::current()) { base_.release(loc); }

 private:
  friend class Condition;
  detail::LockBase base_;
};

class RLock {
 public:
  explicit RLock(std::string name = {}, std::source_location loc = std::source_location::current())
      : base_(detail::ObjectKind::RLock, std::move(name), loc) {}

  // Takes the lock, or takes it once more if the caller holds it.
  void acquire(std::source_location loc = std::source_location::current()) { base_.acquire(loc); }
  bool try_acquire(std::source_location loc = std::source_location::current()) {
    return base_.try_acquire(loc);
  }
  bool acquire(Duration timeout, std::source_location loc = std::source_location::current()) {
    return base_.acquire_for(timeout, loc);
  }
  // Undoes one acquire. Not held by the caller: UsageError.
  void release(std::source_location loc = std::source_location::current()) { base_.release(loc); }
  // Held by some thread now (advisory: another thread may take or let it go at once).
  bool locked(std::source_location loc = std::source_location::current()) const {
    detail::query_point(&base_.object(), loc);
    return base_.locked();
  }

  void lock(std::source_location loc = std::source_location::current()) { base_.acquire(loc); }
  bool try_lock(std::source_location loc = std::source_location::current()) {
    return base_.try_acquire(loc);
  }
  void unlock(std::source_location loc = std::source_location::current()) { base_.release(loc); }

 private:
  friend class Condition;
  detail::LockBase base_;
};

}  // namespace weave

// std::lock_guard / std::unique_lock / std::scoped_lock of a Lock or RLock report the user's line.
#include "weave/detail/std_locks.hpp"  // IWYU pragma: export
