#pragma once
// weave/backend.hpp — the seam between the facade and what runs it.
//
// Every facade operation asks one thread-local question, detail::backend(): is a checked
// execution running on this OS thread? When it is null the operation takes the OS path (real
// threads, std::mutex, std::condition_variable). When it is set, the same primitive code runs and
// reports to the Backend at the places below; the Backend (the checker's fiber execution) decides
// who runs next, blocks and wakes fibers, keeps virtual time and watches for bugs.
//
// The contract, written once:
//  * point()   — a visible operation is about to happen: the scheduling point. The backend may
//                switch to another thread before returning. Called before the operation's effect.
//  * access()  — a read or write of checked memory (Shared, Atomic, note_read/note_write); also a
//                scheduling point.
//  * released()/acquired() — happens-before: the calling thread published to / took from a
//                synchronising object (lock release/acquire, event set/wait, queue put/get ...).
//  * notified() — a Condition was notified, and how many waiters that woke (lost notifications).
//  * block()/wake() — the wait-queue core (detail::WaitQueue) blocks the calling thread on a
//                waiter it has already queued, and wakes a waiter it has dequeued. Only the wait
//                queue calls these, so every blocking primitive shares one blocking mechanism.
//  * spawn()   — start a facade Thread; the backend must run detail::thread_main(core).
//  * now()/sleep() — the clock; virtual in a checked execution.
//  * misuse()/assertion_failed()/uncaught() — failures that become bugs.
// Primitives never talk to a strategy or a detector; only this interface.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <source_location>
#include <string>

#include "weave/duration.hpp"

namespace weave {
class Thread;
}

namespace weave::detail {

enum class ObjectKind : std::uint8_t {
  Thread,
  Lock,
  RLock,
  Condition,
  Semaphore,
  BoundedSemaphore,
  Event,
  Barrier,
  Queue,
  Future,
  Executor,
  Shared,
  Atomic,
  Memory,
};
const char* kind_name(ObjectKind kind) noexcept;

// What a facade object is, for reports: its kind, a number, its name and where it was created.
class Object {
 public:
  Object(ObjectKind kind, std::string name, std::source_location created);
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  ObjectKind kind() const noexcept { return kind_; }
  std::uint64_t id() const noexcept { return id_; }
  const std::string& name() const noexcept { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  const std::source_location& created() const noexcept { return created_; }
  // "accounts" or "Lock#3"
  std::string display_name() const;
  // For locks: the ident of the holding thread (0: none); nullptr for other kinds.
  const std::atomic<std::uint64_t>* holder() const noexcept { return holder_; }
  void set_holder_source(const std::atomic<std::uint64_t>* h) noexcept { holder_ = h; }
  // Numbering is the backend's: per kind and process on OS threads, per execution when checked.
  void set_id(std::uint64_t id) noexcept { id_ = id; }
  // Created inside a checked execution: only that execution's threads may use it.
  bool checked() const noexcept { return checked_; }
  void set_created(std::source_location loc) noexcept { created_ = loc; }

 private:
  ObjectKind kind_;
  bool checked_ = false;
  std::uint64_t id_;
  std::string name_;
  std::source_location created_;
  const std::atomic<std::uint64_t>* holder_ = nullptr;
};

// The operation at a scheduling point; the object's kind gives it context in a trace.
enum class Op : std::uint8_t {
  Start,  // Thread::start
  Run,    // a thread begins
  Exit,   // a thread ends
  Join,   // Thread::join / Queue::join / waiting for a Future
  Yield,
  Sleep,
  Acquire,  // Lock, RLock, Semaphore, Condition's lock
  TryAcquire,
  Release,
  Wait,  // Condition, Event, Barrier
  Notify,
  NotifyAll,
  Set,  // Event
  Clear,
  Reset,  // Barrier
  Abort,
  Put,  // Queue
  Get,
  TaskDone,
  Shutdown,
  Submit,     // Executor
  Cancel,     // Future, Timer
  Complete,   // a Future gets its result
  Read,       // Shared, Atomic, note_read
  Write,      // Shared, Atomic, note_write
  ReadWrite,  // Atomic read-modify-write
  Assert,
  Destroy,  // a primitive destroyed while a thread still uses it
};
const char* op_name(Op op) noexcept;

struct ThreadCore;

// Thrown through a thread's stack when a checked execution is torn down (a bug was found). It is
// not a std::exception, so `catch (const std::exception&)` lets it pass; code that swallows it
// with `catch (...)` is stopped again at its next facade operation.
struct ExecutionAborted {};

// One blocked thread in a WaitQueue. Lives on the blocked thread's stack.
struct Waiter {
  Waiter* next = nullptr;
  Waiter* prev = nullptr;
  const Object* object = nullptr;      // what it waits on
  std::uintptr_t tag = 0;              // primitive-specific
  bool signaled = false;               // dequeued by a notify
  void* park = nullptr;                // checked: the backend's record
  std::atomic<std::uint32_t> word{0};  // OS: the futex word a notify sets to 1
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual void point(Op op, const Object* obj, const std::source_location& loc) = 0;
  virtual void access(Op op, const Object* obj, const void* addr, std::size_t size,
                      const std::source_location& loc) = 0;
  virtual void released(const Object& sync) = 0;
  virtual void acquired(const Object& sync) = 0;
  // A Condition's notify or notify_all woke `woken` waiters (0: nobody was waiting).
  virtual void notified(const Object& cond, std::size_t woken) = 0;
  // The calling thread read (or, `write`, changed) `obj`'s state in a way other threads can
  // observe, with no synchronisation meaning of its own: a task starting, a callback added, the
  // futures a wait looks at. Only dependence-tracking strategies care (see event_log.hpp).
  virtual void touched(const Object& obj, bool write) = 0;
  // Thread::state() looked at whether `thread` runs or is blocked (which the backend changes
  // when it blocks and wakes threads; it also keeps ThreadCore::state up to date).
  virtual void looked_at_run_state(const Object& thread) = 0;

