#pragma once
// weave/detail/held_sets.hpp — the held-lock stacks the lock-order graph remembers, interned.
//
// The graph keeps, with each acquisition, every lock its thread held then: they are the guards of
// the ordering it records, and where each was taken is what a report prints. Stored one by one,
// taking the k-th of k nested locks would cost k keys; here a stack is a node (its top entry on
// the node of the stack below it), and equal stacks are one node whoever held them and in
// whichever schedule, so pushing a lock costs one node and "the same locks held" is one
// comparison. Nodes are counted by what refers to them (acquisitions, the stacks above them) and
// freed in batches, so that a thread can push onto a stack it just used without making it again.
// Jump pointers (Myers 1983) find an ancestor, and the common prefix of two stacks, in
// O(log depth).
//
// A Set is a set of locks for the gate-lock rule: a stack's keys but a few of its entries, and
// keys beyond it where two stacks that went apart still share some. Stacks hold each lock once
// (a thread cannot hold a lock twice), which these sets rely on.
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace weave::detail {

class HeldSets {
 public:
  using Key = std::uint64_t;
  using Id = std::uint32_t;
  static constexpr Id kEmpty = 0;  // the empty stack: always there

  // One held lock: which, where it was taken, and whether by a try_acquire.
  struct Entry {
    Key key = 0;
    const char* file = "";
    std::uint32_t line = 0;
    bool try_only = false;
    bool operator==(const Entry&) const = default;
  };

  // The locks of `stack` but the one at `without` (1 is the bottom): an edge's guards, the held
  // locks but the one it leaves from.
  struct Guards {
    Id stack = kEmpty;
    std::uint32_t without = 0;
  };

  // The keys of `stack` but those at the depths `excluded` (sorted), and `extra` (sorted, none of
  // them in `stack`).
  struct Set {
    Id stack = kEmpty;
    std::vector<std::uint32_t> excluded;
    std::vector<Key> extra;
  };

  HeldSets();

  // The stack `below` with `top` on it: found, or made (with no reference yet).
  Id push(Id below, const Entry& top);
  void ref(Id stack);
  void unref(Id stack);
  // Frees the stacks nothing refers to, once there are enough of them to be worth a pass.
  void collect();
  void clear();

  // Caches that hold no reference keep a stack's stamp with it: alive() says it is still that
  // stack (stamps are never reused, not even after clear()).
  std::uint64_t stamp(Id stack) const { return nodes_[stack].stamp; }
  bool alive(Id stack, std::uint64_t stamp) const {
    return stack < nodes_.size() && nodes_[stack].stamp == stamp;
  }

  const Entry& top(Id stack) const { return nodes_[stack].entry; }
  Id below(Id stack) const { return nodes_[stack].below; }
  std::uint32_t depth(Id stack) const { return nodes_[stack].depth; }
  // `stack` cut down to its lowest `depth` entries.
  Id prefix(Id stack, std::uint32_t depth) const;
  // The longest stack both `a` and `b` start with.
  Id common_prefix(Id a, Id b) const;
  // Where `key` is in `stack` (1 is the bottom), or 0 when it is not there. Linear: for reports.
  std::uint32_t depth_of(Id stack, Key key) const;
  // The highest part of `stack` (itself or below) whose top lock is not `gone`: a lock gone is
  // gone for good, so each climb past it is remembered (path compression, as union-find).
  template <class Gone>
  Id skip_gone(Id stack, Gone&& gone) {
    Id s = stack;
    while (s != kEmpty) {
      if (nodes_[s].skip != s) {
        s = nodes_[s].skip;
      } else if (gone(nodes_[s].entry.key)) {
        s = nodes_[s].below;
      } else {
        break;
      }
    }
    for (Id v = stack; v != s;) {
      const Id next = nodes_[v].skip != v ? nodes_[v].skip : nodes_[v].below;
      nodes_[v].skip = s;
      v = next;
    }
    return s;
  }
  // Stacks kept, the empty one included.
  std::size_t size() const { return nodes_.size() - free_.size(); }

  static Set as_set(Guards g) { return Set{g.stack, {g.without}, {}}; }
  bool empty(const Set& s) const {
    return s.extra.empty() && s.excluded.size() == nodes_[s.stack].depth;
  }
  // `a` ∩ `g`.
  Set intersect(const Set& a, Guards g) const;
  bool is_subset(Guards a, Guards b) const;
  bool is_subset(const Set& a, const Set& b) const;

 private:
  struct Node {
    Entry entry;
    Id below = kEmpty;
    Id jump = kEmpty;       // an ancestor, for O(log depth) climbs
    Id skip = kEmpty;       // itself, or an ancestor with only gone locks between (skip_gone)
    Id last_push = kEmpty;  // the stack pushed on it last, if still alive: no lookup
    std::uint64_t last_push_stamp = 0;
    std::uint32_t depth = 0;
    std::uint32_t refs = 0;
    std::uint64_t stamp = 0;  // 0: free
  };
  struct Link {
    Id below;
    Entry top;
    bool operator==(const Link&) const = default;
  };
  struct LinkHash {
    std::size_t operator()(const Link& l) const noexcept;
  };

  // The keys of `s`, sorted, into `out`.
  void keys(const Set& s, std::vector<Key>& out) const;
  // The keys of `stack` above depth `from`, but the one at depth `without`, sorted, into `out`.
  void keys_above(Id stack, std::uint32_t from, std::uint32_t without, std::vector<Key>& out) const;

  std::vector<Node> nodes_;
  std::vector<Id> free_;
  std::vector<Id> unreferenced_;  // may be freed at the next collect()
  std::unordered_map<Link, Id, LinkHash> index_;
  std::uint64_t next_stamp_ = 1;
  mutable std::vector<Key> scratch_a_, scratch_b_;  // the slow subset test reuses them
};

}  // namespace weave::detail
