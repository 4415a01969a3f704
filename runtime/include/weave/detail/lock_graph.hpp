#pragma once
// weave/detail/lock_graph.hpp — the lock-order graph, as Linux lockdep keeps it. Both lock-order
// checkers use it: WEAVE_LOCKDEP on OS threads (lockdep.cpp) and the checker's LockOrderInversion
// detector across the schedules of one check() (checker/src/detect/lock_order.cpp).
//
// An edge A -> B records that a thread took B while holding A, with the other locks it held then
// (its guards). A cycle can deadlock when its edges come from at least two threads and no lock is
// a guard of every edge (a gate lock that serialises them). An edge keeps only acquisitions that
// can matter: one is left out when the same thread, or two other threads, already took the edge
// with a subset of its guards (any cycle through it is a cycle through one of those).
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "weave/backend.hpp"

namespace weave::detail {

class LockGraph {
 public:
  using Key = std::uint64_t;
  // Ids are unique per kind: kind and id make a lock's key.
  static Key key_of(const Object& lock) noexcept {
    return (static_cast<Key>(lock.kind()) << 56) | lock.id();
  }

  // One way an edge from -> to was made. Kept by value: the locks may be gone when it is reported.
  struct Acquisition {
    std::uint64_t thread = 0;  // who took `to` while holding `from`
    std::vector<Key> guards;   // the other locks it held, sorted
    std::string thread_name;
    std::string from_name, from_short, to_name, to_short;  // "Lock alpha", "alpha"
    std::string from_at, to_at;                            // file:line where each was taken
    std::string from_created, to_created;                  // file:line where each was created
    std::uint64_t execution = 0;  // the checker's schedule number (0 on OS threads)
  };

  // Whether `thread` taking `to` while holding `from` with `guards` (sorted) adds nothing.
  bool redundant(Key from, Key to, std::uint64_t thread, const std::vector<Key>& guards) const;

  // Adds an acquisition (that is not redundant) of from -> to. With `find_cycle`, returns the
  // cycle it closes, if any: the edges from `to` around to `from`, then the new one; empty when
  // there is none. The pointers are valid until the graph next changes.
  std::vector<const Acquisition*> add(Key from, Key to, Acquisition a, bool find_cycle);

  // `lock` is gone: its node and edges leave the graph.
  void erase(Key lock);
  void clear() { nodes_.clear(); }

  // What a report says of `cycle`: `message` is one line ("Lock a and Lock b are taken in opposite
  // orders by different threads: ..."), `involved` a line per acquisition (those of an execution
  // other than `execution` say so) and per lock (where it was created).
  struct Description {
    std::string message;
    std::string involved;
  };
  static Description describe(const std::vector<const Acquisition*>& cycle,
                              std::uint64_t execution);

 private:
  struct Node {
    std::unordered_map<Key, std::vector<Acquisition>> out;
    std::unordered_set<Key> in;
  };
  std::unordered_map<Key, Node> nodes_;
};

}  // namespace weave::detail
