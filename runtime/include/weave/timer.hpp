#pragma once
// weave/timer.hpp — Timer, a thread that calls a function after a delay (Python's
// threading.Timer).
//
// A Timer is a Thread: start() it, and after `interval` it calls the function, unless cancel()
// came first (before start() or while it waits). Once the function has begun, cancel() does
// nothing. Destroying a Timer that still runs waits for it, as for any Thread; a daemon Timer is
// cancelled first.
//
// Happens-before: start() happens before the function runs (as for any Thread); cancel() happens
// before the timer's thread sees it.
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

#include "weave/duration.hpp"
#include "weave/event.hpp"
#include "weave/thread.hpp"

namespace weave {

class Timer : public Thread {
 public:
  // Calls fn() `interval` after start(). The thread is named `name` (default "Thread-N").
  template <class F>
  requires std::is_invocable_v<F&>
  explicit Timer(Duration interval, F fn, std::string name = {},
                 std::source_location loc = std::source_location::current())
      : Timer(interval, wrap(std::move(fn)), std::move(name), loc, Untyped{}) {}
  // Waits for a running timer (cancelling it first when it is a daemon).
  ~Timer() override;

  // Stops the timer if its function has not begun yet.
  void cancel(std::source_location loc = std::source_location::current());

 protected:
  // Waits out the interval, then calls the function unless cancelled.
  void run() override;

 private:
  struct Untyped {};
  // std::function needs a copyable callable: a move-only one is kept behind a shared_ptr.
  template <class F>
  static std::function<void()> wrap(F fn) {
    if constexpr (std::is_copy_constructible_v<F>) {
      return std::function<void()>(std::move(fn));
    } else {
      return [p = std::make_shared<F>(std::move(fn))] { (*p)(); };
    }
  }
  Timer(Duration interval, std::function<void()> fn, std::string name, std::source_location loc,
        Untyped);

  Duration interval_;
  std::function<void()> fn_;
  std::source_location loc_;
  Event finished_;  // cancelled, or done
};

}  // namespace weave
