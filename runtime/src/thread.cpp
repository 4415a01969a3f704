#include "weave/thread.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "weave/errors.hpp"

namespace weave {

const char* to_string(ThreadState s) noexcept {
  switch (s) {
    case ThreadState::New:
      return "New";
    case ThreadState::Runnable:
      return "Runnable";
    case ThreadState::Running:
      return "Running";
    case ThreadState::Blocked:
      return "Blocked";
    case ThreadState::Terminated:
      return "Terminated";
  }
  return "?";
}

namespace detail {

constinit thread_local std::uint64_t tls_ident = 0;

namespace {

// Process-wide bookkeeping for OS threads. Never destroyed: daemon threads may still use it while
// the process exits.
struct Registry {
  std::mutex mutex;
  std::unordered_set<std::shared_ptr<ThreadCore>> live_non_daemon;
  bool atexit_registered = false;
  ExceptHook hook;
};
Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

std::atomic<std::uint64_t> g_next_ident{1};
std::atomic<std::uint64_t> g_next_thread_number{1};
std::atomic<std::uint64_t> g_next_dummy_number{1};
std::atomic<std::size_t> g_alive{0};  // started, unfinished weave threads

constinit thread_local ThreadCore* tls_core = nullptr;
constinit thread_local bool tls_adoption_over = false;  // a foreign thread's adopted Thread is gone

std::uint64_t next_thread_number() {
  if (Backend* b = backend()) return b->next_thread_number();
  return g_next_thread_number.fetch_add(1, std::memory_order_relaxed);
}

bool is_process_main_thread() { return static_cast<pid_t>(::syscall(SYS_gettid)) == ::getpid(); }

// Python's threading._shutdown: at exit, wait for every non-daemon thread.
void join_non_daemon_threads_at_exit() {
  for (;;) {
    std::shared_ptr<ThreadCore> core;
    {
      std::lock_guard<std::mutex> lk(registry().mutex);
      if (registry().live_non_daemon.empty()) return;
      core = *registry().live_non_daemon.begin();
    }
    {
      Guard g(core->monitor);
      while (!core->finished) core->joiners.wait(g, kNever, std::source_location::current());
    }
    std::lock_guard<std::mutex> lk(registry().mutex);
    registry().live_non_daemon.erase(core);
  }
}

void default_excepthook(const ExceptHookArgs& args) {
  std::fprintf(stderr, "Exception in thread %s: %s\n", args.thread_name.c_str(), args.what.c_str());
}

void run_excepthook(ThreadCore& core, std::exception_ptr e) {
  Thread* thread = nullptr;
  {
    // The Thread object may be going away on another thread (a daemon's owner).
    Guard g(core.monitor);
    thread = core.thread;
  }
  ExceptHookArgs args{e, "unknown exception", thread, core.object.name()};
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    args.what = ex.what();
  } catch (...) {
  }
  ExceptHook hook;
  {
    std::lock_guard<std::mutex> lk(registry().mutex);
    hook = registry().hook;
  }
  try {
    if (hook) {
      hook(args);
    } else {
      default_excepthook(args);
    }
  } catch (...) {
    std::fprintf(stderr, "Exception in excepthook of thread %s\n", args.thread_name.c_str());
  }
}

}  // namespace

ThreadCore::ThreadCore(std::string name, bool daemon_, std::source_location created)
    : object(ObjectKind::Thread, std::move(name), created), daemon(daemon_) {}

void set_current_state(ThreadState s) noexcept {
  if (tls_core != nullptr) tls_core->state.store(s, std::memory_order_relaxed);
}

ThreadCore& current_core() {
  if (Backend* b = backend()) return b->current();
  if (tls_core != nullptr) return *tls_core;
  // The main thread, or a thread weave did not start: adopt it, as Python does.
  const bool main = is_process_main_thread();
  std::string name = main ? std::string("MainThread")
                          : "Dummy-" + std::to_string(g_next_dummy_number.fetch_add(1));
  auto core = std::make_shared<ThreadCore>(std::move(name), !main, std::source_location::current());
  core->ident.store(g_next_ident.fetch_add(1), std::memory_order_relaxed);
  core->state.store(ThreadState::Running, std::memory_order_relaxed);
  core->started = true;
  if (main) {
    // Lives for the rest of the process.
    auto* t = new Thread(Thread::AdoptTag{}, core);
    (void)t;
  } else {
    // Freed when the thread exits. The thread forgets its core then, so that a weave call from a
    // later thread_local destructor adopts it anew instead of touching the freed core; that late
    // Thread cannot go in `adopted` any more and is left to the process.
    struct Adopted {
      std::unique_ptr<Thread> thread;
      ~Adopted() {
        tls_core = nullptr;
        tls_ident = 0;
        tls_adoption_over = true;
      }
    };
    static thread_local Adopted adopted;
    std::unique_ptr<Thread> t(new Thread(Thread::AdoptTag{}, core));
    if (tls_adoption_over) {
      (void)t.release();
    } else {
      adopted.thread = std::move(t);
    }
  }
  tls_core = core.get();
  tls_ident = core->ident.load(std::memory_order_relaxed);
  return *core;
}

std::unique_ptr<Thread> adopt_thread(std::shared_ptr<ThreadCore> core) {
  return std::unique_ptr<Thread>(new Thread(Thread::AdoptTag{}, std::move(core)));
}

std::uint64_t current_ident_slow() {
  if (Backend* b = backend()) return b->current().ident.load(std::memory_order_relaxed);
  if (tls_ident != 0) return tls_ident;
  return current_core().ident.load(std::memory_order_relaxed);
}

void thread_main(std::shared_ptr<ThreadCore> core) {
  Backend* b = backend();
  if (b == nullptr) {
    tls_core = core.get();
    tls_ident = core->ident.load(std::memory_order_relaxed);
  } else {
    b->acquired(core->object);
  }
  core->state.store(ThreadState::Running, std::memory_order_relaxed);
  try {
    Thread* self = nullptr;
    {
      Guard g(core->monitor);
      self = core->thread;
    }
    if (self != nullptr) {
      self->run();
    } else if (core->target) {
      core->target();
    }
    // A thread's exit is shown at the line that started it: the end of a thread has no line of
    // its own in the user's code.
    if (b != nullptr) b->point(Op::Exit, &core->object, core->object.created());
  } catch (const ExecutionAborted&) {
    // The checked execution is being torn down; just end.
  } catch (...) {
    if (b != nullptr) {
      b->uncaught(*core, std::current_exception());
    } else {
      run_excepthook(*core, std::current_exception());
    }
  }
  // As Python deletes a thread's target and arguments after run(): what they own is released
  // here, on this thread, before a joiner returns.
  core->target = nullptr;
  if (b != nullptr && !b->unwinding()) b->released(core->object);
  // Counted out before joiners wake, so active_count() is exact once join() returns.
  if (b == nullptr) g_alive.fetch_sub(1, std::memory_order_relaxed);
  {
    Guard g(core->monitor);
    core->finished = true;
    core->state.store(ThreadState::Terminated, std::memory_order_release);
    core->joiners.notify_all();
  }
  if (b == nullptr) {
    tls_core = nullptr;
    tls_ident = 0;
    if (!core->daemon) {
      std::lock_guard<std::mutex> lk(registry().mutex);
      registry().live_non_daemon.erase(core);
    }
  }
}

}  // namespace detail

