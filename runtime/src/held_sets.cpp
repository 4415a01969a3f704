#include "weave/detail/held_sets.hpp"

#include <algorithm>
#include <functional>
#include <iterator>
#include <span>

namespace weave::detail {

namespace {

// Unreferenced stacks wait for a pass until there are this many more than half the live ones:
// each pass then costs at most a constant per unref() that led to it.
constexpr std::size_t kCollectAtLeast = 256;

std::size_t mix(std::size_t h, std::size_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

// The keys of `stack` above depth `from`, but those at the depths `excluded` (sorted).
template <class Nodes>
void collect_keys(const Nodes& nodes, HeldSets::Id stack, std::uint32_t from,
                  std::span<const std::uint32_t> excluded, std::vector<HeldSets::Key>& out) {
  for (HeldSets::Id s = stack; nodes[s].depth > from; s = nodes[s].below) {
    if (!std::binary_search(excluded.begin(), excluded.end(), nodes[s].depth)) {
      out.push_back(nodes[s].entry.key);
    }
  }
}

}  // namespace

std::size_t HeldSets::LinkHash::operator()(const Link& l) const noexcept {
  std::size_t h = std::hash<Key>{}(l.top.key);
  h = mix(h, l.below);
  h = mix(h, std::hash<const char*>{}(l.top.file));
  h = mix(h, l.top.line);
  return mix(h, l.top.try_only ? 1 : 0);
}

HeldSets::HeldSets() {
  nodes_.emplace_back();
  nodes_[kEmpty].stamp = next_stamp_++;
}

HeldSets::Id HeldSets::push(Id below, const Entry& top) {
  // A thread that takes the same locks again pushes what it pushed last time.
  if (const Node& b = nodes_[below];
      alive(b.last_push, b.last_push_stamp) && nodes_[b.last_push].entry == top) {
    return b.last_push;
  }
  const Link link{below, top};
  if (const auto it = index_.find(link); it != index_.end()) {
    nodes_[below].last_push = it->second;
    nodes_[below].last_push_stamp = nodes_[it->second].stamp;
    return it->second;
  }
  Id id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<Id>(nodes_.size());
    nodes_.emplace_back();
  }
  const Node& b = nodes_[below];
  const Node& j = nodes_[b.jump];
  Node& n = nodes_[id];
  n.entry = top;
  n.below = below;
  n.depth = b.depth + 1;
  // Jumps of lengths 1, 1, 3, 1, 1, 3, 7, ...: a climb takes O(log depth) of them.
  n.jump = (b.depth - j.depth == j.depth - nodes_[j.jump].depth) ? j.jump : below;
  n.skip = id;
  n.last_push = kEmpty;
  n.last_push_stamp = 0;
  n.refs = 0;
  n.stamp = next_stamp_++;
  ref(below);
  nodes_[below].last_push = id;
  nodes_[below].last_push_stamp = n.stamp;
  index_.emplace(link, id);
  unreferenced_.push_back(id);
  return id;
}

void HeldSets::ref(Id stack) {
  if (stack != kEmpty) ++nodes_[stack].refs;
}

void HeldSets::unref(Id stack) {
  if (stack != kEmpty && --nodes_[stack].refs == 0) unreferenced_.push_back(stack);
}

void HeldSets::collect() {
  if (unreferenced_.size() < kCollectAtLeast + size() / 2) return;
  while (!unreferenced_.empty()) {
    const Id id = unreferenced_.back();
    unreferenced_.pop_back();
    Node& n = nodes_[id];
    if (n.stamp == 0 || n.refs != 0) continue;  // freed already, or referred to again
    index_.erase(Link{n.below, n.entry});
    n.stamp = 0;
    free_.push_back(id);
    unref(n.below);
  }
}

void HeldSets::clear() {
  nodes_.resize(1);
  free_.clear();
  unreferenced_.clear();
  index_.clear();
}

HeldSets::Id HeldSets::prefix(Id stack, std::uint32_t depth) const {
  while (nodes_[stack].depth > depth) {
    const Node& n = nodes_[stack];
    stack = nodes_[n.jump].depth >= depth ? n.jump : n.below;
  }
  return stack;
}

HeldSets::Id HeldSets::common_prefix(Id a, Id b) const {
  if (nodes_[a].depth > nodes_[b].depth) {
    a = prefix(a, nodes_[b].depth);
  } else {
    b = prefix(b, nodes_[a].depth);
  }
  // At equal depths, jumps have equal lengths: jump while they land apart.
  while (a != b) {
    const Node& x = nodes_[a];
    const Node& y = nodes_[b];
    if (x.jump != y.jump) {
      a = x.jump;
      b = y.jump;
    } else {
      a = x.below;
      b = y.below;
    }
  }
  return a;
}

std::uint32_t HeldSets::depth_of(Id stack, Key key) const {
  for (Id s = stack; s != kEmpty; s = nodes_[s].below) {
    if (nodes_[s].entry.key == key) return nodes_[s].depth;
  }
  return 0;
}

void HeldSets::keys(const Set& s, std::vector<Key>& out) const {
  out.clear();
  collect_keys(nodes_, s.stack, 0, s.excluded, out);
  out.insert(out.end(), s.extra.begin(), s.extra.end());
  std::sort(out.begin(), out.end());
}

void HeldSets::keys_above(Id stack, std::uint32_t from, std::uint32_t without,
                          std::vector<Key>& out) const {
  out.clear();
  collect_keys(nodes_, stack, from, std::span<const std::uint32_t>(&without, 1), out);
  std::sort(out.begin(), out.end());
}

HeldSets::Set HeldSets::intersect(const Set& a, Guards g) const {
  if (empty(a)) return a;
  Set out;
  out.stack = common_prefix(a.stack, g.stack);
  const std::uint32_t shared = nodes_[out.stack].depth;
  for (std::uint32_t d : a.excluded) {
    if (d <= shared) out.excluded.push_back(d);
  }
  if (g.without <= shared &&
      !std::binary_search(out.excluded.begin(), out.excluded.end(), g.without)) {
    out.excluded.insert(std::upper_bound(out.excluded.begin(), out.excluded.end(), g.without),
                        g.without);
  }
  // Above the shared prefix the two stacks went apart, but may still hold some locks both.
  std::vector<Key> ours, theirs;
  collect_keys(nodes_, a.stack, shared, a.excluded, ours);
  if (!ours.empty() || !a.extra.empty()) {
    ours.insert(ours.end(), a.extra.begin(), a.extra.end());
    std::sort(ours.begin(), ours.end());
    keys_above(g.stack, shared, g.without, theirs);
    std::set_intersection(ours.begin(), ours.end(), theirs.begin(), theirs.end(),
                          std::back_inserter(out.extra));
  }
  return out;
}

bool HeldSets::is_subset(Guards a, Guards b) const {
  if (a.stack == b.stack) return a.without == b.without;
  const std::uint32_t da = nodes_[a.stack].depth;
  if (da < nodes_[b.stack].depth && prefix(b.stack, da) == a.stack) {
    // `b` lacks one entry: `a` has it too unless it is above `a` or `a` lacks it as well.
    return b.without > da || b.without == a.without;
  }
  keys_above(a.stack, 0, a.without, scratch_a_);
  keys_above(b.stack, 0, b.without, scratch_b_);
  return std::includes(scratch_b_.begin(), scratch_b_.end(), scratch_a_.begin(), scratch_a_.end());
}

bool HeldSets::is_subset(const Set& a, const Set& b) const {
  if (empty(a)) return true;
  const std::uint32_t da = nodes_[a.stack].depth;
  if (a.extra.empty() && b.extra.empty() && da <= nodes_[b.stack].depth &&
      prefix(b.stack, da) == a.stack) {
    // Every entry `b` leaves out within `a`'s stack, `a` must leave out too.
    for (std::uint32_t d : b.excluded) {
      if (d > da) break;
      if (!std::binary_search(a.excluded.begin(), a.excluded.end(), d)) return false;
    }
    return true;
  }
  keys(a, scratch_a_);
  keys(b, scratch_b_);
  return std::includes(scratch_b_.begin(), scratch_b_.end(), scratch_a_.begin(), scratch_a_.end());
}

}  // namespace weave::detail
