#include "weave/detail/lock_graph.hpp"

#include <algorithm>
#include <iterator>

#include "weave/errors.hpp"

namespace weave::detail {

namespace {

// The first acquisition is enough to report; a few more rescue cycles from gate locks and from
// edges one thread alone made.
constexpr std::size_t kMaxAcquisitionsPerEdge = 8;

std::string join(const std::vector<std::string>& items, const char* sep, const char* last_sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? last_sep : sep;
    out += items[i];
  }
  return out;
}

std::string file_line(const char* file, std::uint32_t line) {
  return std::string(file) + ":" + std::to_string(line);
}

}  // namespace

std::uint32_t LockGraph::Names::add(const std::string& name) {
  if (const auto it = index_.find(name); it != index_.end()) {
    ++refs_[it->second];
    return it->second;
  }
  std::uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    names_[id] = name;
    refs_[id] = 1;
  } else {
    id = static_cast<std::uint32_t>(names_.size());
    names_.push_back(name);
    refs_.push_back(1);
  }
  index_.emplace(name, id);
  return id;
}

void LockGraph::Names::unref(std::uint32_t id) {
  if (--refs_[id] != 0) return;
  index_.erase(names_[id]);
  names_[id].clear();
  free_.push_back(id);
}

void LockGraph::Names::clear() {
  names_.clear();
  refs_.clear();
  free_.clear();
  index_.clear();
}

std::optional<LockGraph::Description> LockGraph::acquire(HeldLocks& held, const Object& lock,
                                                         const char* file, std::uint32_t line,
                                                         const Taker& who, bool find_cycle) {
  const Key to = key_of(lock);
  const HeldSets::Id stack = held.stack(sets_);
  sources_.clear();
  held.for_each_source(
      [&](const Object& from_lock, const HeldSets::Entry& from, std::uint32_t depth) {
        if (from.key != to && !redundant(from.key, to, who.thread, stack)) {
          sources_.push_back({&from_lock, from.key, depth});
        }
      });
  std::optional<Description> found;
  if (!sources_.empty()) {
    node(lock);
    const std::uint32_t name = names_.add(who.name());
    const auto made = [&](const Source& s) {
      return Acquisition{who.thread, who.execution, stack, s.depth, name, file, line};
    };
    // A cycle with what the graph held before: one thread cannot wait for `lock` in two ways.
    for (const Source& s : sources_) {
      node(*s.lock);
      if (!find_cycle || found) continue;
      std::vector<Link> cycle = this->find_cycle(s.key, to, made(s));
      if (cycle.empty()) continue;
      cycle.push_back({s.key, to, made(s)});
      found = describe(shortened(cycle), who.execution);
    }
    for (const Source& s : sources_) add(s.key, to, made(s));
    names_.unref(name);  // add() counted it where it kept it
  }
  sets_.collect();
  return found;
}

void LockGraph::erase(Key lock) {
  const auto it = nodes_.find(lock);
  if (it == nodes_.end()) return;
  // An acquisition from `lock` stood for the orderings from the locks held below it too: they
  // move to the next one below that is still there (and the try_acquired ones above that).
  std::vector<Link> moved;
  for (const auto& [to, edge] : it->second.out) {
    for (const Acquisition& a : edge.made) {
      HeldSets::Id s = sets_.prefix(a.held, a.from_depth);
      if (sets_.top(s).try_only) continue;  // the blocking one below has an edge of its own
      // A lock's node goes only when it is destroyed, and keys are not reused.
      const auto gone = [&](Key k) { return k == lock || !nodes_.contains(k); };
      for (s = sets_.skip_gone(sets_.below(s), gone); s != HeldSets::kEmpty;
           s = sets_.skip_gone(sets_.below(s), gone)) {
        const HeldSets::Entry& e = sets_.top(s);
        if (e.key == to) continue;
        Acquisition b = a;
        b.from_depth = sets_.depth(s);
        keep(b);  // outlives `a`
        moved.push_back({e.key, to, b});
        if (!e.try_only) break;
      }
    }
  }
  back_sources_.erase(lock);
  for (const auto& [to, edge] : it->second.out) {
    for (const Acquisition& a : edge.made) drop(a);
    if (const auto n = nodes_.find(to); n != nodes_.end()) n->second.in.erase(lock);
  }
  for (Key from : it->second.in) {
    const auto n = nodes_.find(from);
    if (n == nodes_.end()) continue;
    const auto e = n->second.out.find(lock);
    if (e == n->second.out.end()) continue;
    if (e->second.back && --n->second.back_out == 0) back_sources_.erase(from);
    for (const Acquisition& a : e->second.made) drop(a);
    n->second.out.erase(e);
  }
  nodes_.erase(it);
  // No search: each of these orderings was in the graph already, through `lock`.
  for (const Link& m : moved) {
    if (!redundant(m.from, m.to, m.how.thread, m.how.held)) add(m.from, m.to, m.how);
    drop(m.how);
  }
  sets_.collect();
}

