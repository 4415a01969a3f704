#pragma once
// One checked execution: `body` as MainThread and every facade Thread as a Boost.Context fiber on
// the calling OS thread. Only one runs at a time; at every scheduling point the strategy picks
// who goes next. Implements the runtime's Backend seam.
#include <boost/context/fiber.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "detect/detector.hpp"
#include "fiber.hpp"
#include "strategy/strategy.hpp"
#include "weave/backend.hpp"
#include "weave/check.hpp"
#include "weave/thread.hpp"

namespace weave::detail {

enum class StepNote : std::uint8_t { None, Blocked, Woken, TimedOut, Failed, Spurious };

// A step as recorded while running: no allocation, no strings.
struct RawStep {
  std::uint32_t thread;
  Op op;
  ObjectKind kind;
  StepNote note;
  bool has_object;
  std::uint64_t object;  // per-kind number of the object
  const void* addr;      // for raw memory accesses
  const char* file;
  std::uint32_t line;
};

struct ObjectRecord {
  ObjectKind kind;
  std::uint64_t id;
  std::string name;
  std::source_location created;
};

// The process's OS threads now (from /proc/self/stat; 0 when it cannot be read).
std::size_t os_thread_count();

// Buffers an explorer reuses from one execution to the next, so steady-state steps allocate
// nothing.
struct ExecutionBuffers {
  // The process's threads when the search began: more of them at a deadlock hint at a std::thread
  // started by the checked body (see Execution::deadlock).
  std::size_t os_threads = os_thread_count();
  std::vector<RawStep> trace;
  std::vector<std::uint32_t> choices;
  std::vector<std::uint32_t> candidates;
  std::vector<ObjectRecord> objects;
  EventLog log;  // kept only for strategies that ask for it
};

struct Failure {
  BugKind kind;
  std::string message;
  std::string involved;
  std::uint64_t failing_step = 0;
};

class Execution final : public Backend, public ThreadNames {
 public:
  // `detectors` watch the execution (none: no bug detection beyond deadlocks, assertions,
  // exceptions, misuse and livelocks).
  Execution(const Config& config, StrategyImpl& strategy, StackPool& pool, ExecutionBuffers& buf,
            std::span<Detector* const> detectors = {});
  ~Execution() override;
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  // Runs one schedule to its end or its first bug.
  void run(const std::function<void()>& body);

  const std::optional<Failure>& failure() const noexcept { return failure_; }
  // Non-empty when a replay could not follow its schedule.
  const std::string& divergence() const noexcept { return divergence_; }
  std::uint64_t steps() const noexcept { return buf_.trace.size(); }
  std::uint64_t trace_hash() const noexcept { return hash_; }
  const std::vector<RawStep>& trace() const noexcept { return buf_.trace; }
  const std::vector<std::uint32_t>& choices() const noexcept { return buf_.choices; }
  // Public form of the trace, with names.
  std::vector<Step> steps_for_report() const;
  std::string thread_name(std::uint32_t thread) const override;
  std::string object_name(ObjectKind kind, std::uint64_t id) const;
  std::string step_object(const RawStep& s) const;
  // Every thread and object the trace touches, with where it was created.
  std::string creation_sites() const;

  // Backend
  void point(Op op, const Object* obj, const std::source_location& loc) override;
  void access(Op op, const Object* obj, const void* addr, std::size_t size,
              const std::source_location& loc) override;
  void released(const Object& sync) override;
  void acquired(const Object& sync) override;
  void notified(const Object& cond, std::size_t woken) override;
  void touched(const Object& obj, bool write) override;
  void looked_at_run_state(const Object& thread) override;
  bool block(Waiter& w, Instant deadline, const std::source_location& loc) override;
  void wake(Waiter& w) override;
  void register_object(Object& obj) override;
  void destroying(const Object& obj) override;
  void spawn(ThreadCore& core) override;
  ThreadCore& current() override;
  std::uint64_t next_thread_number() override;
  std::size_t active_count() override;
  Instant now() override { return now_; }
  void sleep(Duration d, const std::source_location& loc) override;
  [[noreturn]] void misuse(const std::string& message, const std::source_location& loc) override;
  [[noreturn]] void assertion_failed(const char* expr, const std::source_location& loc) override;
  void uncaught(ThreadCore& core, std::exception_ptr e) override;
  bool unwinding() const noexcept override { return unwinding_; }

