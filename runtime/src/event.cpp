#include "weave/event.hpp"

namespace weave {

void Event::set(std::source_location loc) {
  detail::Backend* b = detail::begin_op(detail::Op::Set, &object_, loc);
  detail::Guard g(monitor_);
  flag_ = true;
  ++sets_;
  if (b != nullptr) b->released(object_);
  waiters_.notify_all();
}

void Event::clear(std::source_location loc) {
  detail::begin_op(detail::Op::Clear, &object_, loc);
  detail::Guard g(monitor_);
  flag_ = false;
}

bool Event::is_set(std::source_location loc) const {
  detail::query_point(&object_, loc);
  bool up = false;
  {
    detail::Guard g(monitor_);
    up = flag_;
  }
  if (up) {
    if (detail::Backend* b = detail::backend()) b->acquired(object_);
  }
  return up;
}

void Event::wait(std::source_location loc) { wait_until(detail::kNever, loc); }

bool Event::wait(Duration timeout, std::source_location loc) {
  return wait_until(detail::deadline_after(timeout), loc);
}

bool Event::wait_until(detail::Instant deadline, const std::source_location& loc) {
  detail::Backend* b = detail::begin_op(detail::Op::Wait, &object_, loc);
  detail::Guard g(monitor_);
  // Counting sets, not re-reading the flag, keeps a set() followed at once by clear() from
  // being missed, and a wakeup that was not a set() from being taken for one.
  const std::uint64_t seen = sets_;
  while (!flag_ && sets_ == seen) {
    if (!waiters_.wait(g, deadline, loc)) break;
  }
  const bool signaled = flag_ || sets_ != seen;
  g.unlock();
  if (signaled && b != nullptr) b->acquired(object_);
  return signaled;
}

}  // namespace weave
