#pragma once
// Lock-order inversion, as Linux lockdep: an edge A -> B whenever a thread acquires B while
// holding A, kept across every schedule of one check (weave/detail/lock_graph.hpp, the graph
// WEAVE_LOCKDEP keeps on OS threads too). A cycle whose edges come from different threads, and
// that no single lock held across all of its edges (a gate lock) serialises, can deadlock in some
// schedule, even when none explored did.
#include <vector>

#include "detector.hpp"
#include "weave/detail/held_locks.hpp"
#include "weave/detail/lock_graph.hpp"

namespace weave::detail {

class LockOrderDetector final : public Detector {
 public:
  void begin_execution() override;
  void on_release(const Object& sync, const StepRef& at) override;
  std::optional<Finding> on_acquire(const Object& sync, const StepRef& at,
                                    const ThreadNames& names) override;

 private:
  std::vector<HeldLocks> held_;  // per thread
  LockGraph graph_;
  std::uint64_t execution_ = 0;
  bool reported_ = false;
};

}  // namespace weave::detail