 private:
  enum class Status : std::uint8_t { Runnable, Blocked, Finished };
  struct FThread {
    std::uint32_t index = 0;
    std::shared_ptr<ThreadCore> core;
    boost::context::fiber ctx;
    Status status = Status::Runnable;
    Waiter* waiter = nullptr;
    Instant deadline = kNever;
    bool timed_out = false;
    bool spurious = false;       // its Condition wait is to end without a notify
    bool last_spurious = false;  // its previous Condition wait did: the next one will not
    std::size_t blocked_step = 0;
    std::size_t last_step = static_cast<std::size_t>(-1);  // its latest step in the trace
    // Spin detection (note_spin): progress_ when its current run of steps that change nothing
    // began, the first step of that run, and how often it repeated that step since.
    std::uint64_t spin_since = ~0ull;
    std::uint64_t spin_print = 0;
    std::uint32_t spin_repeats = 0;
    const void* stack_bottom = nullptr;  // for AddressSanitizer's fiber-switch annotations
    std::size_t stack_size = 0;
    // Never resumed nor unwound again: its stack refers to an object being destroyed (destroying).
    bool abandoned = false;
  };
  static constexpr std::int64_t kNobody = -1;
  static constexpr std::int64_t kDiverged = -2;

  FThread& cur() { return *threads_[current_]; }
  void record(Op op, const Object* obj, const void* addr, const std::source_location& loc,
              StepNote note);
  // Whether the running thread, which just announced `s`, spins: see execution.cpp.
  void note_spin(const RawStep& s);
  // Something another thread could observe changed (a write, a wakeup, a permit or item moved).
  void progress() noexcept { ++progress_; }
  // A blocked thread goes on (woken, timed out, spuriously): its blocked step again, with `note`.
  void record_resumed(FThread& t, StepNote note);
  void check_unwinding();
  // The event log (when the strategy wants it): an event ends at every scheduling decision.
  void close_event();
  void open_event(std::uint32_t thread);
  void note_touch(const Object& obj, bool write = true);
  void note_touch_key(std::uint64_t key, bool write);
  // `t` blocks or goes on: what Thread::state() says of it changes.
  void set_run_state(FThread& t, ThreadState state);
  void schedule(bool may_throw = true);
  std::int64_t pick();
  void switch_to(std::uint32_t next, bool may_throw = true);
  [[noreturn]] void fail(BugKind kind, std::string message, std::string involved = {},
                         std::uint64_t step = 0);
  void note_failure(BugKind kind, std::string message, std::string involved,
                    std::uint64_t step = 0);
  // Where the current thread is, for the detectors.
  StepRef here() const;
  // Every thread is blocked: a Deadlock, or what a detector makes of it.
  Failure deadlock() const;
  std::uint64_t draw(std::uint64_t bound);
  void diverged(bool may_throw = true);
  std::string deadlock_report(std::string& message) const;
  // max_steps was exceeded: the threads that loop and what they repeat.
  Failure livelock() const;
  boost::context::fiber entry(FThread* t, boost::context::fiber&& caller);
  // The current thread stops here for good, without unwinding (see FThread::abandoned).
  [[noreturn]] void abandon_current();
  // Keeps an abandoned thread's fiber and stack from ever being resumed, unwound or reused.
  void retire(FThread& t);
  void make_fiber(FThread& t);
  // AddressSanitizer must be told about every stack switch; no-ops otherwise.
  void start_switch(void** fake, const void* bottom, std::size_t size);
  void finish_switch(void* fake);

  const Config& config_;
  StrategyImpl& strategy_;
  StackPool& pool_;
  ExecutionBuffers& buf_;
  std::vector<std::unique_ptr<FThread>> threads_;
  std::vector<std::uint64_t> next_object_id_;
  std::unique_ptr<Thread> main_thread_;
  std::shared_ptr<ThreadCore> main_core_;
  boost::context::fiber sched_;
  std::uint32_t current_ = 0;
  std::uint32_t next_ = 0;
  Instant now_ = 0;
  std::uint64_t thread_numbers_ = 0;
  std::uint64_t progress_ = 0;  // changes other threads could observe, so far
  bool body_returned_ = false;  // from here on daemon threads never run again
  bool yielded_ = false;        // the running thread yielded or spins (Decision::yielded)
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
  bool unwinding_ = false;
  std::optional<Failure> failure_;
  std::string divergence_;
  Backend* previous_backend_ = nullptr;
  const void* sched_bottom_ = nullptr;  // the scheduler's (the OS thread's) stack
  std::size_t sched_size_ = 0;
  std::span<Detector* const> detectors_;
  std::optional<Failure> deferred_;  // a lock-order inversion: reported if nothing worse happens
  EventLog* log_ = nullptr;          // non-null when the strategy wants events
};

}  // namespace weave::detail
