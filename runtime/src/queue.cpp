#include <string>

#include "weave/detail/queue_core.hpp"
#include "weave/errors.hpp"

namespace weave::detail {

QueueCore::QueueCore(std::size_t maxsize, std::string name, std::source_location loc)
    : object_(ObjectKind::Queue, std::move(name), loc), maxsize_(maxsize) {}

void QueueCore::throw_shut_down(const char* what, const std::source_location& loc) {
  // Shutdown was published by shut_down(); the thread that learns of it takes that edge.
  if (Backend* b = backend()) b->acquired(object_);
  throw QueueShutDown(std::string(what) + " Queue " + object_.display_name() +
                      " after shutdown (at " + where(loc) + ")");
}

bool QueueCore::wait_room_slow(Guard& g, Instant deadline, bool block,
                               const std::source_location& loc) {
  if (shutdown_) throw_shut_down("put to", loc);
  while (full_locked()) {
    if (!block) return false;
    const bool woken = not_full_.wait(g, deadline, loc);
    if (shutdown_) throw_shut_down("put to", loc);
    // As Python: a wait that timed out still succeeds if room appeared meanwhile.
    if (!woken && full_locked()) return false;
  }
  return true;
}

bool QueueCore::wait_item_slow(Guard& g, Instant deadline, bool block,
                               const std::source_location& loc) {
  while (count_ == 0) {
    if (shutdown_) throw_shut_down("get from", loc);
    if (!block) return false;
    const bool woken = not_empty_.wait(g, deadline, loc);
    if (!woken && count_ == 0) {
      if (shutdown_) throw_shut_down("get from", loc);
      return false;
    }
  }
  return true;
}

bool QueueCore::shut_down(Guard& /*g*/, bool immediate) {
  shutdown_ = true;
  if (Backend* b = backend()) b->released(object_);
  const bool drain = immediate && count_ > 0;
  if (immediate) {
    // The discarded items count as done, so join() need not wait for them.
    count_ = 0;
    if (pending_ == 0) all_tasks_done_.notify_all();
  }
  // Getters re-check for an empty queue, putters for the flag: every one of them wakes.
  not_empty_.notify_all();
  not_full_.notify_all();
  return drain;
}

void QueueCore::task_done(const std::source_location& loc) {
  point(Op::TaskDone, loc);
  Guard g(monitor_);
  if (pending_ == 0) {
    g.unlock();
    usage_error("task_done() on Queue " + object_.display_name() +
                    " called more times than items were got from it",
                loc);
  }
  --pending_;
  if (Backend* b = backend()) b->released(object_);
  if (pending_ == 0 && count_ == 0) all_tasks_done_.notify_all();
}

void QueueCore::join(const std::source_location& loc) {
  point(Op::Join, loc);
  Guard g(monitor_);
  while (count_ + pending_ > 0) all_tasks_done_.wait(g, kNever, loc);
  if (Backend* b = backend()) b->acquired(object_);
}

std::size_t QueueCore::qsize(const std::source_location& loc) const {
  query_point(&object_, loc);
  Guard g(monitor_);
  return count_;
}

bool QueueCore::empty(const std::source_location& loc) const {
  query_point(&object_, loc);
  Guard g(monitor_);
  return count_ == 0;
}

bool QueueCore::full(const std::source_location& loc) const {
  query_point(&object_, loc);
  Guard g(monitor_);
  return full_locked();
}

bool QueueCore::is_shut_down() const {
  Guard g(monitor_);
  return shutdown_;
}

}  // namespace weave::detail
