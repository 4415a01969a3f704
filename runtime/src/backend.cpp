#include "weave/backend.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>

#include "weave/errors.hpp"

namespace weave::detail {

constinit thread_local Backend* tls_backend = nullptr;

namespace {
constexpr std::size_t kKinds = static_cast<std::size_t>(ObjectKind::Memory) + 1;
std::array<std::atomic<std::uint64_t>, kKinds> g_next_id{};
}  // namespace

const char* kind_name(ObjectKind kind) noexcept {
  switch (kind) {
    case ObjectKind::Thread: return "Thread";
    case ObjectKind::Lock: return "Lock";
    case ObjectKind::RLock: return "RLock";
    case ObjectKind::Condition: return "Condition";
    case ObjectKind::Semaphore: return "Semaphore";
    case ObjectKind::BoundedSemaphore: return "BoundedSemaphore";
    case ObjectKind::Event: return "Event";
    case ObjectKind::Barrier: return "Barrier";
    case ObjectKind::Queue: return "Queue";
    case ObjectKind::Future: return "Future";
    case ObjectKind::Executor: return "ThreadPoolExecutor";
    case ObjectKind::Shared: return "Shared";
    case ObjectKind::Atomic: return "Atomic";
    case ObjectKind::Memory: return "Memory";
  }
  return "Object";
}

const char* op_name(Op op) noexcept {
  switch (op) {
    case Op::Start: return "start";
    case Op::Run: return "run";
    case Op::Exit: return "exit";
    case Op::Join: return "join";
    case Op::Yield: return "yield";
    case Op::Sleep: return "sleep";
    case Op::Acquire: return "acquire";
    case Op::TryAcquire: return "try_acquire";
    case Op::Release: return "release";
    case Op::Wait: return "wait";
    case Op::Notify: return "notify";
    case Op::NotifyAll: return "notify_all";
    case Op::Set: return "set";
    case Op::Clear: return "clear";
    case Op::Reset: return "reset";
    case Op::Abort: return "abort";
    case Op::Put: return "put";
    case Op::Get: return "get";
    case Op::TaskDone: return "task_done";
    case Op::Shutdown: return "shutdown";
    case Op::Submit: return "submit";
    case Op::Cancel: return "cancel";
    case Op::Complete: return "complete";
    case Op::Read: return "read";
    case Op::Write: return "write";
    case Op::ReadWrite: return "read_write";
    case Op::Assert: return "assert";
    case Op::Destroy: return "destroy";
  }
  return "op";
}

Object::Object(ObjectKind kind, std::string name, std::source_location created)
    : kind_(kind), id_(0), name_(std::move(name)), created_(created) {
  if (Backend* b = backend()) {
    checked_ = true;
    b->register_object(*this);
  } else {
    id_ = g_next_id[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed) + 1;
  }
}

std::string Object::display_name() const {
  if (!name_.empty()) return name_;
  return std::string(kind_name(kind_)) + "#" + std::to_string(id_);
}

namespace {
std::mutex g_foreign_mutex;
std::string g_foreign_use;  // the first foreign use not yet taken
}  // namespace

void foreign_thread(const Object& obj, const std::source_location& loc) {
  std::string message = "Misuse: ";
  message += kind_name(obj.kind());
  message += ' ';
  message += obj.display_name();
  message += " (created at ";
  message += obj.created().file_name();
  message += ':';
  message += std::to_string(obj.created().line());
  message += ") was used at ";
  message += loc.file_name();
  message += ':';
  message += std::to_string(loc.line());
  message +=
      " by a thread that weave::check() does not run (a std::thread or std::jthread started "
      "inside the checked body?). The checker schedules only its own threads: start threads "
      "with weave::Thread inside a checked body";
  {
    std::lock_guard<std::mutex> lk(g_foreign_mutex);
    if (g_foreign_use.empty()) g_foreign_use = message;
  }
  // Also said here: an uncaught exception in a std::thread ends the program before the check
  // can report it.
  std::fprintf(stderr, "weave: %s\n", message.c_str());
  throw UsageError(message);
}

std::string take_foreign_use() {
  std::lock_guard<std::mutex> lk(g_foreign_mutex);
  return std::exchange(g_foreign_use, std::string());
}

Instant now() {
  if (Backend* b = backend()) return b->now();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Instant deadline_after(Duration d) {
  if (d.infinite()) return kNever;
  const Instant t = now();
  if (d.count() > kNever - t) return kNever;
  return t + d.count();
}

}  // namespace weave::detail
