#pragma once
// weave/detail/future_core.hpp — the non-template heart of Future<T>, wait() and as_completed().
//
//   FutureCore    the state of one future (Pending → Running → Finished, or Cancelled), its
//                 exception, the threads waiting for it, its done callbacks and its listeners.
//                 Future<T> adds only the storage for the value.
//   FutureWaiter  a listener registered on many FutureCores at once: each core reports to it
//                 when it finishes or is cancelled, so wait() and as_completed() block on one
//                 wait queue instead of polling.
//
// Lock order: a core's monitor, then a waiter's monitor (a core reports while holding its own).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <source_location>
#include <utility>
#include <vector>

#include "weave/backend.hpp"
#include "weave/detail/wait_queue.hpp"
#include "weave/duration.hpp"

namespace weave {
enum class ReturnWhen;  // defined in weave/future.hpp
}

namespace weave::detail {

enum class FutureStatus : std::uint8_t { Pending, Running, Finished, Cancelled };

class FutureWaiter;

class FutureCore : public std::enable_shared_from_this<FutureCore> {
 public:
  // Runs in the thread that completes the future (or in add_done_callback's caller).
  using Callback = std::function<void(FutureCore&)>;
  // Moves a result into the typed storage of Future<T>; called under the monitor.
  using Store = void (*)(FutureCore& core, void* value);

  explicit FutureCore(std::source_location created);
  FutureCore(const FutureCore&) = delete;
  FutureCore& operator=(const FutureCore&) = delete;

  const Object& object() const noexcept { return object_; }

  bool done(const std::source_location& loc);
  bool running(const std::source_location& loc);
  bool cancelled(const std::source_location& loc);
  // Cancels a pending future; false once it runs or has finished.
  bool cancel(const std::source_location& loc);
  // Waits until done; rethrows the task's exception, CancelledError, TimeoutError.
  void result(Duration timeout, const std::source_location& loc);
  // Waits until done; the task's exception or null. CancelledError, TimeoutError.
  std::exception_ptr exception(Duration timeout, const std::source_location& loc);
  // Waits until done (finished or cancelled), throwing nothing; false on timeout.
  bool wait_done(Instant deadline, const std::source_location& loc);
  void add_done_callback(Callback callback, const std::source_location& loc);

  // Executor side, as Python's: Pending → Running (true), or false when it was cancelled.
  // Running or finished already: UsageError.
  bool set_running_or_notify_cancel(const std::source_location& loc);
  // Finishes with a value (store(*this, value) moves it in) or with `error`. Already finished or
  // cancelled: UsageError.
  void finish(Store store, void* value, std::exception_ptr error, const std::source_location& loc);
  // As finish(), but returns false instead of throwing when the future is already done.
  bool try_finish(Store store, void* value, std::exception_ptr error,
                  const std::source_location& loc);

 private:
  friend class FutureWaiter;
  struct Listener {
    FutureWaiter* waiter;
    std::size_t index;
  };

  bool is_done() const noexcept {
    return status_ == FutureStatus::Finished || status_ == FutureStatus::Cancelled;
  }
  bool wait_until_done(Guard& g, Instant deadline, const std::source_location& loc);
  // Under the guard: wakes the waiters and listeners; then, unlocked, runs the callbacks.
  void complete(Guard& g);
  void run_callbacks(std::vector<Callback>& callbacks);
  void run_callback(Callback& callback);
  void finish_locked(Guard& g, Store store, void* value, std::exception_ptr error);
  bool failed() const noexcept { return status_ == FutureStatus::Finished && error_ != nullptr; }
  // Under the guard: CancelledError when cancelled.
  void throw_if_cancelled(const std::source_location& loc) const;

  Object object_;
  Monitor monitor_;
  WaitQueue waiters_{&object_};
  FutureStatus status_ = FutureStatus::Pending;
  std::exception_ptr error_;
  std::vector<Callback> callbacks_;
  std::vector<Listener> listeners_;
};

// Listens to a set of distinct futures (wait(), as_completed()). Registers itself on each core
// when constructed (a scheduling point, as the start of a wait) and unregisters when destroyed;
// the cores must outlive it.
class FutureWaiter {
 public:
  FutureWaiter(std::vector<FutureCore*> cores, const std::source_location& loc);
  FutureWaiter(const FutureWaiter&) = delete;
  FutureWaiter& operator=(const FutureWaiter&) = delete;
  ~FutureWaiter();

  // Blocks until `when` holds or the deadline passes; then says which cores are done.
  std::vector<bool> wait(ReturnWhen when, Instant deadline, const std::source_location& loc);
  // The index of the next core to finish (those already finished first), or npos when every
  // core has been returned. TimeoutError when none finishes before the deadline.
  std::size_t next(Instant deadline, const std::source_location& loc);
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  friend class FutureCore;
  // Called by a core, under its monitor, when it finishes or is cancelled.
  void on_done(std::size_t index, bool failed);
  bool satisfied(ReturnWhen when) const noexcept;

  std::vector<FutureCore*> cores_;
  Monitor monitor_;
  WaitQueue queue_;
  std::vector<std::size_t> finished_;  // indices, in the order the cores finished
  std::vector<bool> done_;
  bool any_failed_ = false;
  std::size_t taken_ = 0;  // finished_ entries already returned by next()
};

// Waits for `cores` in order; when one fails (or is cancelled) cancels the rest, waits until
// they are all done and rethrows. For ThreadPoolExecutor::map.
void gather(const std::vector<FutureCore*>& cores, const std::source_location& loc);
// Cancels what is still pending among cores[from...] and waits until they are all done.
void abandon(const std::vector<FutureCore*>& cores, std::size_t from,
             const std::source_location& loc);

}  // namespace weave::detail
