#include "weave/detail/wait_queue.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

#include "weave/thread.hpp"

namespace weave::detail {

// OS threads: each waiter sleeps on its own futex word: 0 queued, 1 signaled, 2 asleep (or about
// to be). A notify sets the word to 1 under the monitor and, only if it was 2, wakes the sleeper
// after the monitor is let go (flush_wakes). So a notify that comes between the waiter letting go
// of the monitor and going to sleep (a busy producer's next put, for a consumer that has just
// emptied the queue) costs neither side a system call: the waiter sees the 1 and does not sleep.
// The waiter may have returned by the time of the wake — woken by its timeout, it retakes the
// monitor and sees it was signaled — so the wake may hit a word that is gone: harmless for a
// futex (it wakes nobody, or causes one spurious wakeup of a later word at that address, and
// every futex wait here loops on its condition).
namespace {

constexpr unsigned kMaxPendingWakes = 16;
constinit thread_local std::atomic<std::uint32_t>* tls_wakes[kMaxPendingWakes] = {};

constexpr std::uint32_t kAsleep = 2;

void futex_wake(std::atomic<std::uint32_t>* word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
}

// Sleeps if *word == value, until woken or `deadline` (steady clock, as CLOCK_MONOTONIC). False
// when the deadline passed.
bool futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t value, Instant deadline) noexcept {
  timespec ts{};
  timespec* until = nullptr;
  if (deadline != kNever) {
    ts.tv_sec = static_cast<time_t>(deadline / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(deadline % 1'000'000'000);
    until = &ts;
  }
  const long r =
      ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_BITSET_PRIVATE,
                value, until, nullptr, FUTEX_BITSET_MATCH_ANY);
  return !(r == -1 && errno == ETIMEDOUT);
}

// Waits until a notify sets the waiter's word (see above) or the deadline passes. The caller
// learns how it ended from the waiter's `signaled`, under the monitor.
void park(std::atomic<std::uint32_t>& word, Instant deadline) noexcept {
  std::uint32_t expected = 0;
  if (!word.compare_exchange_strong(expected, kAsleep, std::memory_order_acquire)) return;
  while (word.load(std::memory_order_acquire) == kAsleep) {
    if (!futex_wait(word, kAsleep, deadline)) return;
  }
}

}  // namespace

void Monitor::lock_slow() noexcept {
  // 2: the holder must wake a sleeper when it lets go. Taking the word as 2 (not 1) is safe: at
  // worst one unneeded wake.
  while (word_.exchange(kAsleep, std::memory_order_acquire) != 0) {
    futex_wait(word_, kAsleep, kNever);
  }
}

void Monitor::wake_sleeper() noexcept { futex_wake(&word_); }

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
  // it sets the word, and park() then does not sleep.
  set_current_state(ThreadState::Blocked);
  g.unlock();
  park(w.word, deadline);
  g.lock();
  set_current_state(ThreadState::Running);
  if (!w.signaled) {
    unlink(&w);  // timed out, and no notify took it meanwhile
    return false;
  }
  return true;
}

bool WaitQueue::wake_front() {
  Waiter* w = pop_front();
  w->signaled = true;
  if (Backend* b = backend()) {
    b->wake(*w);
    return true;
  }
  // A waiter not yet asleep sees the 1 by itself.
  if (w->word.exchange(1, std::memory_order_release) != kAsleep) return true;
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
