#include "weave/lock.hpp"

#include <string>

#include "weave/detail/lockdep.hpp"
#include "weave/errors.hpp"
#include "weave/thread.hpp"

namespace weave::detail {

namespace {
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
constexpr int kSpins = 64;
}  // namespace

LockBase::LockBase(ObjectKind kind, std::string name, std::source_location loc)
    : object_(kind, std::move(name), loc) {
  object_.set_holder_source(&owner_);
}

LockBase::~LockBase() {
  on_destroy(object_);
  if (lockdep_maybe_on() && backend() == nullptr) lockdep_destroyed(object_);
}

bool LockBase::held_by_me() const {
  return owner_.load(std::memory_order_relaxed) == current_ident();
}

bool LockBase::try_acquire(const std::source_location& loc) { return take(kNever, true, loc); }

bool LockBase::acquire_for(Duration timeout, const std::source_location& loc) {
  return take(deadline_after(timeout), false, loc);
}

bool LockBase::take(Instant deadline, bool try_only, const std::source_location& loc) {
  Backend* b = begin_op(try_only ? Op::TryAcquire : Op::Acquire, &object_, loc);
  const std::uint64_t me = current_ident();
  if (reentrant() && owner_.load(std::memory_order_relaxed) == me) {
    ++count_;
    return true;
  }
  if (!lock_word(deadline, try_only, loc)) return false;
  owner_.store(me, std::memory_order_relaxed);
  count_ = 1;
  if (b != nullptr) b->acquired(object_);
  if (lockdep_maybe_on() && b == nullptr) lockdep_acquired(object_, loc, try_only);
  return true;
}

bool LockBase::lock_word(Instant deadline, bool try_only, const std::source_location& loc) {
  std::uint32_t expected = 0;
  if (state_.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
    return true;
  }
  if (try_only) return false;
  return lock_slow(deadline, loc);
}

bool LockBase::lock_slow(Instant deadline, const std::source_location& loc) {
  if (backend() == nullptr) {
    // A short spin catches the common case of a lock held for a few instructions.
    for (int i = 0; i < kSpins; ++i) {
      cpu_relax();
      std::uint32_t expected = 0;
      if (state_.load(std::memory_order_relaxed) == 0 &&
          state_.compare_exchange_weak(expected, 1, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return true;
      }
    }
  }
  Guard g(monitor_);
  // 2 marks "held, maybe with waiters": the releaser then takes the monitor and wakes one.
  while (state_.exchange(2, std::memory_order_acquire) != 0) {
    if (!waiters_.wait(g, deadline, loc)) return false;
  }
  return true;
}

void LockBase::wake_one() {
  Guard g(monitor_);
  waiters_.notify_one();
}

void LockBase::release_slow(const std::source_location& loc) {
  Backend* b = begin_op(Op::Release, &object_, loc);
  const std::uint64_t me = current_ident();
  const std::uint64_t owner = owner_.load(std::memory_order_relaxed);
  // A checked execution torn down while this thread waited to take the lock back (after a
  // Condition wait) ends it without the lock: its guard's release has nothing to let go.
  if (owner != me && b != nullptr && b->unwinding()) return;
  if (owner != me) {
    if (owner == 0) {
      usage_error("release of " + std::string(kind_name(object_.kind())) + " " +
                      object_.display_name() + " which is not held",
                  loc);
    }
    usage_error("release of " + std::string(kind_name(object_.kind())) + " " +
                    object_.display_name() + " held by another thread (ident " +
                    std::to_string(owner) + ")",
                loc);
  }
  if (reentrant() && --count_ > 0) return;
  count_ = 0;
  owner_.store(0, std::memory_order_relaxed);
  if (b != nullptr) b->released(object_);
  if (lockdep_maybe_on() && b == nullptr) lockdep_released(object_);
  unlock_word();
}

std::uint32_t LockBase::release_save(const std::source_location& /*loc*/) {
  const std::uint32_t saved = count_;
  count_ = 0;
  owner_.store(0, std::memory_order_relaxed);
  Backend* b = backend();
  if (b != nullptr) b->released(object_);
  if (lockdep_maybe_on() && b == nullptr) lockdep_released(object_);
  unlock_word();
  return saved;
}

void LockBase::acquire_restore(std::uint32_t count, const std::source_location& loc) {
  lock_word(kNever, false, loc);
  owner_.store(current_ident(), std::memory_order_relaxed);
  count_ = count;
  Backend* b = backend();
  if (b != nullptr) b->acquired(object_);
  if (lockdep_maybe_on() && b == nullptr) lockdep_acquired(object_, loc, false);
}

}  // namespace weave::detail
