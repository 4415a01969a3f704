#include "weave/detail/lockdep.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "weave/errors.hpp"
#include "weave/thread.hpp"

namespace weave::detail {

constinit std::atomic<std::uint8_t> g_lockdep_state{kLockdepUnknown};

namespace {

// Ids are unique per kind and process on OS threads: kind and id make a lock's key.
using Key = std::uint64_t;
Key key_of(const Object& o) noexcept { return (static_cast<Key>(o.kind()) << 56) | o.id(); }

// One way an edge A -> B was made. Kept by value: the locks may be gone when it is reported.
struct Acquisition {
  std::string thread;
  std::source_location from_at;  // where A was taken
  std::source_location to_at;    // where B was taken, A held
  std::vector<Key> guards;       // the other locks held at that moment, sorted
};

// An edge keeps only acquisitions whose guard sets are minimal (a subset guards more cycles), and
// a few of them: the first is enough to report, the others only rescue cycles from gate locks.
constexpr std::size_t kMaxAcquisitionsPerEdge = 8;

struct Node {
  std::string name;  // "Lock alpha"
  std::string short_name;
  std::source_location created;
  std::unordered_map<Key, std::vector<Acquisition>> out;
  std::unordered_set<Key> in;
};

struct Graph {
  std::mutex mutex;
  std::atomic<std::uint64_t> generation{0};  // bumped when the graph is cleared
  std::unordered_map<Key, Node> nodes;
  bool reported = false;
  std::string report;
};

// Never destroyed: locks are taken and released while the process exits.
Graph& graph() {
  static Graph* g = new Graph();
  return *g;
}

// What a thread keeps: its held locks, in acquisition order, and the edges it knows are in the
// graph with no guard (those need no visit to the graph: no acquisition can add to them).
// Allocated on first use when checking is on, so a thread pays nothing when it is off; freed at
// thread exit, after which a lock released by a later thread_local destructor is not tracked.
struct Held {
  const Object* lock;
  Key key;
  std::source_location at;
};
struct EdgeHash {
  std::size_t operator()(const std::pair<Key, Key>& e) const noexcept {
    return std::hash<Key>{}(e.first * 0x9e3779b97f4a7c15ULL ^ e.second);
  }
};
struct ThreadState {
  std::vector<Held> held;
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
  if (tls_state == nullptr) return;
  std::vector<Held>& held = tls_state->held;
  // Usually the last one taken; a lock acquired while checking was off is not there at all.
  for (auto it = held.rbegin(); it != held.rend(); ++it) {
    if (it->key == key) {
      held.erase(std::next(it).base());
      return;
    }
  }
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

bool is_subset(const std::vector<Key>& sub, const std::vector<Key>& super) {
  return std::includes(super.begin(), super.end(), sub.begin(), sub.end());
}

std::vector<Key> intersect(const std::vector<Key>& a, const std::vector<Key>& b) {
  std::vector<Key> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Node& node_for(Graph& g, const Object& lock, Key key) {
  auto [it, inserted] = g.nodes.try_emplace(key);
  if (inserted) {
    it->second.short_name = lock.display_name();
    it->second.name = std::string(kind_name(lock.kind())) + " " + it->second.short_name;
    it->second.created = lock.created();
  }
  return it->second;
}

struct PathEdge {
  Key from;
  Key to;
  const Acquisition* how;
};

// A path from `start` to `goal` whose acquisitions share no guard with each other and with
// `guards` (those of the new edge goal -> start); empty when there is none. Iterative, since a
// hand-over-hand walk down a long list makes long chains. At each node it remembers the guard
// sets it arrived with and skips a visit whose set includes one of them: the smaller set can
// only do better.
std::vector<PathEdge> find_unguarded_path(const Graph& g, Key start, Key goal,
                                          const std::vector<Key>& guards) {
  struct Visit {
    Key at;
    std::vector<Key> common;  // guards shared by every acquisition so far
    std::size_t parent;
    const Acquisition* how;
  };
  constexpr std::size_t kRoot = static_cast<std::size_t>(-1);
  std::vector<Visit> visits{{start, guards, kRoot, nullptr}};
  std::unordered_map<Key, std::vector<std::vector<Key>>> seen{{start, {guards}}};
  std::vector<std::size_t> todo{0};
  while (!todo.empty()) {
    const std::size_t i = todo.back();
    todo.pop_back();
    const Key at = visits[i].at;
    if (at == goal) {
      if (!visits[i].common.empty()) continue;  // every edge under one gate lock: no deadlock
      std::vector<PathEdge> path;
      for (std::size_t j = i; visits[j].parent != kRoot; j = visits[j].parent) {
        path.push_back({visits[visits[j].parent].at, visits[j].at, visits[j].how});
      }
      std::reverse(path.begin(), path.end());
      return path;
    }
    const auto node = g.nodes.find(at);
    if (node == g.nodes.end()) continue;
    for (const auto& [to, acquisitions] : node->second.out) {
      for (const Acquisition& a : acquisitions) {
        std::vector<Key> common = intersect(visits[i].common, a.guards);
        auto& before = seen[to];
        if (std::any_of(before.begin(), before.end(),
                        [&](const std::vector<Key>& s) { return is_subset(s, common); })) {
          continue;
        }
        before.push_back(common);
        visits.push_back({to, std::move(common), i, &a});
        todo.push_back(visits.size() - 1);
      }
    }
  }
  return {};
}

std::string join_names(const std::vector<std::string>& names, const char* sep,
                       const char* last_sep) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? last_sep : sep;
    out += names[i];
  }
  return out;
}

// The cycle is `path` (existing edges, start -> ... -> goal) closed by `closing` (goal -> start).
std::string format_report(const Graph& g, const std::vector<PathEdge>& path,
                          const PathEdge& closing) {
  auto name_of = [&](Key k) -> const Node& { return g.nodes.at(k); };
  std::vector<PathEdge> cycle = path;
  cycle.push_back(closing);
  std::vector<std::string> full_names, order;
  for (const PathEdge& e : cycle) {
    full_names.push_back(name_of(e.from).name);
    order.push_back(name_of(e.from).short_name);
  }
  std::string out = "weave lockdep: LockOrderInversion: " + join_names(full_names, ", ", " and ") +
                    " are taken in opposite orders: ";
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const PathEdge& e = cycle[i];
    if (i > 0) out += "; ";
    out += e.how->thread + " takes " + name_of(e.to).short_name + " while holding " +
           name_of(e.from).short_name + " at " + where(e.how->to_at);
  }
  out +=
      ". Run at the same time, these threads can deadlock; take the locks in one global order (" +
      join_names(order, " before ", " before ") + ")\n";
  for (const PathEdge& e : cycle) {
    out += "  " + e.how->thread + " acquired " + name_of(e.to).name + " at " + where(e.how->to_at) +
           " while holding " + name_of(e.from).name + " (acquired at " + where(e.how->from_at) +
           ")" + (&e == &cycle.back() ? "  <-- closes the cycle" : "") + "\n";
  }
  for (const PathEdge& e : cycle) {
    const Node& n = name_of(e.from);
    out += "  " + n.name + " created at " + where(n.created) + "\n";
  }
  out +=
      "  (WEAVE_LOCKDEP reports the first inversion only; weave::check() on the same code finds "
      "the deadlock and replays it)\n";
  return out;
}

// The calling thread takes `lock`: an edge from each held lock, unless one with a guard set no
// larger is already there.
void add_edges(ThreadState& self, const Object& lock, Key key, const std::source_location& loc) {
  Graph& g = graph();
  const std::uint64_t generation = g.generation.load(std::memory_order_relaxed);
  if (self.generation != generation || self.known.size() > kMaxKnownEdges) {
    self.known.clear();
    self.generation = generation;
  }
  // Unguarded edges are final, and a thread usually takes its locks in the same orders again.
  if (std::all_of(self.held.begin(), self.held.end(), [&](const Held& h) {
        return h.key == key || self.known.count({h.key, key}) != 0;
      })) {
    return;
  }
  std::vector<Key> all;
  if (self.held.size() > 1) {
    for (const Held& h : self.held) all.push_back(h.key);
    std::sort(all.begin(), all.end());
  }
  std::lock_guard<std::mutex> lk(g.mutex);
  std::string thread;
  for (const Held& h : self.held) {
    if (h.key == key) continue;
    std::vector<Key> guards;
    for (Key k : all) {
      if (k != h.key) guards.push_back(k);
    }
    std::vector<Acquisition>& known = node_for(g, *h.lock, h.key).out[key];
    if (std::any_of(known.begin(), known.end(),
                    [&](const Acquisition& a) { return is_subset(a.guards, guards); })) {
      // An unguarded acquisition includes every other one, so it is then the only one.
      if (known.front().guards.empty()) self.known.insert({h.key, key});
      continue;
    }
    // current_core() takes no weave lock: this cannot come back here.
    if (thread.empty()) thread = current_core().object.name();
    node_for(g, lock, key).in.insert(h.key);
    Acquisition made{thread, h.at, loc, guards};
    if (!g.reported) {
      std::vector<PathEdge> path = find_unguarded_path(g, key, h.key, guards);
      if (!path.empty()) {
        g.reported = true;
        g.report = format_report(g, path, PathEdge{h.key, key, &made});
        std::fputs(g.report.c_str(), stderr);
        std::fflush(stderr);
      }
    }
    std::erase_if(known, [&](const Acquisition& a) { return is_subset(guards, a.guards); });
    if (known.size() < kMaxAcquisitionsPerEdge) known.push_back(std::move(made));
    if (guards.empty()) self.known.insert({h.key, key});
  }
}

}  // namespace

