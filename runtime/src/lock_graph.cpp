#include "weave/detail/lock_graph.hpp"

#include <algorithm>
#include <iterator>

namespace weave::detail {

namespace {

// The first acquisition is enough to report; a few more rescue cycles from gate locks and from
// edges one thread alone made.
constexpr std::size_t kMaxAcquisitionsPerEdge = 8;

bool is_subset(const std::vector<LockGraph::Key>& sub, const std::vector<LockGraph::Key>& super) {
  return std::includes(super.begin(), super.end(), sub.begin(), sub.end());
}

std::vector<LockGraph::Key> intersect(const std::vector<LockGraph::Key>& a,
                                      const std::vector<LockGraph::Key>& b) {
  std::vector<LockGraph::Key> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::string join(const std::vector<std::string>& items, const char* sep, const char* last_sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? last_sep : sep;
    out += items[i];
  }
  return out;
}

}  // namespace

bool LockGraph::redundant(Key from, Key to, std::uint64_t thread,
                          const std::vector<Key>& guards) const {
  const auto node = nodes_.find(from);
  if (node == nodes_.end()) return false;
  const auto edge = node->second.out.find(to);
  if (edge == node->second.out.end()) return false;
  // Covered by this thread's own, or by two other threads' (one of them differs from whichever
  // thread the rest of a cycle comes from).
  std::uint64_t other = thread;
  for (const Acquisition& a : edge->second) {
    if (!is_subset(a.guards, guards)) continue;
    if (a.thread == thread) return true;
    if (other != thread && other != a.thread) return true;
    other = a.thread;
  }
  return false;
}

std::vector<const LockGraph::Acquisition*> LockGraph::add(Key from, Key to, Acquisition a,
                                                          bool find_cycle) {
  std::vector<const Acquisition*> cycle;
  if (find_cycle) {
    // A path from `to` back to `from` whose acquisitions share no guard with each other and with
    // the new one, and with at least one from another thread. Iterative (a hand-over-hand walk
    // down a long list makes long chains); at each node it skips a visit when an earlier one came
    // with a subset of its guards and at least as many threads: that one can only do better.
    struct Visit {
      Key at;
      std::vector<Key> common;  // guards shared by every acquisition so far
      bool other_thread;        // one of them is not a.thread's
      std::size_t parent;
      const Acquisition* how;
    };
    struct Seen {
      std::vector<Key> common;
      bool other_thread;
    };
    constexpr std::size_t kRoot = static_cast<std::size_t>(-1);
    std::vector<Visit> visits{{to, a.guards, false, kRoot, nullptr}};
    std::unordered_map<Key, std::vector<Seen>> seen{{to, {{a.guards, false}}}};
    std::vector<std::size_t> todo{0};
    while (!todo.empty() && cycle.empty()) {
      const std::size_t i = todo.back();
      todo.pop_back();
      const Key at = visits[i].at;
      if (at == from) {
        if (!visits[i].common.empty() || !visits[i].other_thread) continue;
        for (std::size_t j = i; visits[j].parent != kRoot; j = visits[j].parent) {
          cycle.push_back(visits[j].how);
        }
        std::reverse(cycle.begin(), cycle.end());
        break;
      }
      const auto node = nodes_.find(at);
      if (node == nodes_.end()) continue;
      for (const auto& [next, acquisitions] : node->second.out) {
        for (const Acquisition& made : acquisitions) {
          std::vector<Key> common = intersect(visits[i].common, made.guards);
          const bool other = visits[i].other_thread || made.thread != a.thread;
          auto& before = seen[next];
          if (std::any_of(before.begin(), before.end(), [&](const Seen& s) {
                return (s.other_thread || !other) && is_subset(s.common, common);
              })) {
            continue;
          }
          before.push_back({common, other});
          visits.push_back({next, std::move(common), other, i, &made});
          todo.push_back(visits.size() - 1);
        }
      }
    }
  }
  std::vector<Acquisition>& known = nodes_[from].out[to];
  nodes_[to].in.insert(from);
  // Those the new one covers go (a subset of their guards, the same thread); the cycle's pointers
  // stay valid: none of them is on this edge (a cycle through from -> to would end at `from`).
  std::erase_if(known, [&](const Acquisition& k) {
    return k.thread == a.thread && is_subset(a.guards, k.guards);
  });
  if (known.size() < kMaxAcquisitionsPerEdge) known.push_back(std::move(a));
  if (!cycle.empty()) cycle.push_back(&known.back());
  return cycle;
}

void LockGraph::erase(Key lock) {
  const auto it = nodes_.find(lock);
  if (it == nodes_.end()) return;
  for (const auto& [to, acquisitions] : it->second.out) {
    if (auto n = nodes_.find(to); n != nodes_.end()) n->second.in.erase(lock);
  }
  for (Key from : it->second.in) {
    if (auto n = nodes_.find(from); n != nodes_.end()) n->second.out.erase(lock);
  }
  nodes_.erase(it);
}

LockGraph::Description LockGraph::describe(const std::vector<const Acquisition*>& cycle,
                                           std::uint64_t execution) {
  Description d;
  std::vector<std::string> names, order, steps;
  for (const Acquisition* a : cycle) {
    names.push_back(a->from_name);
    order.push_back(a->from_short);
    steps.push_back(a->thread_name + " takes " + a->to_short + " while holding " + a->from_short +
                    " at " + a->to_at);
  }
  d.message = join(names, ", ", " and ") +
              " are taken in opposite orders by different threads: " + join(steps, "; ", "; ") +
              ". Run at the same time, these threads can deadlock; take the locks in one global "
              "order (" +
              join(order, " before ", " before ") + ")";
  for (const Acquisition* a : cycle) {
    d.involved += "  " + a->thread_name + " acquired " + a->to_name + " at " + a->to_at +
                  " while holding " + a->from_name + " (acquired at " + a->from_at + ")";
    if (a->execution != execution) d.involved += " — in an earlier schedule";
    if (a == cycle.back()) d.involved += "  <-- closes the cycle";
    d.involved += "\n";
  }
  for (const Acquisition* a : cycle) {
    d.involved += "  " + a->from_name + " created at " + a->from_created + "\n";
  }
  return d;
}

}  // namespace weave::detail
