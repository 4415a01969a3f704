#include "weave/detail/lockdep.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>

#include "weave/detail/held_locks.hpp"
#include "weave/detail/lock_graph.hpp"
#include "weave/errors.hpp"
#include "weave/thread.hpp"

namespace weave::detail {

constinit std::atomic<std::uint8_t> g_lockdep_state{kLockdepUnknown};

namespace {

using Key = LockGraph::Key;

struct Graph {
  std::mutex mutex;
  std::atomic<std::uint64_t> generation{0};  // bumped when the graph is cleared
  LockGraph locks;
  bool reported = false;
  std::string report;
};

// Never destroyed: locks are taken and released while the process exits.
Graph& graph() {
  static Graph* g = new Graph();
  return *g;
}

// What a thread keeps: its held locks, and the edges it knows are in the graph with no guard
// (those need no visit to the graph: no acquisition can add to them). Allocated on first use when
// checking is on, so a thread pays nothing when it is off; freed at thread exit, after which a
// lock released by a later thread_local destructor is not tracked.
struct EdgeHash {
  std::size_t operator()(const std::pair<Key, Key>& e) const noexcept {
    return std::hash<Key>{}(e.first * 0x9e3779b97f4a7c15ULL ^ e.second);
  }
};
struct ThreadState {
  HeldLocks held;
  std::unordered_set<std::pair<Key, Key>, EdgeHash> known;
  std::uint64_t generation = 0;  // of the graph `known` describes
};
constexpr std::size_t kMaxKnownEdges = 4096;  // beyond it the cache starts afresh
constinit thread_local ThreadState* tls_state = nullptr;
constinit thread_local bool tls_state_gone = false;

ThreadState* thread_state() {
  if (tls_state != nullptr || tls_state_gone) return tls_state;
  struct Owner {
    ~Owner() {
      delete tls_state;
      tls_state = nullptr;
      tls_state_gone = true;
    }
  };
  static thread_local Owner owner;
  (void)owner;
  tls_state = new ThreadState();
  return tls_state;
}

void forget_held(Key key) {
  // A lock acquired while checking was off is not there at all.
  if (tls_state != nullptr) tls_state->held.remove(key);
}

bool enabled() {
  std::uint8_t s = g_lockdep_state.load(std::memory_order_relaxed);
  if (s != kLockdepUnknown) return s == kLockdepOn;
  const char* v = std::getenv("WEAVE_LOCKDEP");
  const std::uint8_t env =
      (v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0) ? kLockdepOn : kLockdepOff;
  // A test's lockdep_enable_for_testing, or another thread that read it first, wins.
  if (g_lockdep_state.compare_exchange_strong(s, env, std::memory_order_relaxed)) {
    return env == kLockdepOn;
  }
  return s == kLockdepOn;
}

// The calling thread takes `lock`: it is ordered after the locks it holds, unless that adds
// nothing.
void add_edges(ThreadState& self, const Object& lock, Key key, const std::source_location& loc) {
  Graph& g = graph();
  const std::uint64_t generation = g.generation.load(std::memory_order_relaxed);
  if (self.generation != generation || self.known.size() > kMaxKnownEdges) {
    self.known.clear();
    self.generation = generation;
  }
  // Edges this thread made with no guard cover every later ordering of the same two locks by
  // this thread, and a thread usually takes its locks in the same orders again. Every held lock
  // is ordered before `key`: each must be covered.
  const bool all_known = self.held.all_of([&](const HeldSets::Entry& held) {
    return held.key == key || self.known.count({held.key, key}) != 0;
  });
  if (all_known) return;
  // current_core() takes no weave lock: this cannot come back here.
  const Object& thread = current_core().object;
  {
    std::lock_guard<std::mutex> lk(g.mutex);
    const auto cycle =
        g.locks.acquire(self.held, lock, loc.file_name(), loc.line(),
                        {thread.id(), 0, [&] { return thread.name(); }}, !g.reported);
    if (cycle) {
      g.reported = true;
      g.report = "weave lockdep: LockOrderInversion: " + cycle->message + "\n" + cycle->involved +
                 "  (WEAVE_LOCKDEP reports the first inversion only; weave::check() on the same "
                 "code finds the deadlock and replays it)\n";
      std::fputs(g.report.c_str(), stderr);
      std::fflush(stderr);
    }
  }
  if (self.held.size() == 1) {  // nothing else held: no guard
    self.held.for_each_source([&](const Object&, const HeldSets::Entry& from, std::uint32_t) {
      if (from.key != key) self.known.insert({from.key, key});
    });
  }
}

}  // namespace

void lockdep_acquired(const Object& lock, const std::source_location& loc, bool try_only) {
  if (!enabled()) return;
  ThreadState* self = thread_state();
  if (self == nullptr) return;
  const Key key = LockGraph::key_of(lock);
  if (!try_only && !self->held.empty()) add_edges(*self, lock, key, loc);
  self->held.push(lock, key, loc.file_name(), loc.line(), try_only);
}

void lockdep_released(const Object& lock) {
  if (g_lockdep_state.load(std::memory_order_relaxed) != kLockdepOn) return;
  forget_held(LockGraph::key_of(lock));
}

void lockdep_destroyed(const Object& lock) {
  if (g_lockdep_state.load(std::memory_order_relaxed) != kLockdepOn) return;
  const Key key = LockGraph::key_of(lock);
  forget_held(key);
  Graph& g = graph();
  std::lock_guard<std::mutex> lk(g.mutex);
  g.locks.erase(key);
}

void lockdep_enable_for_testing(bool on) {
  g_lockdep_state.store(on ? kLockdepOn : kLockdepOff, std::memory_order_relaxed);
}

std::string lockdep_first_report() {
  Graph& g = graph();
  std::lock_guard<std::mutex> lk(g.mutex);
  return g.report;
}

LockGraphSize lockdep_graph_size_for_testing() {
  Graph& g = graph();
  std::lock_guard<std::mutex> lk(g.mutex);
  return g.locks.size();
}

void lockdep_reset_for_testing() {
  if (tls_state != nullptr) tls_state->held.clear();
  Graph& g = graph();
  std::lock_guard<std::mutex> lk(g.mutex);
  g.generation.fetch_add(1, std::memory_order_relaxed);
  g.locks.clear();
  g.reported = false;
  g.report.clear();
}

}  // namespace weave::detail
