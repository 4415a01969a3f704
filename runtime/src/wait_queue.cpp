#include "weave/detail/wait_queue.hpp"

#include <chrono>
#include <condition_variable>

#include "weave/thread.hpp"

namespace weave::detail {

void WaitQueue::push_back(Waiter* w) noexcept {
  w->next = nullptr;
  w->prev = tail_;
  if (tail_ != nullptr) {
    tail_->next = w;
  } else {
    head_ = w;
  }
  tail_ = w;
  ++size_;
}

void WaitQueue::unlink(Waiter* w) noexcept {
  if (w->prev != nullptr) {
    w->prev->next = w->next;
  } else {
    head_ = w->next;
  }
  if (w->next != nullptr) {
    w->next->prev = w->prev;
  } else {
    tail_ = w->prev;
  }
  w->next = w->prev = nullptr;
  --size_;
}

Waiter* WaitQueue::pop_front() noexcept {
  Waiter* w = head_;
  if (w != nullptr) unlink(w);
  return w;
}

bool WaitQueue::wait(Guard& g, Instant deadline, const std::source_location& loc,
                     std::uintptr_t tag) {
  Waiter w;
  w.object = object_;
  w.tag = tag;
  push_back(&w);
  if (Backend* b = backend()) {
    // The backend may unwind this thread out of block() (a checked execution being torn down):
    // never leave a dead waiter linked in the queue.
    struct Unlink {
      WaitQueue& q;
      Waiter& w;
      ~Unlink() {
        if (!w.signaled) q.unlink(&w);
      }
    } unlink_on_exit{*this, w};
    return b->block(w, deadline, loc) || w.signaled;
  }
  // OS threads: each waiter sleeps on its own condition variable, under the monitor's mutex, so
  // a notify can never be lost between queueing and sleeping.
  std::condition_variable cv;
  w.park = &cv;
  set_current_state(ThreadState::Blocked);
  const auto until = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline));
  while (!w.signaled) {
    if (deadline == kNever) {
      cv.wait(g.lock_);
    } else if (cv.wait_until(g.lock_, until) == std::cv_status::timeout && !w.signaled) {
      unlink(&w);
      set_current_state(ThreadState::Running);
      return false;
    }
  }
  set_current_state(ThreadState::Running);
  return true;
}

bool WaitQueue::notify_one() {
  Waiter* w = pop_front();
  if (w == nullptr) return false;
  w->signaled = true;
  if (Backend* b = backend()) {
    b->wake(*w);
  } else {
    // Notified under the monitor: the waiter cannot leave (and free its stack) before we are done.
    static_cast<std::condition_variable*>(w->park)->notify_one();
  }
  return true;
}

std::size_t WaitQueue::notify(std::size_t n) {
  std::size_t woken = 0;
  while (woken < n && notify_one()) ++woken;
  return woken;
}

}  // namespace weave::detail
