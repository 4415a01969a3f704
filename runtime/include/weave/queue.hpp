#pragma once
// weave/queue.hpp — Queue, LifoQueue and PriorityQueue: Python's `queue` module (3.13).
//
//   Queue<T>                    first in, first out
//   LifoQueue<T>                last in, first out
//   PriorityQueue<T, Compare>   smallest first by Compare (std::less<T> by default); items that
//                               compare equal come out in no particular order
// A queue is unbounded by default, or holds at most `maxsize` items (put blocks while full).
// Items are moved in and out, never copied: move-only types work. task_done() and join() track
// work as in Python: join() returns once every item put has been got and marked task_done().
// shutdown() makes put throw QueueShutDown, and get throw it once the queue is empty;
// shutdown(true) also discards the items still queued (counting them as done) so getters fail at
// once.
//
// Happens-before: a put happens before the get that returns its item; a task_done() happens
// before the join() it lets return; shutdown() happens before the QueueShutDown it causes.
#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <utility>
#include <vector>

#include "weave/backend.hpp"
#include "weave/detail/queue_core.hpp"
#include "weave/detail/wait_queue.hpp"
#include "weave/duration.hpp"

namespace weave {

namespace detail {

// Storage policies: push(T&&), pop() -> T (never called empty), and `items`.
template <class T>
struct FifoStorage {
  std::deque<T> items;
  void push(T&& item) { items.push_back(std::move(item)); }
  T pop() {
    T item = std::move(items.front());
    items.pop_front();
    return item;
  }
};

template <class T>
struct LifoStorage {
  std::deque<T> items;
  void push(T&& item) { items.push_back(std::move(item)); }
  T pop() {
    T item = std::move(items.back());
    items.pop_back();
    return item;
  }
};

template <class T, class Compare>
struct HeapStorage {
  std::vector<T> items;
  Compare compare;
  // std heaps put the largest first; swapping the arguments puts the smallest first.
  auto later() {
    return [this](const T& a, const T& b) { return compare(b, a); };
  }
  void push(T&& item) {
    items.push_back(std::move(item));
    std::push_heap(items.begin(), items.end(), later());
  }
  T pop() {
    std::pop_heap(items.begin(), items.end(), later());
    T item = std::move(items.back());
    items.pop_back();
    return item;
  }
};

// The public queues are this template over a storage policy; all logic is in QueueCore.
template <class T, class Storage>
class BasicQueue {
 public:
  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;

  // Puts `item`, blocking while the queue is full. Shut down: QueueShutDown.
  void put(T item, std::source_location loc = std::source_location::current()) {
    put_until(item, kNever, true, loc);
  }
  // Waits at most `timeout` for room; false (the item is dropped) when still full.
  bool put(T item, Duration timeout, std::source_location loc = std::source_location::current()) {
    return put_until(item, deadline_after(timeout), true, loc);
  }
  // Puts `item` only if there is room now; false (the item is dropped) when full.
  bool put_nowait(T item, std::source_location loc = std::source_location::current()) {
    return put_until(item, kNever, false, loc);
  }

  // Removes and returns the next item, blocking while the queue is empty. Shut down and empty:
  // QueueShutDown.
  T get(std::source_location loc = std::source_location::current()) {
    return *get_until(kNever, true, loc);
  }
  // Waits at most `timeout` for an item; nullopt when still empty.
  std::optional<T> get(Duration timeout,
                       std::source_location loc = std::source_location::current()) {
    return get_until(deadline_after(timeout), true, loc);
  }
  // The next item if there is one now; nullopt otherwise.
  std::optional<T> get_nowait(std::source_location loc = std::source_location::current()) {
    return get_until(kNever, false, loc);
  }

  // Marks one item got earlier as processed. More calls than items got: UsageError.
  void task_done(std::source_location loc = std::source_location::current()) {
    core_.task_done(loc);
  }
  // Blocks until every item put has been got and marked task_done().
  void join(std::source_location loc = std::source_location::current()) { core_.join(loc); }

