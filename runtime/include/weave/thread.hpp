#pragma once
// weave/thread.hpp — Thread and the functions about the current thread.
//
//   Thread           a thread of control, as Python's threading.Thread: give it a target (with
//                    arguments) or subclass it and override run(); start() it, join() it.
//   current_thread() the calling thread's Thread ("MainThread" for main).
//   sleep, yield     pause; an explicit scheduling point.
//   active_count()   threads alive now, the main thread included.
//   set_excepthook   what happens to an exception escaping a thread on OS threads.
//
// Happens-before: everything before start() happens before the thread's run(); everything the
// thread did happens before join() returns.
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "weave/backend.hpp"
#include "weave/detail/ident.hpp"
#include "weave/detail/wait_queue.hpp"
#include "weave/duration.hpp"

namespace weave {

struct ThreadOptions {
  std::string name;
  bool daemon = false;
};

enum class ThreadState { New, Runnable, Running, Blocked, Terminated };
const char* to_string(ThreadState s) noexcept;

namespace detail {
// The part of a thread that outlives its Thread object while it runs.
struct ThreadCore : std::enable_shared_from_this<ThreadCore> {
  ThreadCore(std::string name, bool daemon, std::source_location created);
  Object object;
  bool daemon;
  std::atomic<ThreadState> state{ThreadState::New};
  std::atomic<std::uint64_t> ident{0};
  std::function<void()> target;
  Thread* thread = nullptr;  // the facade object; null once it is destroyed
  Monitor monitor;
  WaitQueue joiners{&object};
  bool finished = false;  // under monitor
  bool started = false;   // under monitor
  void* backend_data = nullptr;
};
// Runs a started thread to its end: the body of every OS thread and every fiber.
void thread_main(std::shared_ptr<ThreadCore> core);
// The calling thread's core (created on first use for the main and foreign threads).
ThreadCore& current_core();
// A Thread object for a thread weave did not start (the main thread of a checked execution).
std::unique_ptr<Thread> adopt_thread(std::shared_ptr<ThreadCore> core);
// Marks the calling thread Blocked or Running (OS threads).
void set_current_state(ThreadState s) noexcept;
}  // namespace detail

class Thread {
 public:
  // For subclasses that override run().
  Thread();
  explicit Thread(ThreadOptions options);
  // As std::thread: the target and the arguments are decay-copied (std::ref passes a reference)
  // and the target is called once with them as rvalues, so move-only ones work.
  template <class F, class... A>
  requires(!std::is_same_v<std::decay_t<F>, ThreadOptions> &&
           std::is_invocable_v<std::decay_t<F>, std::decay_t<A>...>) explicit Thread(F&& target,
                                                                                     A&&... args)
      : Thread(ThreadOptions{}) {
    set_target(bind(std::forward<F>(target), std::forward<A>(args)...));
  }
  template <class F, class... A>
  requires std::is_invocable_v<std::decay_t<F>, std::decay_t<A>...> Thread(ThreadOptions options,
                                                                           F&& target, A&&... args)
      : Thread(std::move(options)) {
    set_target(bind(std::forward<F>(target), std::forward<A>(args)...));
  }
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;
  // Joins a started, unjoined, non-daemon thread. A subclass that overrides run() must join in
  // its own destructor: by the time this one runs, the subclass part is gone and the thread
  // would run (or be running) on a destroyed object.
  virtual ~Thread();

  // Starts run() in a new thread. Starting twice: UsageError.
  void start(std::source_location loc = std::source_location::current());
  // Waits until the thread ends. Joining itself or an unstarted thread: UsageError.
  void join(std::source_location loc = std::source_location::current());
  // Waits at most `timeout`; true when the thread has ended.
  bool join(Duration timeout, std::source_location loc = std::source_location::current());
  // Started and not yet ended.
  bool is_alive(std::source_location loc = std::source_location::current()) const;
  const std::string& name() const;
  void set_name(std::string name);
  bool daemon() const;
  // Only before start(): UsageError after.
  void set_daemon(bool daemon, std::source_location loc = std::source_location::current());
  // A number unique among live threads; 0 before start().
  std::uint64_t ident() const;
  ThreadState state(std::source_location loc = std::source_location::current()) const;

 protected:
  // The thread's work; by default calls the target.
  virtual void run();
  // This is a thread of a checked execution that is over (the object outlived it): the thread
  // was torn down with it, and there is nothing left to join or cancel.
  bool outlived_execution() const noexcept {
    return detail::backend() == nullptr && core_->object.checked();
  }

 private:
  friend void detail::thread_main(std::shared_ptr<detail::ThreadCore>);
  friend detail::ThreadCore& detail::current_core();
  friend std::unique_ptr<Thread> detail::adopt_thread(std::shared_ptr<detail::ThreadCore>);
  struct AdoptTag {};
  Thread(AdoptTag, std::shared_ptr<detail::ThreadCore> core);  // main and foreign threads

  // std::function needs a copyable callable: a move-only target or argument is kept behind a
  // shared_ptr, and the target is run once.
  template <class F, class... A>
  static std::function<void()> bind(F&& f, A&&... args) {
    auto bound = std::make_shared<std::tuple<std::decay_t<F>, std::decay_t<A>...>>(
        std::forward<F>(f), std::forward<A>(args)...);
    return [bound] {
      std::apply([](auto&&... xs) { std::invoke(std::forward<decltype(xs)>(xs)...); },
                 std::move(*bound));
    };
  }
  void set_target(std::function<void()> target);
  bool wait_finished(detail::Instant deadline, const std::source_location& loc);

  std::shared_ptr<detail::ThreadCore> core_;
  std::atomic<bool> joined_{false};  // several threads may join at once
};

// The calling thread's Thread; "MainThread" for the program's main thread.
Thread& current_thread();
// Pauses the calling thread (virtual time in a checked execution).
void sleep(Duration d, std::source_location loc = std::source_location::current());
// An explicit scheduling point; on OS threads std::this_thread::yield().
void yield(std::source_location loc = std::source_location::current());
// Threads alive now, including the main thread.
std::size_t active_count(std::source_location loc = std::source_location::current());

struct ExceptHookArgs {
  std::exception_ptr exception;
  std::string what;  // what() of a std::exception, else "unknown exception"
  Thread* thread;    // may be null when the Thread object is gone
  std::string thread_name;
};
using ExceptHook = std::function<void(const ExceptHookArgs&)>;
// Sets what runs when an exception escapes a thread on OS threads; returns the previous hook.
// The default prints "Exception in thread NAME: WHAT" to stderr. An empty hook restores it.
ExceptHook set_excepthook(ExceptHook hook);

}  // namespace weave