void LockGraph::clear() {
  nodes_.clear();
  sets_.clear();
  names_.clear();
  back_sources_.clear();
}

LockGraphSize LockGraph::size() const {
  LockGraphSize s;
  s.locks = nodes_.size();
  for (const auto& [key, node] : nodes_) {
    s.edges += node.out.size();
    for (const auto& [to, edge] : node.out) s.acquisitions += edge.made.size();
  }
  s.stacks = sets_.size() - 1;  // not the empty one
  return s;
}

LockGraph::Node& LockGraph::node(const Object& lock) {
  const auto [it, fresh] = nodes_.try_emplace(key_of(lock));
  if (fresh) {
    Node& n = it->second;
    n.order = next_order_++;  // no edges yet: last in the order is as good as anywhere
    n.kind = lock.kind();
    n.short_name = lock.display_name();
    n.created = lock.created();
  }
  return it->second;
}

bool LockGraph::redundant(Key from, Key to, std::uint64_t thread, HeldSets::Id held) const {
  const auto node = nodes_.find(from);
  if (node == nodes_.end()) return false;
  const auto edge = node->second.out.find(to);
  if (edge == node->second.out.end()) return false;
  // Covered by this thread's own, or by two other threads' (one of them differs from whichever
  // thread the rest of a cycle comes from), made holding the same stack. Not merely a subset of
  // it: the locks below `from` are ordered before `to` too, through `from`, and when `from` is
  // destroyed only the stacks kept say that.
  std::uint64_t other = thread;
  for (const Acquisition& a : edge->second.made) {
    if (a.held != held) continue;
    if (a.thread == thread) return true;
    if (other != thread && other != a.thread) return true;
    other = a.thread;
  }
  return false;
}

void LockGraph::add(Key from, Key to, const Acquisition& a) {
  const auto [it, fresh] = nodes_.at(from).out.try_emplace(to);
  Edge& edge = it->second;
  if (fresh) {
    nodes_.at(to).in.insert(from);
    if (!order_edge(from, to)) {
      edge.back = true;
      if (nodes_.at(from).back_out++ == 0) back_sources_.insert(from);
    }
  }
  // A full edge lets those of the same thread go that the new one covers (a subset of their
  // guards): the cycles through them go through it. Only the orderings from the locks below
  // `from` that they alone held are lost, if `from` is destroyed.
  if (edge.made.size() >= kMaxAcquisitionsPerEdge) {
    std::erase_if(edge.made, [&](const Acquisition& k) {
      if (k.thread != a.thread || !sets_.is_subset(a.guards(), k.guards())) return false;
      drop(k);
      return true;
    });
  }
  if (edge.made.size() < kMaxAcquisitionsPerEdge) {
    keep(a);
    edge.made.push_back(a);
  }
}

