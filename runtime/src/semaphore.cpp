#include "weave/semaphore.hpp"

#include <limits>
#include <string>

#include "weave/errors.hpp"

namespace weave {

Semaphore::Semaphore(detail::ObjectKind kind, std::size_t value, std::string name,
                     std::source_location loc)
    : object_(kind, std::move(name), loc),
      initial_(value),
      bound_(kind == detail::ObjectKind::BoundedSemaphore
                 ? value
                 : std::numeric_limits<std::size_t>::max()),
      value_(value) {}

Semaphore::~Semaphore() { detail::on_destroy(object_); }

bool Semaphore::try_acquire(std::source_location loc) { return take(detail::kNever, true, loc); }

bool Semaphore::acquire(Duration timeout, std::source_location loc) {
  return take(detail::deadline_after(timeout), false, loc);
}

bool Semaphore::take(detail::Instant deadline, bool try_only, const std::source_location& loc) {
  detail::Backend* b =
      detail::begin_op(try_only ? detail::Op::TryAcquire : detail::Op::Acquire, &object_, loc);
  detail::Guard g(monitor_);
  if (value_ > 0) {
    --value_;
  } else if (try_only || !waiters_.wait(g, deadline, loc)) {
    return false;
  }
  // Woken means served: release() handed this waiter its permit without counting it in value_.
  g.unlock();
  if (b != nullptr) b->acquired(object_);
  return true;
}

void Semaphore::release_slow(std::size_t n, const std::source_location& loc) {
  detail::Backend* b = detail::begin_op(detail::Op::Release, &object_, loc);
  const char* kind = detail::kind_name(object_.kind());
  if (n == 0) {
    detail::usage_error(std::string("release(0) of ") + kind + " " + object_.display_name() +
                            ": n must be at least 1",
                        loc);
  }
  detail::Guard g(monitor_);
  if (object_.kind() == detail::ObjectKind::BoundedSemaphore && n > initial_ - value_) {
    g.unlock();
    detail::usage_error(std::string("release of ") + kind + " " + object_.display_name() +
                            " above its initial value " + std::to_string(initial_),
                        loc);
  }
  if (n > std::numeric_limits<std::size_t>::max() - value_) {
    g.unlock();
    detail::usage_error(
        std::string("release of ") + kind + " " + object_.display_name() + " overflows its counter",
        loc);
  }
  if (b != nullptr) b->released(object_);
  // Hand permits to the longest waiters first; only what is left over becomes free.
  while (n > 0 && waiters_.notify_one()) --n;
  value_ += n;
}

}  // namespace weave