Thread::Thread() : Thread(ThreadOptions{}) {}

Thread::Thread(ThreadOptions options) {
  std::string name = std::move(options.name);
  if (name.empty()) name = "Thread-" + std::to_string(detail::next_thread_number());
  core_ = std::make_shared<detail::ThreadCore>(std::move(name), options.daemon,
                                               std::source_location::current());
  core_->thread = this;
}

Thread::Thread(AdoptTag, std::shared_ptr<detail::ThreadCore> core) : core_(std::move(core)) {
  core_->thread = this;
  joined_ = true;  // never joined by its destructor
}

Thread::~Thread() {
  detail::Backend* b = detail::backend();
  bool started = false;
  {
    detail::Guard g(core_->monitor);
    started = core_->started;
  }
  if (started && !joined_ && !core_->daemon && !(b != nullptr && b->unwinding()) &&
      !outlived_execution()) {
    try {
      join();
    } catch (...) {
      // A destructor must not throw; the thread is left to finish on its own.
    }
  }
  // Joined by now unless a daemon: a thread still waiting to join it would wake on a dead object.
  detail::on_destroy(core_->object);
  detail::Guard g(core_->monitor);
  core_->thread = nullptr;
}

void Thread::set_target(std::function<void()> target) { core_->target = std::move(target); }

void Thread::run() {
  if (core_->target) core_->target();
}