std::vector<LockGraph::Link> LockGraph::find_cycle(Key from, Key to, const Acquisition& a) const {
  // Edges that are not back edges go up the order: a path from `to` back to `from` can only pass
  // nodes no higher than `from` or than a back edge that leads down again. Without back edges,
  // an edge that goes up the order closes no cycle at all.
  std::uint64_t limit = nodes_.at(from).order;
  for (Key k : back_sources_) limit = std::max(limit, nodes_.at(k).order);
  if (nodes_.at(to).order > limit) return {};
  // A path from `to` back to `from` whose acquisitions share no guard with each other and with
  // the new one, and with at least one from another thread. Iterative (a hand-over-hand walk
  // down a long list makes long chains); at each node it skips a visit when an earlier one came
  // with a subset of its guards and at least as many threads: that one can only do better.
  struct Visit {
    Key at;
    HeldSets::Set common;  // guards shared by every acquisition so far
    bool other_thread;     // one of them is not a.thread's
    std::size_t parent;
    const Acquisition* how;
  };
  struct Seen {
    HeldSets::Set common;
    bool other_thread;
  };
  constexpr std::size_t kRoot = static_cast<std::size_t>(-1);
  std::vector<Visit> visits{{to, HeldSets::as_set(a.guards()), false, kRoot, nullptr}};
  std::unordered_map<Key, std::vector<Seen>> seen{{to, {{visits[0].common, false}}}};
  std::vector<std::size_t> todo{0};
  while (!todo.empty()) {
    const std::size_t i = todo.back();
    todo.pop_back();
    const Key at = visits[i].at;
    // Not there yet, the walk goes on through `from`: a path of stored edges may pass it where
    // the ordering it stands for did not.
    if (at == from && sets_.empty(visits[i].common) && visits[i].other_thread) {
      std::vector<Link> cycle;
      for (std::size_t j = i; visits[j].parent != kRoot; j = visits[j].parent) {
        cycle.push_back({visits[visits[j].parent].at, visits[j].at, *visits[j].how});
      }
      std::reverse(cycle.begin(), cycle.end());
      return cycle;
    }
    for (const auto& [next, edge] : nodes_.at(at).out) {
      if (nodes_.at(next).order > limit) continue;  // cannot lead back to `from`
      for (const Acquisition& made : edge.made) {
        HeldSets::Set common = sets_.intersect(visits[i].common, made.guards());
        const bool other = visits[i].other_thread || made.thread != a.thread;
        auto& before = seen[next];
        if (std::any_of(before.begin(), before.end(), [&](const Seen& s) {
              return (s.other_thread || !other) && sets_.is_subset(s.common, common);
            })) {
          continue;
        }
        before.push_back({common, other});
        visits.push_back({next, std::move(common), other, i, &made});
        todo.push_back(visits.size() - 1);
      }
    }
  }
  return {};
}

bool LockGraph::order_edge(Key from, Key to) {
  // Pearce-Kelly: when the edge goes backwards in the order, only the nodes between its ends
  // move. Those reachable from `to` (forward) go after those that reach `from` (backward), in the
  // places all of them had.
  Node& f = nodes_.at(from);
  Node& t = nodes_.at(to);
  if (f.order < t.order) return true;
  const std::uint64_t mark = ++mark_;
  std::vector<Key> forward{to}, backward{from}, todo{to};
  t.mark = mark;
  while (!todo.empty()) {
    const Key k = todo.back();
    todo.pop_back();
    for (const auto& [next, edge] : nodes_.at(k).out) {
      if (edge.back) continue;
      if (next == from) return false;
      Node& n = nodes_.at(next);
      if (n.mark == mark || n.order > f.order) continue;
      n.mark = mark;
      forward.push_back(next);
      todo.push_back(next);
    }
  }
  f.mark = mark;
  todo.push_back(from);
  while (!todo.empty()) {
    const Key k = todo.back();
    todo.pop_back();
    for (Key prev : nodes_.at(k).in) {
      Node& p = nodes_.at(prev);
      if (p.mark == mark || p.order < t.order || p.out.at(k).back) continue;
      p.mark = mark;
      backward.push_back(prev);
      todo.push_back(prev);
    }
  }
  const auto by_order = [&](Key x, Key y) { return nodes_.at(x).order < nodes_.at(y).order; };
  std::sort(forward.begin(), forward.end(), by_order);
  std::sort(backward.begin(), backward.end(), by_order);
  std::vector<std::uint64_t> places;
  for (Key k : backward) places.push_back(nodes_.at(k).order);
  for (Key k : forward) places.push_back(nodes_.at(k).order);
  std::sort(places.begin(), places.end());
  std::size_t i = 0;
  for (Key k : backward) nodes_.at(k).order = places[i++];
  for (Key k : forward) nodes_.at(k).order = places[i++];
  return true;
}

