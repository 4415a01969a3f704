// The lock-order graph both checkers share (weave/detail/lock_graph.hpp), driven directly: it
// keeps one edge per acquisition (from the lock taken last), yet finds exactly the inversions of
// the full graph (an edge from every held lock, with its guards), which a brute-force model here
// keeps, on random programs of a few threads (any release order, try_acquire, destroyed locks).
#include "weave/detail/lock_graph.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <source_location>
#include <string>
#include <tuple>
#include <vector>

using weave::detail::HeldLocks;
using weave::detail::LockGraph;
using weave::detail::Object;
using weave::detail::ObjectKind;
using Key = LockGraph::Key;

namespace {

// The full graph, as weave kept it before: an edge from every held lock to the one taken, with
// the other held locks as its guards; an inversion is a closed walk through a new edge, with two
// threads or more and no guard common to all of its edges. Its rules for leaving acquisitions out
// are the old ones (covered by the thread's own or by two other threads' with fewer guards; at
// most 8 an edge); its search looks at every state (the old one stopped at the new edge's start,
// which a walk of the full graph needs less often than one of stored edges), in the graph as it
// was before the acquisition (the old one let one edge of it close a cycle with another: one
// thread cannot wait in two ways).
class FullGraph {
 public:
  bool acquire(std::uint64_t thread, const std::vector<Key>& held, Key to) {
    bool found = false;
    std::vector<std::pair<Key, std::set<Key>>> fresh;
    for (Key from : held) {
      if (from == to) continue;
      std::set<Key> guards(held.begin(), held.end());
      guards.erase(from);
      if (redundant(edges_[from][to], thread, guards)) continue;
      found = found || closes_cycle(from, to, thread, guards);
      fresh.emplace_back(from, guards);
    }
    for (const auto& [from, guards] : fresh) {
      std::vector<Acquisition>& made = edges_[from][to];
      std::erase_if(made, [&](const Acquisition& a) {
        return a.thread == thread &&
               std::includes(a.guards.begin(), a.guards.end(), guards.begin(), guards.end());
      });
      if (made.size() < 8) made.push_back({thread, guards});
    }
    return found;
  }
  void erase(Key lock) {
    edges_.erase(lock);
    for (auto& [from, out] : edges_) out.erase(lock);
  }

 private:
  struct Acquisition {
    std::uint64_t thread;
    std::set<Key> guards;
  };
  static bool redundant(const std::vector<Acquisition>& made, std::uint64_t thread,
                        const std::set<Key>& guards) {
    std::uint64_t other = thread;
    for (const Acquisition& a : made) {
      if (!std::includes(guards.begin(), guards.end(), a.guards.begin(), a.guards.end())) {
        continue;
      }
      if (a.thread == thread || (other != thread && other != a.thread)) return true;
      other = a.thread;
    }
    return false;
  }
  bool closes_cycle(Key from, Key to, std::uint64_t thread, const std::set<Key>& guards) const {
    using State = std::tuple<Key, std::set<Key>, bool>;
    std::set<State> seen{{to, guards, false}};
    std::vector<State> todo{{to, guards, false}};
    while (!todo.empty()) {
      const auto [at, common, other] = todo.back();
      todo.pop_back();
      if (at == from && common.empty() && other) return true;
      const auto out = edges_.find(at);
      if (out == edges_.end()) continue;
      for (const auto& [next, made] : out->second) {
        for (const Acquisition& a : made) {
          std::set<Key> both;
          for (Key k : common) {
            if (a.guards.count(k) != 0) both.insert(k);
          }
          State s{next, both, other || a.thread != thread};
          if (seen.insert(s).second) todo.push_back(s);
        }
      }
    }
    return false;
  }
  std::map<Key, std::map<Key, std::vector<Acquisition>>> edges_;
};

struct Program {
  std::vector<std::unique_ptr<Object>> locks;
  std::vector<int> holder;                  // per lock: the thread holding it, or -1
  std::vector<HeldLocks> held;              // per thread
  std::vector<std::vector<Key>> held_keys;  // per thread, in acquisition order

