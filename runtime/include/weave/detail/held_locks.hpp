#pragma once
// weave/detail/held_locks.hpp — the locks one thread holds, in the order it took them, as the
// lock-order graph needs them (weave/detail/lock_graph.hpp): the one thread's view, kept by
// WEAVE_LOCKDEP per OS thread and by the checker per thread of an execution.
//
// push() and remove() cost O(1) (amortized) whichever held lock goes, first, last or between:
// a released lock leaves a hole that later pushes and pops step over, and the holes are swept
// out once they outnumber the locks. A key -> place table finds the lock to remove.
// Nothing here allocates in the steady state (a thread taking and releasing the same locks).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "weave/backend.hpp"
#include "weave/detail/held_sets.hpp"

namespace weave::detail {

class HeldLocks {
 public:
  using Key = std::uint64_t;

  // The thread took `lock` (key `key`) at file:line; `try_only`: by a try_acquire.
  void push(const Object& lock, Key key, const char* file, std::uint32_t line, bool try_only);
  // The thread let go of `key` (its latest hold). False when it did not hold it.
  bool remove(Key key);
  void clear();
  bool empty() const { return live_ == 0; }
  std::size_t size() const { return live_; }

  // The held locks a blocking acquisition of another lock is ordered after directly, from the
  // top: the ones taken by try_acquire, and the first below them taken by a blocking acquire
  // (as Linux lockdep: the locks below that one were ordered before it when it was taken).
  // Calls f(lock, entry, depth), depth 1 being the bottom of the stack.
  template <class F>
  void for_each_source(F&& f) const {
    auto depth = static_cast<std::uint32_t>(live_);
    for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
      if (!it->live) continue;
      f(*it->lock, it->entry, depth--);
      if (!it->entry.try_only) return;
    }
  }

  // Whether f(entry) holds for every held lock, from the top (the first false ends the walk).
  template <class F>
  bool all_of(F&& f) const {
    for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
      if (it->live && !f(it->entry)) return false;
    }
    return true;
  }

  // The held locks as a stack of `sets` (always the same HeldSets): made where it is not there
  // yet, from the highest lock whose stack is known still.
  HeldSets::Id stack(HeldSets& sets);

 private:
  struct Slot {
    const Object* lock;
    HeldSets::Entry entry;
    bool live;
    HeldSets::Id node;  // the stack up to this lock, if cached (below cached_) and alive
    std::uint64_t stamp;
  };
  struct Cell {
    Key key = 0;
    std::uint32_t slot = 0;  // 0: an empty cell; otherwise the slot's index + 1
  };

  void compact();
  // The key -> slot table: open addressing, linear probing.
  std::size_t home(Key key) const;
  Cell* find(Key key);
  void put(Key key, std::size_t slot);
  void erase(Cell* cell);

  std::vector<Slot> slots_;   // in acquisition order; released ones are holes
  std::vector<Cell> cells_;   // a power of two of them
  std::size_t used_ = 0;      // cells in use
  std::size_t live_ = 0;      // slots that are not holes
  std::size_t cached_ = 0;    // slots below it have their stack computed
  std::size_t unmapped_ = 0;  // live slots the table does not name (a key held twice)
};

}  // namespace weave::detail