void LockGraph::keep(const Acquisition& a) {
  sets_.ref(a.held);
  names_.ref(a.name);
}

void LockGraph::drop(const Acquisition& a) {
  sets_.unref(a.held);
  names_.unref(a.name);
}

std::vector<LockGraph::Link> LockGraph::shortened(const std::vector<Link>& cycle) const {
  // A path of edges stands for the orderings the graph does not store: a thread that took c
  // holding b, which it took holding a, may still have held a (its stack says). Then a -> c is
  // the ordering to report, as a full graph would have found it.
  std::vector<Link> out;
  for (std::size_t i = 0; i < cycle.size();) {
    std::size_t run_end = i;
    while (run_end + 1 < cycle.size() && cycle[run_end + 1].how.thread == cycle[i].how.thread) {
      ++run_end;
    }
    std::size_t last = i;
    std::uint32_t depth = 0;
    for (std::size_t k = run_end; k > i; --k) {
      depth = sets_.depth_of(cycle[k].how.held, cycle[i].from);
      if (depth != 0) {
        last = k;
        break;
      }
    }
    Link l = cycle[last];
    if (last != i) {
      l.from = cycle[i].from;
      l.how.from_depth = depth;
    }
    out.push_back(l);
    i = last + 1;
  }
  if (out.size() == cycle.size()) return cycle;
  // Held longer, the first lock may now be guarded by a lock every other step holds as well.
  HeldSets::Set common = HeldSets::as_set(out.front().how.guards());
  for (std::size_t i = 1; i < out.size(); ++i) {
    common = sets_.intersect(common, out[i].how.guards());
  }
  return sets_.empty(common) ? out : cycle;
}

LockGraph::Description LockGraph::describe(const std::vector<Link>& cycle,
                                           std::uint64_t execution) const {
  const auto full_name = [&](const Node& n) {
    return std::string(kind_name(n.kind)) + " " + n.short_name;
  };
  const auto from_at = [&](const Acquisition& a) {
    const HeldSets::Entry& e = sets_.top(sets_.prefix(a.held, a.from_depth));
    return file_line(e.file, e.line);
  };
  Description d;
  std::vector<std::string> names, order, steps;
  for (const Link& l : cycle) {
    const Node& from = nodes_.at(l.from);
    names.push_back(full_name(from));
    order.push_back(from.short_name);
    steps.push_back(names_[l.how.name] + " takes " + nodes_.at(l.to).short_name +
                    " while holding " + from.short_name + " at " +
                    file_line(l.how.to_file, l.how.to_line));
  }
  d.message = join(names, ", ", " and ") +
              " are taken in opposite orders by different threads: " + join(steps, "; ", "; ") +
              ". Run at the same time, these threads can deadlock; take the locks in one global "
              "order (" +
              join(order, " before ", " before ") + ")";
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const Link& l = cycle[i];
    d.involved += "  " + names_[l.how.name] + " acquired " + full_name(nodes_.at(l.to)) + " at " +
                  file_line(l.how.to_file, l.how.to_line) + " while holding " +
                  full_name(nodes_.at(l.from)) + " (acquired at " + from_at(l.how) + ")";
    if (l.how.execution != execution) d.involved += " — in an earlier schedule";
    if (i + 1 == cycle.size()) d.involved += "  <-- closes the cycle";
    d.involved += "\n";
  }
  for (const Link& l : cycle) {
    d.involved += "  " + full_name(nodes_.at(l.from)) + " created at " +
                  where(nodes_.at(l.from).created) + "\n";
  }
  return d;
}

}  // namespace weave::detail
