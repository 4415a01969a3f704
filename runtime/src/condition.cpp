#include "weave/condition.hpp"

#include <string>

#include "weave/errors.hpp"

namespace weave {

namespace {
std::string lock_name(const std::string& name) { return name.empty() ? name : name + ".lock"; }
}  // namespace

Condition::Condition(std::string name, std::source_location loc)
    : object_(detail::ObjectKind::Condition, std::move(name), loc),
      own_(std::make_unique<RLock>(lock_name(object_.name()), loc)),
      lock_(&own_->base_) {}

Condition::Condition(Lock& lock, std::string name, std::source_location loc)
    : object_(detail::ObjectKind::Condition, std::move(name), loc), lock_(&lock.base_) {}

Condition::Condition(RLock& lock, std::string name, std::source_location loc)
    : object_(detail::ObjectKind::Condition, std::move(name), loc), lock_(&lock.base_) {}

Condition::~Condition() { detail::on_destroy(object_); }

void Condition::wait(std::source_location loc) { wait_until(detail::kNever, loc); }

bool Condition::wait(Duration timeout, std::source_location loc) {
  return wait_until(detail::deadline_after(timeout), loc);
}

bool Condition::wait_until(detail::Instant deadline, const std::source_location& loc) {
  detail::Backend* b = detail::begin_op(detail::Op::Wait, &object_, loc);
  if (!lock_->held_by_me()) {
    detail::usage_error("wait on Condition " + object_.display_name() +
                            " without holding its lock " + lock_->object().display_name(),
                        loc);
  }
  detail::Guard g(monitor_);
  // Let go of the user's lock only while holding our monitor: a notifier needs the monitor too,
  // so it cannot slip in between and find us not yet queued.
  const std::uint32_t saved = lock_->release_save(loc);
  // The caller holds the lock again however the wait ends — also when a checked execution is
  // torn down while it waits, so that its lock guard's release stays correct.
  struct Reacquire {
    detail::LockBase& lock;
    std::uint32_t saved;
    const std::source_location& loc;
    // A checked execution torn down while this waits for the lock ends the thread from here
    // (ExecutionAborted, so this destructor may throw; never while an exception is in flight),
    // without the lock; the guard's release then lets go of nothing.
    ~Reacquire() noexcept(false) { lock.acquire_restore(saved, loc); }
  };
  bool notified = false;
  {
    Reacquire reacquire{*lock_, saved, loc};
    notified = waiters_.wait(g, deadline, loc);
    g.unlock();
    if (notified && b != nullptr) b->acquired(object_);
  }
  return notified;
}

void Condition::notify(std::size_t n, std::source_location loc) {
  detail::Backend* b = detail::begin_op(detail::Op::Notify, &object_, loc);
  if (!lock_->held_by_me()) {
    detail::usage_error("notify on Condition " + object_.display_name() +
                            " without holding its lock " + lock_->object().display_name(),
                        loc);
  }
  detail::Guard g(monitor_);
  if (b != nullptr) b->released(object_);
  const std::size_t woken = waiters_.notify(n);
  if (b != nullptr) b->notified(object_, woken);
}

void Condition::notify_all(std::source_location loc) {
  detail::Backend* b = detail::begin_op(detail::Op::NotifyAll, &object_, loc);
  if (!lock_->held_by_me()) {
    detail::usage_error("notify_all on Condition " + object_.display_name() +
                            " without holding its lock " + lock_->object().display_name(),
                        loc);
  }
  detail::Guard g(monitor_);
  if (b != nullptr) b->released(object_);
  const std::size_t woken = waiters_.notify_all();
  if (b != nullptr) b->notified(object_, woken);
}

}  // namespace weave