  Program(int threads, int n) : holder(n, -1), held(threads), held_keys(threads) {
    for (int i = 0; i < n; ++i) locks.push_back(make_lock(i));
  }
  static std::unique_ptr<Object> make_lock(int i) {
    return std::make_unique<Object>(ObjectKind::Lock, "L" + std::to_string(i),
                                    std::source_location::current());
  }
  Key key(int lock) const { return LockGraph::key_of(*locks[lock]); }
};

// Runs a random program; returns the step at which each graph reports its first inversion (0:
// none) and the report.
struct Outcome {
  int graph_step = 0, full_step = 0;
  std::string report;
};

Outcome run_random_program(std::uint32_t seed) {
  std::mt19937 rng(seed);
  const int threads = 2 + static_cast<int>(rng() % 2), n = 3 + static_cast<int>(rng() % 4);
  Program p(threads, n);
  LockGraph graph;
  FullGraph full;
  Outcome out;
  for (int step = 1; step <= 60 && (out.graph_step == 0 || out.full_step == 0); ++step) {
    const int t = static_cast<int>(rng() % threads);
    const int l = static_cast<int>(rng() % n);
    const unsigned what = rng() % 10;
    if (what < 5 && p.holder[l] == -1) {  // acquire, or try_acquire
      const bool try_only = what == 4;
      const Key k = p.key(l);
      if (!try_only && !p.held[t].empty()) {
        const auto d = graph.acquire(
            p.held[t], *p.locks[l], "p.cpp", step,
            {static_cast<std::uint64_t>(t), 0, [t] { return "T" + std::to_string(t); }},
            out.graph_step == 0);
        if (d && out.graph_step == 0) {
          out.graph_step = step;
          out.report = d->message + "\n" + d->involved;
        }
        if (full.acquire(t, p.held_keys[t], k) && out.full_step == 0) out.full_step = step;
      }
      p.held[t].push(*p.locks[l], k, "p.cpp", step, try_only);
      p.held_keys[t].push_back(k);
      p.holder[l] = t;
    } else if (what < 8 && !p.held_keys[t].empty()) {  // release any held lock
      const std::size_t i = rng() % p.held_keys[t].size();
      const Key k = p.held_keys[t][i];
      REQUIRE(p.held[t].remove(k));
      p.held_keys[t].erase(p.held_keys[t].begin() + static_cast<std::ptrdiff_t>(i));
      for (int j = 0; j < n; ++j) {
        if (p.key(j) == k) p.holder[j] = -1;
      }
    } else if (what >= 8 && p.holder[l] == -1) {  // destroy, and make a new lock in its place
      graph.erase(p.key(l));
      full.erase(p.key(l));
      p.locks[l] = Program::make_lock(l);
    }
  }
  return out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("LockGraph: finds the inversions of the full graph, at the same acquisition",
          "[lockdep][graph]") {
  int found = 0;
  for (std::uint32_t seed = 1; seed <= 3000; ++seed) {
    const Outcome o = run_random_program(seed);
    INFO("seed " << seed << "\n" << o.report);
    REQUIRE(o.graph_step == o.full_step);
    if (o.graph_step != 0) {
      ++found;
      CHECK(o.report.find("<-- closes the cycle") != std::string::npos);
    }
  }
  // Both kinds of program are common enough for the comparison to mean something.
  CHECK(found > 300);
  CHECK(found < 2700);
}

namespace {
// One thread's locks, taken in order with a blocking acquire.
struct Nest {
  std::vector<std::unique_ptr<Object>> locks;
  explicit Nest(int n) {
    for (int i = 0; i < n; ++i) locks.push_back(Program::make_lock(i));
  }
};

std::optional<LockGraph::Description> take(LockGraph& g, HeldLocks& held, const Object& lock,
                                           std::uint64_t thread, std::uint32_t line) {
  auto d = g.acquire(held, lock, "n.cpp", line,
                     {thread, 0, [thread] { return "T" + std::to_string(thread); }}, true);
  held.push(lock, LockGraph::key_of(lock), "n.cpp", line, false);
  return d;
}
}  // namespace

TEST_CASE("LockGraph: n nested locks keep n - 1 edges, acquisitions and stacks",
          "[lockdep][graph]") {
  const int n = GENERATE(300, 10000);
  Nest nest(n);
  LockGraph g;
  HeldLocks held;
  for (int round = 0; round < 3; ++round) {  // the same again adds nothing
    for (int i = 0; i < n; ++i) {
      CHECK_FALSE(take(g, held, *nest.locks[i], 1, static_cast<std::uint32_t>(i + 1)));
    }
    for (int i = 0; i < n; ++i) held.remove(LockGraph::key_of(*nest.locks[i]));
    const weave::detail::LockGraphSize s = g.size();
    CHECK(s.locks == static_cast<std::size_t>(n));
    CHECK(s.edges == static_cast<std::size_t>(n - 1));
    CHECK(s.acquisitions == static_cast<std::size_t>(n - 1));
    CHECK(s.stacks == static_cast<std::size_t>(n - 1));
  }
  // Another thread, the same order: its acquisitions count (two threads can make a cycle that
  // one cannot), and find nothing.
  HeldLocks other;
  for (int i = 0; i < n; ++i) {
    CHECK_FALSE(take(g, other, *nest.locks[i], 2, static_cast<std::uint32_t>(i + 1)));
  }
  CHECK(g.size().acquisitions == static_cast<std::size_t>(2 * (n - 1)));
}

TEST_CASE("LockGraph: an inversion among many held locks is reported as its two locks",
          "[lockdep][graph]") {
  Nest nest(2000);
  LockGraph g;
  HeldLocks first, second;
  for (int i = 0; i < 2000; ++i) take(g, first, *nest.locks[i], 1, static_cast<std::uint32_t>(i));
  take(g, second, *nest.locks[1500], 2, 5000);
  const auto d = take(g, second, *nest.locks[700], 2, 5001);
  REQUIRE(d);
  INFO(d->message << "\n" << d->involved);
  // Stored, the ordering L700 -> L1500 is a path through the 800 locks between; reported, it is
  // what the thread did: took L1500 while holding L700.
  CHECK(d->message.rfind("Lock L700 and Lock L1500 are taken in opposite orders", 0) == 0);
  CHECK(d->involved.find("T1 acquired Lock L1500 at n.cpp:1500 while holding Lock L700 "
                         "(acquired at n.cpp:700)") != std::string::npos);
  CHECK(d->involved.find("T2 acquired Lock L700 at n.cpp:5001 while holding Lock L1500 "
                         "(acquired at n.cpp:5000)  <-- closes the cycle") != std::string::npos);
  CHECK(count(d->involved, " acquired ") == 2);
}

TEST_CASE("LockGraph: a gate lock under many held locks still serialises the inversion",
          "[lockdep][graph]") {
  Nest nest(2001);  // the last one is the gate
  LockGraph g;
  HeldLocks first, second, third;
  const Object& gate = *nest.locks[2000];
  take(g, first, gate, 1, 1);
  for (int i = 0; i < 2000; ++i) take(g, first, *nest.locks[i], 1, static_cast<std::uint32_t>(i));
  take(g, second, gate, 2, 2);
  take(g, second, *nest.locks[1999], 2, 3);
  CHECK_FALSE(take(g, second, *nest.locks[0], 2, 4));
  // Without the gate it can deadlock.
  take(g, third, *nest.locks[1999], 3, 5);
  const auto d = take(g, third, *nest.locks[0], 3, 6);
  REQUIRE(d);
  CHECK(d->message.rfind("Lock L0 and Lock L1999 are taken in opposite orders", 0) == 0);
}

TEST_CASE("LockGraph: a lock destroyed between two others keeps their order", "[lockdep][graph]") {
  // first: a, then tmp, then b (the stored edges are a -> tmp -> b); tmp goes. second: b, then
  // a. First held a when it took b: that ordering stays although the path it was stored as goes.
  Nest nest(2);
  const Object& a = *nest.locks[0];
  const Object& b = *nest.locks[1];
  LockGraph g;
  HeldLocks first, second;
  take(g, first, a, 1, 1);
  {
    const Object tmp(ObjectKind::Lock, "tmp", std::source_location::current());
    take(g, first, tmp, 1, 2);
    take(g, first, b, 1, 3);
    first.remove(LockGraph::key_of(b));
    first.remove(LockGraph::key_of(tmp));
    g.erase(LockGraph::key_of(tmp));
  }
  first.remove(LockGraph::key_of(a));
  CHECK(g.size().locks == 2);
  take(g, second, b, 2, 4);
  const auto d = take(g, second, a, 2, 5);
  REQUIRE(d);
  CHECK(d->message.rfind("Lock L0 and Lock L1 are taken in opposite orders", 0) == 0);
  CHECK(d->involved.find("T1 acquired Lock L1 at n.cpp:3 while holding Lock L0 (acquired at "
                         "n.cpp:1)") != std::string::npos);
}
