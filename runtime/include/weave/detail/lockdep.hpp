#pragma once
// weave/detail/lockdep.hpp — lock-order checking on OS threads, as Linux lockdep does.
//
// With WEAVE_LOCKDEP=1 in the environment, every Lock and RLock taken on an OS thread (not in a
// checked execution: the checker has its own detector) records an edge A -> B in a process-wide
// graph when a thread takes B while holding A. When a new edge closes a cycle, the program has
// taken locks in opposite orders: run at the same time, those threads can deadlock. The first such
// inversion is reported once to stderr ("weave lockdep: LockOrderInversion: ..."); the program
// goes on.
//  * A try_acquire that succeeds adds the lock to the held set but no edge: it cannot block.
//  * RLock re-entry adds nothing; a Condition wait lets its lock go and takes it back.
//  * A cycle whose edges were all taken under one common lock (a gate lock), or all by one thread,
//    is not reported. The graph and these rules are the checker's too
//    (weave/detail/lock_graph.hpp).
//  * Nodes are lock instances, keyed by kind and Object::id(); a destroyed lock leaves the graph.
//  * Taking the k-th of k nested locks costs O(1) amortized (one edge, from the lock taken last);
//    a thread may hold thousands at once.
// Off, a lock operation pays one predictable branch on a cached flag: no allocation, no lock.
#include <atomic>
#include <cstdint>
#include <source_location>
#include <string>

#include "weave/backend.hpp"

namespace weave::detail {

// kLockdepOff, kLockdepOn, or kLockdepUnknown until the environment is read (on first use).
inline constexpr std::uint8_t kLockdepOff = 0;
inline constexpr std::uint8_t kLockdepOn = 1;
inline constexpr std::uint8_t kLockdepUnknown = 2;
extern constinit std::atomic<std::uint8_t> g_lockdep_state;

// False once lock-order checking is known to be off: the only cost a lock pays then.
inline bool lockdep_maybe_on() noexcept {
  return g_lockdep_state.load(std::memory_order_relaxed) != kLockdepOff;
}

// The calling OS thread took `lock` at `loc` (first acquisition, not re-entry). `try_only`: by a
// successful try_acquire, which adds the lock to the held set but no edge.
void lockdep_acquired(const Object& lock, const std::source_location& loc, bool try_only);
// The calling OS thread let `lock` go completely.
void lockdep_released(const Object& lock);
// `lock` is being destroyed: its node and edges leave the graph.
void lockdep_destroyed(const Object& lock);

// For tests: turn checking on or off whatever WEAVE_LOCKDEP says.
void lockdep_enable_for_testing(bool on);
// The report printed so far (empty when no inversion was found).
std::string lockdep_first_report();
// What the graph keeps (struct in weave/detail/lock_graph.hpp).
struct LockGraphSize;
LockGraphSize lockdep_graph_size_for_testing();
// Forgets the graph, the report and the calling thread's held locks; the next inversion is
// reported again.
void lockdep_reset_for_testing();

}  // namespace weave::detail
