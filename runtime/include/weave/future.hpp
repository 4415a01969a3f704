#pragma once
// weave/future.hpp — Future<T> and the functions that wait for many futures (Python's
// concurrent.futures).
//
//   Future<T>       a copyable handle on the result of an asynchronous call (T may be void):
//                   result(), exception(), done(), running(), cancelled(), cancel(),
//                   add_done_callback(). ThreadPoolExecutor::submit makes them; a default-made
//                   one is pending until set_result()/set_exception() (for tests and executors).
//   ReturnWhen      when wait() returns: FirstCompleted, FirstException or AllCompleted.
//   wait()          blocks until the condition or the timeout; returns {done, not_done}.
//   as_completed()  a range yielding each future as it finishes, those already done first.
// Duplicate futures given to wait() and as_completed() count once, as Python's sets do.
//
// Happens-before: everything the task did (and set_result/set_exception/cancel) happens before
// result(), exception(), a true done(), wait() and as_completed() returning that future, and
// before the done callbacks run.
#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>
#include <vector>

#include "weave/detail/future_core.hpp"
#include "weave/duration.hpp"

namespace weave {

enum class ReturnWhen { FirstCompleted, FirstException, AllCompleted };

template <class T>
class Future;

namespace detail {
struct NoValue {};
// A FutureCore with the storage for a T.
template <class T>
struct FutureState final : FutureCore {
  using FutureCore::FutureCore;
  std::conditional_t<std::is_void_v<T>, NoValue, std::optional<T>> value;

  static void store(FutureCore& core, void* v) {
    if constexpr (!std::is_void_v<T>) {
      static_cast<FutureState&>(core).value.emplace(std::move(*static_cast<T*>(v)));
    }
  }
};
// Lets the executor and the waiting functions reach a Future's state.
struct FutureAccess {
  template <class T>
  static Future<T> make(std::shared_ptr<FutureState<T>> state) {
    return Future<T>(std::move(state));
  }
  template <class T>
  static const std::shared_ptr<FutureState<T>>& state(const Future<T>& f) noexcept {
    return f.state_;
  }
};
// The distinct cores of `fs`, in first-seen order, with the index of the first future for each.
template <class T>
std::vector<FutureCore*> distinct_cores(const std::vector<Future<T>>& fs,
                                        std::vector<std::size_t>& first) {
  std::vector<FutureCore*> cores;
  for (std::size_t i = 0; i < fs.size(); ++i) {
    FutureCore* c = FutureAccess::state(fs[i]).get();
    bool seen = false;
    for (FutureCore* d : cores) seen = seen || d == c;
    if (!seen) {
      cores.push_back(c);
      first.push_back(i);
    }
  }
  return cores;
}
}  // namespace detail

template <class T>
class Future {
 public:
  using value_type = T;

  // A pending future of its own, not tied to an executor: complete it with set_result() or
  // set_exception().
  explicit Future(std::source_location loc = std::source_location::current())
      : state_(std::make_shared<detail::FutureState<T>>(loc)) {}

  // Waits until done; returns the value (a copy), rethrows the task's exception, or throws
  // CancelledError when it was cancelled.
  T result(std::source_location loc = std::source_location::current()) const {
    return result(Duration::max(), loc);
  }
  // As result(), throwing TimeoutError when not done within `timeout`.
  T result(Duration timeout, std::source_location loc = std::source_location::current()) const {
    state_->result(timeout, loc);
    if constexpr (std::is_void_v<T>) {
      return;
    } else {
      return *state_->value;
    }
  }
  // Waits until done; the task's exception, or null. CancelledError when it was cancelled.
  std::exception_ptr exception(std::source_location loc = std::source_location::current()) const {
    return state_->exception(Duration::max(), loc);
  }
  // As exception(), throwing TimeoutError when not done within `timeout`.
  std::exception_ptr exception(Duration timeout,
                               std::source_location loc = std::source_location::current()) const {
    return state_->exception(timeout, loc);
  }
  // Finished or cancelled.
  bool done(std::source_location loc = std::source_location::current()) const {
    return state_->done(loc);
  }
  // Its task is running now.
  bool running(std::source_location loc = std::source_location::current()) const {
    return state_->running(loc);
  }
  bool cancelled(std::source_location loc = std::source_location::current()) const {
    return state_->cancelled(loc);
  }
  // Cancels it if still pending; true when it is (now or already) cancelled, false once it
  // runs or has finished.
  bool cancel(std::source_location loc = std::source_location::current()) {
    return state_->cancel(loc);
  }
  // Calls fn(*this) when done: at once in the caller if it is done already, else in the thread
  // that completes it. An exception from fn is printed to stderr and ignored.
  void add_done_callback(std::function<void(Future)> fn,
                         std::source_location loc = std::source_location::current()) const {
    state_->add_done_callback(
        [fn = std::move(fn)](detail::FutureCore& core) {
          fn(Future(std::static_pointer_cast<detail::FutureState<T>>(core.shared_from_this())));
        },
        loc);
  }

