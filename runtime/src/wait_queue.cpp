#include "weave/detail/wait_queue.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

#include "weave/thread.hpp"

namespace weave::detail {

// OS threads: each waiter sleeps on its own futex word. A notify sets the word under the monitor
// and wakes the sleeper after the monitor is let go (flush_wakes). The waiter may have returned
// by then — woken by its timeout, it retakes the monitor and sees it was signaled — so the wake
// may hit a word that is gone: harmless for a futex (it wakes nobody, or causes one spurious
// wakeup of a later word at that address, and every futex wait here loops on its condition).
namespace {

constexpr unsigned kMaxPendingWakes = 16;
constinit thread_local std::atomic<std::uint32_t>* tls_wakes[kMaxPendingWakes] = {};

void futex_wake(std::atomic<std::uint32_t>* word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
}

// Sleeps while *word == 0, until `deadline` (steady clock, as CLOCK_MONOTONIC). The caller learns
// how it ended from the waiter's `signaled`, under the monitor.
void futex_wait(std::atomic<std::uint32_t>& word, Instant deadline) noexcept {
  while (word.load(std::memory_order_acquire) == 0) {
    timespec ts{};
    timespec* until = nullptr;
    if (deadline != kNever) {
      ts.tv_sec = static_cast<time_t>(deadline / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(deadline % 1'000'000'000);
      until = &ts;
    }
    const long r = ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word),
                             FUTEX_WAIT_BITSET_PRIVATE, 0, until, nullptr, FUTEX_BITSET_MATCH_ANY);
    if (r == -1 && errno == ETIMEDOUT) return;
  }
}

}  // namespace

constinit thread_local unsigned tls_pending_wakes = 0;
constinit thread_local unsigned tls_guards_held = 0;

void flush_wakes() noexcept {
  const unsigned n = tls_pending_wakes;
  tls_pending_wakes = 0;
  for (unsigned i = 0; i < n; ++i) futex_wake(tls_wakes[i]);
}

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
  // OS threads: queued under the monitor, so a notify cannot slip between queueing and sleeping:
  // it sets the word, and a futex wait on a set word returns at once.
  set_current_state(ThreadState::Blocked);
  g.unlock();
  futex_wait(w.word, deadline);
  g.lock();
  set_current_state(ThreadState::Running);
  if (!w.signaled) {
    unlink(&w);  // timed out, and no notify took it meanwhile
    return false;
  }
  return true;
}

bool WaitQueue::notify_one() {
  Waiter* w = pop_front();
  if (w == nullptr) return false;
  w->signaled = true;
  if (Backend* b = backend()) {
    b->wake(*w);
    return true;
  }
  w->word.store(1, std::memory_order_release);
  if (tls_guards_held > 0 && tls_pending_wakes < kMaxPendingWakes) {
    tls_wakes[tls_pending_wakes++] = &w->word;  // woken when the monitor is let go
  } else {
    futex_wake(&w->word);
  }
  return true;
}

std::size_t WaitQueue::notify(std::size_t n) {
  std::size_t woken = 0;
  while (woken < n && notify_one()) ++woken;
  return woken;
}

}  // namespace weave::detail
