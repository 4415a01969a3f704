#include "lock_order.hpp"

namespace weave::detail {

namespace {
bool is_lock(const Object& o) {
  return o.kind() == ObjectKind::Lock || o.kind() == ObjectKind::RLock;
}
}  // namespace

void LockOrderDetector::begin_execution() {
  for (auto& h : held_) h.clear();
  ++execution_;
}

void LockOrderDetector::on_release(const Object& sync, const StepRef& at) {
  if (!is_lock(sync) || at.thread >= held_.size()) return;
  held_[at.thread].remove(LockGraph::key_of(sync));
}

std::optional<Finding> LockOrderDetector::on_acquire(const Object& sync, const StepRef& at,
                                                     const ThreadNames& names) {
  if (!is_lock(sync)) return std::nullopt;
  if (at.thread >= held_.size()) held_.resize(at.thread + 1);
  HeldLocks& held = held_[at.thread];
  std::optional<Finding> found;
  // A try_acquire cannot wait, so it adds no edge (as lockdep); the lock still counts as held.
  const bool try_only = at.op == Op::TryAcquire;
  if (!try_only && !held.empty()) {
    const auto cycle = graph_.acquire(
        held, sync, at.file, at.line,
        {at.thread, execution_, [&] { return names.thread_name(at.thread); }}, !reported_);
    if (cycle) {
      reported_ = true;
      found = Finding{BugKind::LockOrderInversion, "LockOrderInversion: " + cycle->message,
                      cycle->involved, at.step};
    }
  }
  held.push(sync, LockGraph::key_of(sync), at.file, at.line, try_only);
  return found;
}

}  // namespace weave::detail