  // For executors and tests, as Python's: marks a pending future running (true), or returns
  // false when it was cancelled. Running or done already: UsageError.
  bool set_running_or_notify_cancel(std::source_location loc = std::source_location::current()) {
    return state_->set_running_or_notify_cancel(loc);
  }
  // Completes it with `value`. Done already: UsageError.
  template <class U = T>
  requires(!std::is_void_v<U> && std::is_same_v<U, T>) void set_result(
      std::type_identity_t<U> value, std::source_location loc = std::source_location::current()) {
    state_->finish(&detail::FutureState<T>::store, &value, nullptr, loc);
  }
  void set_result(
      std::source_location loc = std::source_location::current()) requires std::is_void_v<T> {
    state_->finish(&detail::FutureState<T>::store, nullptr, nullptr, loc);
  }
  // Completes it with an exception (not null). Done already: UsageError.
  void set_exception(std::exception_ptr e,
                     std::source_location loc = std::source_location::current()) {
    state_->finish(nullptr, nullptr, std::move(e), loc);
  }

  // Handles on the same state are equal.
  friend bool operator==(const Future& a, const Future& b) noexcept { return a.state_ == b.state_; }

 private:
  friend struct detail::FutureAccess;
  explicit Future(std::shared_ptr<detail::FutureState<T>> state) : state_(std::move(state)) {}

  std::shared_ptr<detail::FutureState<T>> state_;
};

template <class T>
struct DoneAndNotDone {
  std::vector<Future<T>> done, not_done;
};

// Waits until `return_when` holds for `fs` or `timeout` passes: FirstCompleted (one is done),
// FirstException (one finished with an exception, or all are done), AllCompleted. Returns the
// distinct futures split into done and not done, each in input order.
template <class T>
DoneAndNotDone<T> wait(const std::vector<Future<T>>& fs, Duration timeout = Duration::max(),
                       ReturnWhen return_when = ReturnWhen::AllCompleted,
                       std::source_location loc = std::source_location::current()) {
  std::vector<std::size_t> first;
  detail::FutureWaiter waiter(detail::distinct_cores(fs, first), loc);
  const std::vector<bool> done = waiter.wait(return_when, detail::deadline_after(timeout), loc);
  DoneAndNotDone<T> out;
  for (std::size_t i = 0; i < first.size(); ++i) {
    (done[i] ? out.done : out.not_done).push_back(fs[first[i]]);
  }
  return out;
}
// wait() with no timeout.
template <class T>
DoneAndNotDone<T> wait(const std::vector<Future<T>>& fs, ReturnWhen return_when,
                       std::source_location loc = std::source_location::current()) {
  return wait(fs, Duration::max(), return_when, loc);
}

// The range as_completed() returns: a single-pass input range of Future<T>.
template <class T>
class AsCompleted {
 public:
  class iterator {
   public:
    using value_type = Future<T>;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::input_iterator_tag;
    iterator() = default;
    const Future<T>& operator*() const { return *range_->current_; }
    const Future<T>* operator->() const { return &*range_->current_; }
    // Waits for the next future; TimeoutError when the timeout passes first.
    iterator& operator++() {
      range_->advance();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return it.at_end();
    }

   private:
    friend class AsCompleted;
    bool at_end() const noexcept { return range_ == nullptr || !range_->current_.has_value(); }
    explicit iterator(AsCompleted* range) : range_(range) {}
    AsCompleted* range_ = nullptr;
  };

  AsCompleted(std::vector<Future<T>> fs, Duration timeout, std::source_location loc)
      : futures_(std::move(fs)), timeout_(timeout), loc_(loc) {}

  // Starts listening (the timeout runs from here) and waits for the first future.
  iterator begin() {
    if (!waiter_) {
      std::vector<std::size_t> first;
      std::vector<detail::FutureCore*> cores = detail::distinct_cores(futures_, first);
      std::vector<Future<T>> distinct;
      for (std::size_t i : first) distinct.push_back(futures_[i]);
      futures_ = std::move(distinct);
      deadline_ = detail::deadline_after(timeout_);
      waiter_ = std::make_unique<detail::FutureWaiter>(std::move(cores), loc_);
      advance();
    }
    return iterator(this);
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  void advance() {
    current_.reset();
    const std::size_t i = waiter_->next(deadline_, loc_);
    if (i != detail::FutureWaiter::npos) current_.emplace(futures_[i]);
  }

  std::vector<Future<T>> futures_;
  Duration timeout_;
  std::source_location loc_;
  detail::Instant deadline_ = detail::kNever;
  std::unique_ptr<detail::FutureWaiter> waiter_;
  std::optional<Future<T>> current_;
};

// Yields each distinct future of `fs` as it finishes (those already done first, in input order).
// Advancing throws TimeoutError when `timeout` (counted from the start of the iteration) passes
// before all are done.
template <class T>
AsCompleted<T> as_completed(std::vector<Future<T>> fs, Duration timeout = Duration::max(),
                            std::source_location loc = std::source_location::current()) {
  return AsCompleted<T>(std::move(fs), timeout, loc);
}

}  // namespace weave