void lockdep_acquired(const Object& lock, const std::source_location& loc, bool try_only) {
  if (!enabled()) return;
  ThreadState* self = thread_state();
  if (self == nullptr) return;
  const Key key = key_of(lock);
  if (!try_only && !self->held.empty()) add_edges(*self, lock, key, loc);
  self->held.push_back({&lock, key, loc});
}

void lockdep_released(const Object& lock) {
  if (g_lockdep_state.load(std::memory_order_relaxed) != kLockdepOn) return;
  forget_held(key_of(lock));
}

void lockdep_destroyed(const Object& lock) {
  if (g_lockdep_state.load(std::memory_order_relaxed) != kLockdepOn) return;
  const Key key = key_of(lock);
  forget_held(key);
  Graph& g = graph();
  std::lock_guard<std::mutex> lk(g.mutex);
  const auto it = g.nodes.find(key);
  if (it == g.nodes.end()) return;
  for (const auto& [to, acquisitions] : it->second.out) {
    if (auto n = g.nodes.find(to); n != g.nodes.end()) n->second.in.erase(key);
  }
  for (Key from : it->second.in) {
    if (auto n = g.nodes.find(from); n != g.nodes.end()) n->second.out.erase(key);
  }
  g.nodes.erase(it);
}

void lockdep_enable_for_testing(bool on) {
  g_lockdep_state.store(on ? kLockdepOn : kLockdepOff, std::memory_order_relaxed);
}

std::string lockdep_first_report() {
  Graph& g = graph();
  std::lock_guard<std::mutex> lk(g.mutex);
  return g.report;
}

void lockdep_reset_for_testing() {
  if (tls_state != nullptr) tls_state->held.clear();
  Graph& g = graph();
  std::lock_guard<std::mutex> lk(g.mutex);
  g.generation.fetch_add(1, std::memory_order_relaxed);
  g.nodes.clear();
  g.reported = false;
  g.report.clear();
}

}  // namespace weave::detail
