#include "lock_order.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace weave::detail {

namespace {
bool is_lock(const Object& o) {
  return o.kind() == ObjectKind::Lock || o.kind() == ObjectKind::RLock;
}

std::string full_name(const Object& o) {
  return fmt::format("{} {}", kind_name(o.kind()), o.display_name());
}

std::string created_at(const Object& o) {
  return fmt::format("{}:{}", o.created().file_name(), o.created().line());
}
}  // namespace

void LockOrderDetector::begin_execution() {
  for (auto& h : held_) h.clear();
  ++execution_;
}

void LockOrderDetector::on_release(const Object& sync, const StepRef& at) {
  if (!is_lock(sync) || at.thread >= held_.size()) return;
  auto& h = held_[at.thread];
  const LockGraph::Key k = LockGraph::key_of(sync);
  for (std::size_t i = h.size(); i-- > 0;) {
    if (h[i].key == k) {
      h.erase(h.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

std::optional<Finding> LockOrderDetector::on_acquire(const Object& sync, const StepRef& at,
                                                     const ThreadNames& names) {
  if (!is_lock(sync)) return std::nullopt;
  if (at.thread >= held_.size()) held_.resize(at.thread + 1);
  auto& held = held_[at.thread];
  const LockGraph::Key to = LockGraph::key_of(sync);
  std::optional<Finding> found;
  // A try_acquire cannot wait, so it adds no edge (as lockdep); the lock still counts as held.
  if (at.op != Op::TryAcquire) {
    for (const Held& h : held) {
      if (h.key == to) continue;
      std::vector<LockGraph::Key>& guards = guards_;  // reused: a step allocates nothing
      guards.clear();
      for (const Held& g : held) {
        if (g.key != h.key) guards.push_back(g.key);
      }
      std::sort(guards.begin(), guards.end());
      if (graph_.redundant(h.key, to, at.thread, guards)) continue;
      LockGraph::Acquisition made;
      made.thread = at.thread;
      made.guards = guards;
      made.thread_name = names.thread_name(at.thread);
      made.from_name = full_name(*h.lock);
      made.from_short = h.lock->display_name();
      made.to_name = full_name(sync);
      made.to_short = sync.display_name();
      made.from_at = fmt::format("{}:{}", h.file, h.line);
      made.to_at = fmt::format("{}:{}", at.file, at.line);
      made.from_created = created_at(*h.lock);
      made.to_created = created_at(sync);
      made.execution = execution_;
      const auto cycle = graph_.add(h.key, to, std::move(made), !reported_ && !found);
      if (!cycle.empty()) {
        reported_ = true;
        const LockGraph::Description d = LockGraph::describe(cycle, execution_);
        found = Finding{BugKind::LockOrderInversion, "LockOrderInversion: " + d.message, d.involved,
                        at.step};
      }
    }
  }
  held.push_back({to, &sync, at.file, at.line});
  return found;
}

}  // namespace weave::detail
