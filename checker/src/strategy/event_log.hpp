#pragma once
// The event log: what each thread touched between two scheduling decisions, for the strategies
// that reason about dependence (DPOR, POS).
//
// An event is one thread running from one scheduling decision to the next: the effect of the
// operation it announced at its last scheduling point, and everything it does until its next one.
// Its footprint lists the objects it touched (the announced one, and each lock, condition or thread
// a release/acquire/notify reported), each as read or write. Two events are dependent when they
// touch one object and not both read it: swapping two independent neighbours cannot change what
// any thread sees.
#include <cstdint>
#include <span>
#include <vector>

#include "weave/backend.hpp"

namespace weave::detail {

struct Access {
  std::uint64_t key = 0;  // an object (kind and number) or an 8-byte granule of raw memory
  bool write = true;
};

// The operation a thread announced and will perform when it next runs.
struct PendingOp {
  Op op = Op::Run;
  std::uint64_t key = 0;    // 0: touches no object
  std::uint32_t count = 0;  // granules, for raw memory (key is the first)
  bool write = true;
};

struct LogEvent {
  std::uint32_t thread = 0;
  std::uint32_t begin = 0, end = 0;  // its accesses in EventLog::accesses
};

struct EventLog {
  std::vector<LogEvent> events;
  std::vector<Access> accesses;
  std::vector<PendingOp> pending;  // by thread
  bool open = false;               // the last event is still running
  bool cut_short = false;          // a bug ended the run while another thread could go on

  void clear() {
    events.clear();
    accesses.clear();
    pending.clear();
    open = false;
    cut_short = false;
  }
  std::span<const Access> footprint(const LogEvent& e) const {
    return {accesses.data() + e.begin, accesses.data() + e.end};
  }
  const PendingOp& pending_of(std::uint32_t thread) const {
    static const PendingOp kNone{};
    return thread < pending.size() ? pending[thread] : kNone;
  }
};

inline constexpr std::uint64_t kMemoryKey = 1ull << 63;
// At most this many granules of one raw-memory access are told apart; a larger range is cut
// (annotate huge buffers in pieces to have them all watched).
inline constexpr std::uint32_t kMaxGranules = 512;

inline std::uint64_t object_key(ObjectKind kind, std::uint64_t id) noexcept {
  return (static_cast<std::uint64_t>(kind) + 1) << 56 | id;
}
// Whether a thread runs or is blocked, a key apart from the thread's own (started, finished, which
// joins read): blocking and waking it write this one, Thread::state() reads both.
inline std::uint64_t run_state_key(std::uint64_t thread_key) noexcept {
  return thread_key | 1ull << 55;
}

inline bool dependent(std::span<const Access> a, std::span<const Access> b) noexcept {
  for (const Access& x : a) {
    for (const Access& y : b) {
      if (x.key == y.key && (x.write || y.write)) return true;
    }
  }
  return false;
}

// Does the announced operation `p` conflict with any access of `f`?
inline bool dependent(const PendingOp& p, std::span<const Access> f) noexcept {
  if (p.key == 0) return false;
  for (const Access& y : f) {
    const bool same = (p.key & kMemoryKey) != 0 && (y.key & kMemoryKey) != 0
                          ? y.key >= p.key && y.key < p.key + p.count
                          : y.key == p.key;
    if (same && (p.write || y.write)) return true;
  }
  return false;
}

}  // namespace weave::detail