  // Blocks the calling thread, already queued as `w`, until wake(w) or the deadline.
  // Returns true when woken; false on timeout (the caller then unlinks `w`).
  virtual bool block(Waiter& w, Instant deadline, const std::source_location& loc) = 0;
  virtual void wake(Waiter& w) = 0;

  virtual void register_object(Object& obj) = 0;
  // `obj`'s destructor begins (its members are still there). One a thread still holds or waits
  // on is a Misuse: the backend reports it, and the destroying thread never returns from here.
  virtual void destroying(const Object& obj) = 0;
  virtual void spawn(ThreadCore& core) = 0;
  virtual ThreadCore& current() = 0;
  virtual std::uint64_t next_thread_number() = 0;
  virtual std::size_t active_count() = 0;
  virtual Instant now() = 0;
  virtual void sleep(Duration d, const std::source_location& loc) = 0;

  [[noreturn]] virtual void misuse(const std::string& message, const std::source_location& loc) = 0;
  [[noreturn]] virtual void assertion_failed(const char* expr, const std::source_location& loc) = 0;
  // An exception escaped a thread's run(); the thread ends.
  virtual void uncaught(ThreadCore& core, std::exception_ptr e) = 0;
  // True while the execution is being torn down: destructors must not block.
  virtual bool unwinding() const noexcept = 0;
};

// The one thread-local question. Null: OS threads.
extern constinit thread_local Backend* tls_backend;
inline Backend* backend() noexcept { return tls_backend; }

// `obj` belongs to a checked execution, but an OS thread the execution does not run uses it (a
// std::thread or std::jthread started inside a checked body): throws UsageError naming the
// object, the line and the fix, after noting it for the execution (see take_foreign_use).
[[noreturn]] void foreign_thread(const Object& obj, const std::source_location& loc);
// The first such use since the last call ("" when none), for the checked execution to report.
std::string take_foreign_use();

// The start of operation `op` on `obj` (null: none): in a checked execution its scheduling point;
// on OS threads, the check that `obj` is not a checked execution's. Returns the backend (null on
// OS threads).
inline Backend* begin_op(Op op, const Object* obj, const std::source_location& loc) {
  Backend* b = backend();
  if (b != nullptr) {
    b->point(op, obj, loc);
  } else if (obj != nullptr && obj->checked()) [[unlikely]] {
    foreign_thread(*obj, loc);
  }
  return b;
}
inline Backend* begin_op(Op op, const Object& obj, const std::source_location& loc) {
  Backend* b = backend();
  if (b != nullptr) {
    b->point(op, &obj, loc);
  } else if (obj.checked()) [[unlikely]] {
    foreign_thread(obj, loc);
  }
  return b;
}

// Called first in the destructor of every primitive a thread can hold or wait on.
inline void on_destroy(const Object& obj) noexcept {
  if (Backend* b = backend()) b->destroying(obj);
}

// A query of state other threads change (is_alive, locked, qsize, is_set, ...): under the checker
// a scheduling point, so that another thread may act just before the query looks.
inline void query_point(const Object* obj, const std::source_location& loc) {
  begin_op(Op::Read, obj, loc);
}

// The clock of whatever runs the calling thread, and a deadline `d` from now.
Instant now();
Instant deadline_after(Duration d);

}  // namespace weave::detail
