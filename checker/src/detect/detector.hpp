#pragma once
// The Detector interface: what an execution tells the bug detectors, and what they answer.
//
// The execution feeds every detector the same events — a thread spawned, a synchronising object
// released or acquired, a checked memory access, a notify, a deadlock — and turns a Finding into a
// bug. Detectors never see primitives or strategies, only these events. Each detector is one file
// in this folder; a new bug class is a new implementation.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "weave/backend.hpp"
#include "weave/check.hpp"

namespace weave::detail {

// Where a thread is: its step in the trace (1-based) and the source line of that step.
struct StepRef {
  std::uint32_t thread = 0;
  std::uint64_t step = 0;
  const char* file = "";
  std::uint32_t line = 0;
  Op op = Op::Run;  // the operation of that step
};

// A thread found blocked for good when the execution deadlocked.
struct BlockedThread {
  std::uint32_t thread = 0;
  const Object* waits_on = nullptr;  // what it waits on (null: a sleep or an untimed wait)
  StepRef wait;                      // the step where it blocked
};

struct Finding {
  BugKind kind = BugKind::Deadlock;
  std::string message;     // one line, starting with the bug class
  std::string involved;    // one line per thread or object involved
  std::uint64_t step = 0;  // the failing step (1-based); 0: the current thread's latest
};

// Thread names for messages; the execution provides them.
class ThreadNames {
 public:
  virtual std::string thread_name(std::uint32_t thread) const = 0;

 protected:
  ~ThreadNames() = default;
};

class Detector {
 public:
  virtual ~Detector() = default;
  // A new execution starts: forget what belongs to the last one.
  virtual void begin_execution() {}
  virtual void on_spawn(std::uint32_t /*thread*/) {}
  // Happens-before: `at.thread` published to / took from `sync`.
  virtual void on_release(const Object& /*sync*/, const StepRef& /*at*/) {}
  virtual std::optional<Finding> on_acquire(const Object& /*sync*/, const StepRef& /*at*/,
                                            const ThreadNames& /*names*/) {
    return std::nullopt;
  }
  // A read or write of [addr, addr+size); `obj` is the Shared variable, or null for raw memory.
  virtual std::optional<Finding> on_access(Op /*op*/, const Object* /*obj*/, const void* /*addr*/,
                                           std::size_t /*size*/, const StepRef& /*at*/,
                                           const ThreadNames& /*names*/) {
    return std::nullopt;
  }
  // A notify or notify_all on `cond` that woke `woken` waiters.
  virtual void on_notify(const Object& /*cond*/, std::size_t /*woken*/, const StepRef& /*at*/) {}
  // Every thread is blocked: a detector may explain why better than a plain Deadlock.
  virtual std::optional<Finding> on_deadlock(std::span<const BlockedThread> /*blocked*/,
                                             const ThreadNames& /*names*/) {
    return std::nullopt;
  }
};

}  // namespace weave::detail
