#pragma once
// weave/detail/lock_graph.hpp — the lock-order graph, as Linux lockdep keeps it. Both lock-order
// checkers use it: WEAVE_LOCKDEP on OS threads (lockdep.cpp) and the checker's LockOrderInversion
// detector across the schedules of one check() (checker/src/detect/lock_order.cpp).
//
// The rule it checks: a thread that takes B while holding A orders A before B, under the other
// locks it held then (its guards). A cycle of such orderings can deadlock when they come from at
// least two threads and no lock is a guard of every one of them (a gate lock that serialises
// them).
//
// What it stores is near-linear in what it must remember. As Linux lockdep, an acquisition adds
// an edge only from the held lock taken last by a blocking acquire (and from the try_acquired ones
// above it): that lock was ordered after the ones below it when it was taken, so the orderings
// from those are paths already. The acquisition keeps the whole held stack (weave/detail/
// held_sets.hpp: interned, one node per push), so every ordering A -> B it stands for, with its
// guards, is still known: a cycle of orderings is a cycle of paths with the same threads and no
// more guards in common, and the reported cycle is shortened back to the orderings themselves.
// A destroyed lock's edges move down to the lock held below it, for the same reason. An edge
// keeps only acquisitions that can matter: one is left out when the same thread, or two other
// threads, already made it holding the same stack (any cycle through it is a cycle through one of
// those); a full edge (8) lets those go that a new one of their thread covers with fewer guards. A
// topological order of the edges (Pearce-Kelly; an edge that closes a cycle is left out of it as a
// back edge) bounds the search for a cycle to the nodes that can lead back, and makes it none at
// all for an edge that goes up the order while the graph has no cycle.
#include <cstdint>
#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "weave/backend.hpp"
#include "weave/detail/held_locks.hpp"
#include "weave/detail/held_sets.hpp"

namespace weave::detail {

// What a lock-order graph keeps, for tests: every count is linear in the locks and orderings
// remembered.
struct LockGraphSize {
  std::size_t locks = 0;         // nodes
  std::size_t edges = 0;         // A -> B with at least one acquisition
  std::size_t acquisitions = 0;  // kept on the edges
  std::size_t stacks = 0;        // held stacks kept (weave/detail/held_sets.hpp)
};

class LockGraph {
 public:
  using Key = std::uint64_t;
  // Ids are unique per kind: kind and id make a lock's key.
  static Key key_of(const Object& lock) noexcept {
    return (static_cast<Key>(lock.kind()) << 56) | lock.id();
  }

  // Who takes a lock: a thread (its number or id), the checker's schedule (0 on OS threads), and
  // its name, asked for only when the acquisition is kept.
  struct Taker {
    std::uint64_t thread = 0;
    std::uint64_t execution = 0;
    std::function<std::string()> name;
  };

  // What a report says of a cycle: `message` is one line ("Lock a and Lock b are taken in
  // opposite orders by different threads: ..."), `involved` a line per acquisition (those of an
  // execution other than the current one say so) and per lock (where it was created).
  struct Description {
    std::string message;
    std::string involved;
  };

  // `who`, holding `held`, takes `lock` at file:line by a blocking acquire: records the orderings
  // this makes, unless they add nothing. With `find_cycle`, returns the description of the cycle
  // it closes, if any. Call it before `lock` joins `held`.
  std::optional<Description> acquire(HeldLocks& held, const Object& lock, const char* file,
                                     std::uint32_t line, const Taker& who, bool find_cycle);

  // `lock` is gone: its node and edges leave the graph (what they ordered below it stays).
  void erase(Key lock);
  void clear();

  LockGraphSize size() const;

 private:
  // One way an edge from -> to was made: `thread` took `to` (at to_file:to_line) holding the
  // stack `held`, in which `from` is at depth `from_depth`.
  struct Acquisition {
    std::uint64_t thread = 0;
    std::uint64_t execution = 0;
    HeldSets::Id held = HeldSets::kEmpty;
    std::uint32_t from_depth = 0;
    std::uint32_t name = 0;  // the thread's, in names_
    const char* to_file = "";
    std::uint32_t to_line = 0;
    HeldSets::Guards guards() const { return {held, from_depth}; }
  };
  struct Edge {
    std::vector<Acquisition> made;
    bool back = false;  // closed a cycle of edges: not in the topological order
  };
  struct Node {
    std::unordered_map<Key, Edge> out;
    std::unordered_set<Key> in;
    std::uint64_t order = 0;     // in a topological order of the edges that are not back edges
    std::uint64_t mark = 0;      // visited by the order_edge() call that set it
    std::uint32_t back_out = 0;  // back edges from it
    ObjectKind kind = ObjectKind::Lock;
    std::string short_name;  // "alpha", "Lock#3"
    std::source_location created;
  };
  // One step of a cycle, for its report.
  struct Link {
    Key from = 0, to = 0;
    Acquisition how;
  };
  // A held lock the lock being taken is ordered after directly (acquire()'s scratch).
  struct Source {
    const Object* lock;
    Key key;
    std::uint32_t depth;
  };
  // Thread names, interned and counted by the acquisitions that name them.
  class Names {
   public:
    std::uint32_t add(const std::string& name);
    void ref(std::uint32_t id) { ++refs_[id]; }
    void unref(std::uint32_t id);
    const std::string& operator[](std::uint32_t id) const { return names_[id]; }
    void clear();

   private:
    std::vector<std::string> names_;
    std::vector<std::uint32_t> refs_;
    std::vector<std::uint32_t> free_;
    std::unordered_map<std::string, std::uint32_t> index_;
  };

  Node& node(const Object& lock);
  bool redundant(Key from, Key to, std::uint64_t thread, HeldSets::Id held) const;
  // Keeps `a` on from -> to (both nodes exist).
  void add(Key from, Key to, const Acquisition& a);
  // The edges from `to` around to `from` that `a` (on from -> to, not in the graph yet) would
  // close a cycle with; empty when there are none.
  std::vector<Link> find_cycle(Key from, Key to, const Acquisition& a) const;
  // Places the new edge from -> to in the topological order; false when it closes a cycle.
  bool order_edge(Key from, Key to);
  void keep(const Acquisition& a);
  void drop(const Acquisition& a);
  // The cycle with each run of one thread's steps made one step where it held the first lock
  // still when it took the last, if the result still has no guard in common.
  std::vector<Link> shortened(const std::vector<Link>& cycle) const;
  Description describe(const std::vector<Link>& cycle, std::uint64_t execution) const;

  std::unordered_map<Key, Node> nodes_;
  HeldSets sets_;
  Names names_;
  std::uint64_t next_order_ = 0;
  std::uint64_t mark_ = 0;
  std::unordered_set<Key> back_sources_;  // nodes with back edges
  std::vector<Source> sources_;
};

}  // namespace weave::detail