  // Items queued now (advisory: other threads may change it at once).
  std::size_t qsize(std::source_location loc = std::source_location::current()) const {
    return core_.qsize(loc);
  }
  bool empty(std::source_location loc = std::source_location::current()) const {
    return core_.empty(loc);
  }
  // Bounded and holding maxsize() items.
  bool full(std::source_location loc = std::source_location::current()) const {
    return core_.full(loc);
  }
  // The bound; 0 means unbounded.
  std::size_t maxsize() const noexcept { return core_.maxsize(); }

  // Shuts the queue down and wakes every blocked put and get. With `immediate`, discards the
  // items still queued and counts them as done.
  void shutdown(bool immediate = false,
                std::source_location loc = std::source_location::current()) {
    core_.point(Op::Shutdown, loc);
    decltype(storage_.items) discarded;
    Guard g(core_.monitor());
    if (core_.shut_down(g, immediate)) std::swap(discarded, storage_.items);
    g.unlock();  // the discarded items are destroyed outside the monitor
  }
  bool is_shut_down() const { return core_.is_shut_down(); }

  const Object& object() const noexcept { return core_.object(); }

 protected:
  BasicQueue(std::size_t maxsize, std::string name, std::source_location loc, Storage storage = {})
      : core_(maxsize, std::move(name), loc), storage_(std::move(storage)) {}
  ~BasicQueue() { on_destroy(core_.object()); }  // before the items go

 private:
  bool put_until(T& item, Instant deadline, bool block, const std::source_location& loc) {
    core_.point(Op::Put, loc);
    Guard g(core_.monitor());
    if (!core_.wait_room(g, deadline, block, loc)) return false;
    storage_.push(std::move(item));
    core_.added(g);
    return true;
  }
  std::optional<T> get_until(Instant deadline, bool block, const std::source_location& loc) {
    core_.point(Op::Get, loc);
    Guard g(core_.monitor());
    if (!core_.wait_item(g, deadline, block, loc)) return std::nullopt;
    std::optional<T> item(storage_.pop());
    core_.removed(g);
    return item;
  }

  QueueCore core_;
  Storage storage_;
};

}  // namespace detail

// First in, first out.
template <class T>
class Queue : public detail::BasicQueue<T, detail::FifoStorage<T>> {
 public:
  // maxsize 0: unbounded.
  explicit Queue(std::size_t maxsize = 0, std::string name = {},
                 std::source_location loc = std::source_location::current())
      : detail::BasicQueue<T, detail::FifoStorage<T>>(maxsize, std::move(name), loc) {}
};

// Last in, first out.
template <class T>
class LifoQueue : public detail::BasicQueue<T, detail::LifoStorage<T>> {
 public:
  // maxsize 0: unbounded.
  explicit LifoQueue(std::size_t maxsize = 0, std::string name = {},
                     std::source_location loc = std::source_location::current())
      : detail::BasicQueue<T, detail::LifoStorage<T>>(maxsize, std::move(name), loc) {}
};

// Smallest first: get() returns an item x such that no queued y has compare(y, x).
template <class T, class Compare = std::less<T>>
class PriorityQueue : public detail::BasicQueue<T, detail::HeapStorage<T, Compare>> {
  using Base = detail::BasicQueue<T, detail::HeapStorage<T, Compare>>;

 public:
  // maxsize 0: unbounded.
  explicit PriorityQueue(std::size_t maxsize = 0, std::string name = {},
                         std::source_location loc = std::source_location::current())
      : Base(maxsize, std::move(name), loc) {}
  // With a comparator object (for comparators that carry state).
  PriorityQueue(std::size_t maxsize, Compare compare, std::string name = {},
                std::source_location loc = std::source_location::current())
      : Base(maxsize, std::move(name), loc,
             detail::HeapStorage<T, Compare>{{}, std::move(compare)}) {}
};

}  // namespace weave
