#pragma once
// weave/semaphore.hpp — Semaphore and BoundedSemaphore (Python's threading.Semaphore and
// threading.BoundedSemaphore).
//
//   Semaphore         a counter of permits: acquire() takes one, blocking while there is none;
//                     release(n) gives n back. Any thread may release, and release may raise the
//                     counter above its initial value.
//   BoundedSemaphore  the same, but releasing above the initial value is a UsageError (a Misuse
//                     bug under the checker): it catches releasing more often than acquiring.
// Waiters are served first come, first served: release() hands its permits straight to the
// longest waiters, so a thread arriving later cannot take them first.
//
// Happens-before: a release happens before every acquire that returns after it.
#include <cstddef>
#include <limits>
#include <source_location>
#include <string>

#include "weave/backend.hpp"
#include "weave/detail/wait_queue.hpp"
#include "weave/duration.hpp"

namespace weave {

class Semaphore {
 public:
  explicit Semaphore(std::size_t value = 1, std::string name = {},
                     std::source_location loc = std::source_location::current())
      : Semaphore(detail::ObjectKind::Semaphore, value, std::move(name), loc) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  ~Semaphore();

  // Takes a permit, blocking until one is released.
  void acquire(std::source_location loc = std::source_location::current()) {
    if (!fast_take()) take(detail::kNever, false, loc);
  }
  // Takes a permit if one is free; never blocks.
  bool try_acquire(std::source_location loc = std::source_location::current());
  // Waits at most `timeout` for a permit; true when taken.
  bool acquire(Duration timeout, std::source_location loc = std::source_location::current());
  // Gives back n permits, waking up to n waiters. n == 0 (or, for a BoundedSemaphore, going
  // above the initial value): UsageError.
  void release(std::size_t n = 1, std::source_location loc = std::source_location::current()) {
    if (n != 1 || !fast_give()) release_slow(n, loc);
  }

  const detail::Object& object() const noexcept { return object_; }

 protected:
  // For BoundedSemaphore: the kind decides whether release() is bounded.
  Semaphore(detail::ObjectKind kind, std::size_t value, std::string name, std::source_location loc);

 private:
  bool take(detail::Instant deadline, bool try_only, const std::source_location& loc);
  void release_slow(std::size_t n, const std::source_location& loc);
  // The common cases inline, on OS threads: a free permit taken; a permit given back with nobody
  // waiting and room below the bound. False: take the full path (also for a semaphore of a
  // checked execution, which the full path refuses to an OS thread).
  bool fast_take() {
    if (detail::backend() != nullptr || object_.checked()) return false;
    monitor_.os_lock();
    const bool got = value_ > 0;
    if (got) --value_;
    monitor_.os_unlock();
    return got;
  }
  bool fast_give() {
    if (detail::backend() != nullptr || object_.checked()) return false;
    monitor_.os_lock();
    const bool done = waiters_.empty() && value_ < bound_;
    if (done) ++value_;
    monitor_.os_unlock();
    return done;
  }

  detail::Object object_;
  const std::size_t initial_;
  const std::size_t bound_;  // the most permits there may be: initial_ if bounded
  std::size_t value_;        // free permits, under monitor_; never > 0 while waiters_ is non-empty
  detail::Monitor monitor_;
  detail::WaitQueue waiters_{&object_};
};

class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(std::size_t value = 1, std::string name = {},
                            std::source_location loc = std::source_location::current())
      : Semaphore(detail::ObjectKind::BoundedSemaphore, value, std::move(name), loc) {}
};

}  // namespace weave