void Thread::start(std::source_location loc) {
  detail::Backend* b = detail::begin_op(detail::Op::Start, &core_->object, loc);
  {
    detail::Guard g(core_->monitor);
    if (core_->started) {
      detail::usage_error("thread " + core_->object.name() + " started twice", loc);
    }
    core_->started = true;
  }
  core_->object.set_created(loc);
  core_->state.store(ThreadState::Runnable, std::memory_order_relaxed);
  if (b != nullptr) {
    b->released(core_->object);
    b->spawn(*core_);
    return;
  }
  core_->ident.store(detail::g_next_ident.fetch_add(1), std::memory_order_relaxed);
  detail::g_alive.fetch_add(1, std::memory_order_relaxed);
  if (!core_->daemon) {
    std::lock_guard<std::mutex> lk(detail::registry().mutex);
    detail::registry().live_non_daemon.insert(core_);
    if (!detail::registry().atexit_registered) {
      detail::registry().atexit_registered = true;
      std::atexit(detail::join_non_daemon_threads_at_exit);
    }
  }
  try {
    std::thread(detail::thread_main, core_).detach();
  } catch (...) {
    detail::g_alive.fetch_sub(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lk(detail::registry().mutex);
      detail::registry().live_non_daemon.erase(core_);
    }
    detail::Guard g(core_->monitor);
    core_->started = false;
    core_->state.store(ThreadState::New, std::memory_order_relaxed);
    throw;
  }
}

bool Thread::wait_finished(detail::Instant deadline, const std::source_location& loc) {
  detail::Guard g(core_->monitor);
  while (!core_->finished) {
    if (!core_->joiners.wait(g, deadline, loc)) return false;
  }
  return true;
}

void Thread::join(std::source_location loc) { join(Duration::max(), loc); }

bool Thread::join(Duration timeout, std::source_location loc) {
  detail::Backend* b = detail::begin_op(detail::Op::Join, &core_->object, loc);
  {
    detail::Guard g(core_->monitor);
    if (!core_->started) {
      detail::usage_error("cannot join thread " + core_->object.name() + " before it is started",
                          loc);
    }
  }
  if (core_.get() == &detail::current_core()) {
    detail::usage_error("thread " + core_->object.name() + " cannot join itself", loc);
  }
  if (!wait_finished(detail::deadline_after(timeout), loc)) return false;
  joined_ = true;
  if (b != nullptr) b->acquired(core_->object);
  return true;
}

bool Thread::is_alive(std::source_location loc) const {
  detail::query_point(&core_->object, loc);
  const ThreadState s = core_->state.load(std::memory_order_acquire);
  return s != ThreadState::New && s != ThreadState::Terminated;
}

const std::string& Thread::name() const { return core_->object.name(); }
void Thread::set_name(std::string name) { core_->object.set_name(std::move(name)); }
bool Thread::daemon() const { return core_->daemon; }

void Thread::set_daemon(bool daemon, std::source_location loc) {
  detail::Guard g(core_->monitor);
  if (core_->started) {
    detail::usage_error("cannot set daemon on thread " + core_->object.name() + " after start()",
                        loc);
  }
  core_->daemon = daemon;
}

std::uint64_t Thread::ident() const { return core_->ident.load(std::memory_order_relaxed); }
ThreadState Thread::state(std::source_location loc) const {
  detail::query_point(&core_->object, loc);
  if (detail::Backend* b = detail::backend()) b->looked_at_run_state(core_->object);
  return core_->state.load(std::memory_order_acquire);
}

Thread& current_thread() {
  detail::ThreadCore& core = detail::current_core();
  return *core.thread;
}

void sleep(Duration d, std::source_location loc) {
  if (detail::Backend* b = detail::backend()) {
    b->sleep(d, loc);
    return;
  }
  detail::set_current_state(ThreadState::Blocked);
  std::this_thread::sleep_for(static_cast<std::chrono::nanoseconds>(d));
  detail::set_current_state(ThreadState::Running);
}

void yield(std::source_location loc) {
  if (detail::Backend* b = detail::backend()) {
    b->point(detail::Op::Yield, nullptr, loc);
    return;
  }
  std::this_thread::yield();
}

std::size_t active_count(std::source_location loc) {
  detail::query_point(nullptr, loc);
  if (detail::Backend* b = detail::backend()) return b->active_count();
  return 1 + detail::g_alive.load(std::memory_order_relaxed);
}

ExceptHook set_excepthook(ExceptHook hook) {
  std::lock_guard<std::mutex> lk(detail::registry().mutex);
  ExceptHook old = std::move(detail::registry().hook);
  detail::registry().hook = std::move(hook);
  return old;
}

}  // namespace weave
