#pragma once
// weave/detail/queue_core.hpp — the non-template heart of Queue, LifoQueue and PriorityQueue.
//
// QueueCore keeps everything about a queue except its items: how many there are, the bound, the
// unfinished-task count, the shutdown flags, the monitor and the three wait queues (not_empty,
// not_full, all_tasks_done). The templates in weave/queue.hpp own the storage and follow one
// pattern for every operation:
//     core_.point(Op::Put, loc);
//     Guard g(core_.monitor());
//     if (!core_.wait_room(g, deadline, block, loc)) return false;   // may throw QueueShutDown
//     storage.push(std::move(item));
//     core_.added(g);                                                // counts, then notifies
// The waiting and the misuse errors are compiled once; the common paths (room or an item at once,
// nobody to wake) and the accounting are inline.
#include <cstddef>
#include <source_location>
#include <string>

#include "weave/backend.hpp"
#include "weave/detail/wait_queue.hpp"

namespace weave::detail {

class QueueCore {
 public:
  QueueCore(std::size_t maxsize, std::string name, std::source_location loc);
  QueueCore(const QueueCore&) = delete;
  QueueCore& operator=(const QueueCore&) = delete;

  // The scheduling point of an operation; call before taking the monitor.
  void point(Op op, const std::source_location& loc) const { begin_op(op, &object_, loc); }
  Monitor& monitor() const noexcept { return monitor_; }

  // Inline, so that on OS threads the monitor is held for the bookkeeping and no calls: a
  // contended hand-off pays for every instruction under it.

  // Under the guard: waits until an item may be put. False when still full at the deadline (at
  // once when !block). Throws QueueShutDown once the queue is shut down, also while waiting.
  bool wait_room(Guard& g, Instant deadline, bool block, const std::source_location& loc) {
    return (!shutdown_ && !full_locked()) || wait_room_slow(g, deadline, block, loc);
  }
  // Under the guard, after the storage took the item: counts it, publishes, wakes a getter.
  void added(Guard& /*g*/) {
    ++count_;
    if (Backend* b = backend()) b->released(object_);
    not_empty_.notify_one();
  }
  // Under the guard: waits until there is an item. False when still empty at the deadline (at
  // once when !block). Throws QueueShutDown when the queue is shut down and empty.
  bool wait_item(Guard& g, Instant deadline, bool block, const std::source_location& loc) {
    return count_ > 0 || wait_item_slow(g, deadline, block, loc);
  }
  // Under the guard, after the storage gave up an item: counts it, wakes a putter.
  void removed(Guard& /*g*/) {
    --count_;
    ++pending_;
    if (Backend* b = backend()) b->acquired(object_);
    not_full_.notify_one();
  }
  // Under the guard: marks the queue shut down and wakes every waiter. With `immediate`, the
  // items still queued count as done, and the caller must discard them: returns true then.
  bool shut_down(Guard& g, bool immediate);

  void task_done(const std::source_location& loc);
  void join(const std::source_location& loc);

  std::size_t qsize(const std::source_location& loc) const;
  bool empty(const std::source_location& loc) const;
  bool full(const std::source_location& loc) const;
  std::size_t maxsize() const noexcept { return maxsize_; }
  bool is_shut_down() const;
  const Object& object() const noexcept { return object_; }

 private:
  bool full_locked() const noexcept { return maxsize_ > 0 && count_ >= maxsize_; }
  bool wait_room_slow(Guard& g, Instant deadline, bool block, const std::source_location& loc);
  bool wait_item_slow(Guard& g, Instant deadline, bool block, const std::source_location& loc);
  [[noreturn]] void throw_shut_down(const char* what, const std::source_location& loc);

  Object object_;
  const std::size_t maxsize_;
  std::size_t count_ = 0;    // items in the storage
  std::size_t pending_ = 0;  // items got and not yet task_done()
  bool shutdown_ = false;
  mutable Monitor monitor_;
  WaitQueue not_empty_{&object_};
  WaitQueue not_full_{&object_};
  WaitQueue all_tasks_done_{&object_};
};

}  // namespace weave::detail
