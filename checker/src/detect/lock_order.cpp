#include "lock_order.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace weave::detail {

namespace {
bool is_lock(const Object& o) {
  return o.kind() == ObjectKind::Lock || o.kind() == ObjectKind::RLock;
}
constexpr std::size_t kMaxCycle = 8;
}  // namespace

void LockOrderDetector::begin_execution() {
  for (auto& h : held_) h.clear();
  ++execution_;
}

void LockOrderDetector::on_release(const Object& sync, const StepRef& at) {
  if (!is_lock(sync) || at.thread >= held_.size()) return;
  auto& h = held_[at.thread];
  const std::uint64_t k = key(sync);
  for (std::size_t i = h.size(); i-- > 0;) {
    if (h[i].key == k) {
      h.erase(h.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

bool LockOrderDetector::same_guards(const Edge& e, const std::vector<Held>& held,
                                    std::uint64_t from) const {
  std::size_t n = 0;
  for (const Held& h : held) {
    if (h.key == from) continue;
    if (std::find(e.guards.begin(), e.guards.end(), h.key) == e.guards.end()) return false;
    ++n;
  }
  return n == e.guards.size();
}

std::optional<Finding> LockOrderDetector::on_acquire(const Object& sync, const StepRef& at,
                                                     const ThreadNames& names) {
  if (!is_lock(sync)) return std::nullopt;
  if (at.thread >= held_.size()) held_.resize(at.thread + 1);
  auto& held = held_[at.thread];
  const std::uint64_t to = key(sync);
  std::optional<Finding> found;
  // A try_acquire cannot wait, so it adds no edge (as lockdep); the lock still counts as held.
  if (at.op != Op::TryAcquire) {
    for (const Held& h : held) {
      if (h.key == to) continue;
      const bool known = std::any_of(edges_.begin(), edges_.end(), [&](const Edge& e) {
        return e.from == h.key && e.to == to && e.thread == at.thread &&
               same_guards(e, held, h.key);
      });
      if (known) continue;
      Edge e;
      e.from = h.key;
      e.to = to;
      e.thread = at.thread;
      for (const Held& g : held) {
        if (g.key != h.key) e.guards.push_back(g.key);
      }
      std::sort(e.guards.begin(), e.guards.end());
      e.execution = execution_;
      e.thread_name = names.thread_name(at.thread);
      e.from_name = fmt::format("{} {}", kind_name(h.lock->kind()), h.lock->display_name());
      e.to_name = fmt::format("{} {}", kind_name(sync.kind()), sync.display_name());
      e.from_at = fmt::format("{}:{}", h.file, h.line);
      e.to_at = fmt::format("{}:{}", at.file, at.line);
      e.from_created =
          fmt::format("{}:{}", h.lock->created().file_name(), h.lock->created().line());
      e.to_created = fmt::format("{}:{}", sync.created().file_name(), sync.created().line());
      edges_.push_back(std::move(e));
      std::vector<std::size_t> cycle;
      if (!reported_ && !found && find_cycle(edges_.size() - 1, cycle)) {
        reported_ = true;
        found = report(cycle);
        found->step = at.step;
      }
    }
  }
  held.push_back({to, &sync, at.file, at.line});
  return found;
}

// Depth-first from the closing edge's target back to its source, keeping only paths whose edges
// share no gate lock and come from at least two threads.
bool LockOrderDetector::find_cycle(std::size_t closing, std::vector<std::size_t>& path) {
  path.assign(1, closing);
  std::vector<std::uint64_t> gates = edges_[closing].guards;
  struct Search {
    LockOrderDetector& self;
    std::vector<std::size_t>& path;
    bool go(std::uint64_t at, const std::vector<std::uint64_t>& gates) {
      const Edge& first = self.edges_[path.front()];
      if (at == first.from) {
        const bool two_threads = std::any_of(path.begin(), path.end(), [&](std::size_t i) {
          return self.edges_[i].thread != first.thread;
        });
        return two_threads && gates.empty();
      }
      if (path.size() >= kMaxCycle) return false;
      for (std::size_t i = 0; i < self.edges_.size(); ++i) {
        const Edge& e = self.edges_[i];
        if (e.from != at || std::find(path.begin(), path.end(), i) != path.end()) continue;
        std::vector<std::uint64_t> common;
        std::set_intersection(gates.begin(), gates.end(), e.guards.begin(), e.guards.end(),
                              std::back_inserter(common));
        path.push_back(i);
        if (go(e.to, common)) return true;
        path.pop_back();
      }
      return false;
    }
  } search{*this, path};
  return search.go(edges_[closing].to, gates);
}

Finding LockOrderDetector::report(const std::vector<std::size_t>& cycle) const {
  Finding f;
  f.kind = BugKind::LockOrderInversion;
  std::string order, names;
  for (std::size_t i : cycle) {
    const Edge& e = edges_[i];
    if (!order.empty()) order += "; ";
    order += fmt::format("{} takes {} while holding {} at {}", e.thread_name, e.to_name,
                         e.from_name, e.to_at);
    f.involved += fmt::format("  {} acquired {} at {} while holding {} (acquired at {}){}\n",
                              e.thread_name, e.to_name, e.to_at, e.from_name, e.from_at,
                              e.execution == execution_ ? "" : " — in an earlier schedule");
  }
  std::vector<std::string> seen;
  for (std::size_t i : cycle) {
    const Edge& e = edges_[i];
    for (const auto& [name, site] :
         {std::pair{&e.from_name, &e.from_created}, std::pair{&e.to_name, &e.to_created}}) {
      if (std::find(seen.begin(), seen.end(), *name) != seen.end()) continue;
      seen.push_back(*name);
      f.involved += fmt::format("  {} created at {}\n", *name, *site);
      if (!names.empty()) names += " and ";
      names += *name;
    }
  }
  f.message = fmt::format(
      "LockOrderInversion: {} are taken in opposite orders by different threads: {}. Run at the "
      "same time, these threads can deadlock; take the locks in one global order",
      names, order);
  return f;
}

}  // namespace weave::detail
