#include "tree.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace weave::detail {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h = (h ^ (v + 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

std::string describe_option(bool draw, std::uint32_t c) {
  if (draw) return fmt::format("the draw {}", c);
  if ((c & kTimeoutBit) != 0) return fmt::format("a timeout of thread #{}", candidate_thread(c));
  return fmt::format("thread #{}", c);
}

std::string describe_options(bool draw, std::span<const std::uint32_t> options) {
  std::string out;
  for (std::uint32_t c : options) {
    if (!out.empty()) out += ", ";
    out += describe_option(draw, c);
  }
  return out;
}

}  // namespace

TreeStrategy::TreeStrategy(int preemption_bound, Shard shard, bool reduce,
                           std::uint64_t unfair_steps)
    : reduce_(reduce), bound_(preemption_bound), shard_(shard), unfair_steps_(unfair_steps) {}

std::size_t TreeStrategy::option_of(const Node& node, std::uint32_t thread) {
  for (std::size_t i = 0; i < node.options.size(); ++i) {
    if (node.options[i] == thread) return i;
  }
  return node.options.size();
}

bool TreeStrategy::asleep(const Node& n, std::size_t option) {
  return !n.draw && (n.options[option] & kTimeoutBit) == 0 &&
         std::any_of(n.sleep.begin(), n.sleep.end(),
                     [&](const SleepEntry& s) { return s.thread == n.options[option]; });
}

int TreeStrategy::preempts(const Node& n, std::size_t option) const {
  if (n.draw) return 0;
  return n.current_runnable && !n.yielded && n.options[option] != n.current ? 1 : 0;
}

bool TreeStrategy::early_timeout(const Node& n, std::size_t option) {
  if (n.draw || (n.options[option] & kTimeoutBit) == 0) return false;
  return std::any_of(n.options.begin(), n.options.end(),
                     [](std::uint32_t o) { return (o & kTimeoutBit) == 0; });
}

bool TreeStrategy::yield_continue(const Node& n, std::size_t option) {
  if (n.draw || !n.yielded || n.options[option] != n.current) return false;
  return std::any_of(n.options.begin(), n.options.end(),
                     [&](std::uint32_t o) { return (o & kTimeoutBit) == 0 && o != n.current; });
}

bool TreeStrategy::allowed(const Node& n, std::size_t option) const {
  if (yield_continue(n, option) && n.yield_continues >= kMaxYieldContinues) return false;
  if (early_timeout(n, option) && n.early_timeouts >= kMaxEarlyTimeouts) return false;
  return bound_ < 0 || n.preemptions + preempts(n, option) <= bound_;
}

std::size_t TreeStrategy::next_in_turn(const Node& n) {
  std::size_t first = n.options.size(), after = n.options.size();
  for (std::size_t i = 0; i < n.options.size(); ++i) {
    const std::uint32_t o = n.options[i];
    if ((o & kTimeoutBit) != 0) continue;
    if (first == n.options.size()) first = i;
    if (o > n.current && after == n.options.size()) after = i;
  }
  if (after < n.options.size()) return after;
  return first < n.options.size() ? first : 0;  // only timeouts: the earliest
}

std::uint64_t TreeStrategy::path_hash(std::size_t depth, std::size_t last_option) const {
  std::uint64_t h = 0x632BE59BD9B4E019ull;
  for (std::size_t d = 0; d < depth; ++d) {
    const Node& n = nodes_[d];
    h = mix(h, n.options[d + 1 == depth ? last_option : n.chosen] | (n.draw ? 1ull << 40 : 0));
  }
  return h;
}

bool TreeStrategy::owned(std::size_t depth, std::size_t option) const {
  return path_hash(depth + 1, option) % shard_.count == shard_.index;
}

void TreeStrategy::filter_sleep() {
  if (!reduce_ || log_ == nullptr) return;
  const std::size_t closed = log_->events.size() - (log_->open ? 1 : 0);
  for (; filtered_ < closed; ++filtered_) {
    const LogEvent& e = log_->events[filtered_];
    const auto fp = log_->footprint(e);
    std::erase_if(sleep_, [&](const SleepEntry& s) {
      return s.thread == e.thread || dependent(std::span<const Access>(s.footprint), fp);
    });
  }
}

void TreeStrategy::enter(const Node& n) {
  if (!reduce_) return;
  sleep_ = n.sleep;
  if (!n.draw && !n.full) {
    // Options explored before this one sleep until something they depend on happens.
    for (std::size_t i = 0; i < n.options.size(); ++i) {
      if (i == n.chosen || n.state[i] != kDone || (n.options[i] & kTimeoutBit) != 0) continue;
      sleep_.push_back({n.options[i], n.footprint[i]});
    }
  }
  filtered_ = log_ != nullptr ? log_->events.size() - (log_->open ? 1 : 0) : 0;
}

void TreeStrategy::take(Node& n, std::size_t option) {
  n.chosen = option;
  n.state[option] = kDone;
  preemptions_ = n.preemptions + preempts(n, option);
  max_preemptions_ = std::max(max_preemptions_, preemptions_);
  early_timeouts_ = n.early_timeouts + (early_timeout(n, option) ? 1 : 0);
  yield_continues_ = n.yield_continues + (yield_continue(n, option) ? 1 : 0);
  enter(n);
}

bool TreeStrategy::new_execution() {
  pos_ = 0;
  preemptions_ = 0;
  early_timeouts_ = 0;
  yield_continues_ = 0;
  sleep_.clear();
  filtered_ = 0;
  stopped_ = false;
  fair_ = false;
  counted_ = true;
  if (!started_) {
    started_ = true;
    return true;
  }
  if (!divergence_.empty()) return false;
  // Backtrack to the deepest node with an option left to explore.
  while (!nodes_.empty()) {
    const std::size_t d = nodes_.size() - 1;
    Node& n = nodes_.back();
    const bool foreign_subtree =
        sharded() && d >= kShardDepth &&
        path_hash(kShardDepth, nodes_[kShardDepth - 1].chosen) % shard_.count != shard_.index;
    if (!foreign_subtree) {
      for (std::size_t i = 0; i < n.options.size(); ++i) {
        if (n.state[i] != kTodo) continue;
        if (asleep(n, i)) continue;  // an equivalent order was explored already
        if (sharded() && d + 1 == kShardDepth && !owned(d, i)) continue;
        n.chosen = i;
        n.state[i] = kDone;
        return true;
      }
    }
    nodes_.pop_back();
  }
  exhausted_ = true;
  return false;
}

std::size_t TreeStrategy::replayed(bool draw, std::span<const std::uint32_t> options) {
  Node& n = nodes_[pos_];
  if (n.draw != draw ||
      !std::equal(n.options.begin(), n.options.end(), options.begin(), options.end())) {
    divergence_ = fmt::format(
        "at decision {} of an execution that repeats an earlier one, the earlier run could choose "
        "among {} but this one among {}",
        pos_ + 1, describe_options(n.draw, n.options), describe_options(draw, options));
    return kStopExecution;
  }
  if (!draw) n.event = static_cast<std::uint32_t>(log_->events.size());
  take(n, n.chosen);
  ++pos_;
  return n.chosen;
}

std::size_t TreeStrategy::fresh_choice(Node& n) {
  // The running thread first: schedules without preemptions come first. A thread that just
  // yielded last: it asked the others to go first.
  std::vector<std::size_t> order;
  order.reserve(n.options.size());
  const std::size_t cur = n.draw ? n.options.size() : option_of(n, n.current);
  if (cur < n.options.size() && !n.yielded) order.push_back(cur);
  for (std::size_t i = 0; i < n.options.size(); ++i) {
    if (i != cur) order.push_back(i);
  }
  if (cur < n.options.size() && n.yielded) order.push_back(cur);
  const bool split_here = sharded() && pos_ + 1 == kShardDepth;
  for (int pass = split_here ? 0 : 1; pass < 2; ++pass) {
    for (std::size_t i : order) {
      if (n.state[i] == kBlocked || asleep(n, i)) continue;
      if (pass == 0 && !owned(pos_, i)) continue;
      return i;
    }
  }
  return n.options.size();
}

std::size_t TreeStrategy::next_thread(const Decision& d) {
  const auto candidates = d.candidates;
  if (!divergence_.empty() || stopped_) return kStopExecution;
  if (pos_ < nodes_.size()) return replayed(false, candidates);
  filter_sleep();
  Node n;
  n.options.assign(candidates.begin(), candidates.end());
  n.current = d.current;
  n.current_runnable = option_of(n, d.current) < n.options.size();
  n.yielded = n.current_runnable && d.yielded;
  n.preemptions = preemptions_;
  n.early_timeouts = early_timeouts_;
  n.yield_continues = yield_continues_;
  const bool timeouts = std::any_of(candidates.begin(), candidates.end(),
                                    [](auto c) { return (c & kTimeoutBit) != 0; });
  // Timeouts depend on the virtual clock, not on objects: such a node is explored in full, and so
  // are the levels a sharded search splits.
  n.full = !reduce_ || timeouts || (sharded() && pos_ < kShardDepth);
  if (reduce_ && !n.full) n.sleep = sleep_;
  n.state.resize(n.options.size());
  n.footprint.resize(n.options.size());
  if (d.step > unfair_steps_) {
    // The fair suffix: one option, the next thread in turn; never a preemption.
    fair_ = true;
    n.yielded = true;
    n.full = false;
    n.sleep.clear();
    const std::size_t turn = next_in_turn(n);
    for (std::size_t i = 0; i < n.options.size(); ++i) n.state[i] = i == turn ? kIdle : kBlocked;
  } else {
    for (std::size_t i = 0; i < n.options.size(); ++i) {
      n.state[i] = !allowed(n, i) ? kBlocked : n.full ? kTodo : kIdle;
    }
  }
  n.event = static_cast<std::uint32_t>(log_->events.size());
  nodes_.push_back(std::move(n));
  const std::size_t k = fresh_choice(nodes_.back());
  if (k == nodes_.back().options.size()) {
    // Every thread that could run sleeps: whatever follows was explored in another order.
    nodes_.pop_back();
    stopped_ = true;
    return kStopExecution;
  }
  take(nodes_.back(), k);
  ++pos_;
  return k;
}

std::uint64_t TreeStrategy::next_u64(std::uint64_t bound) {
  if (!divergence_.empty() || stopped_) return bound;
  std::vector<std::uint32_t> values(bound);
  for (std::uint32_t v = 0; v < bound; ++v) values[v] = v;
  if (pos_ < nodes_.size()) {
    const std::size_t k = replayed(true, values);
    return k == kStopExecution ? bound : k;
  }
  filter_sleep();
  Node n;
  n.draw = true;
  n.options = std::move(values);
  n.state.assign(n.options.size(), kTodo);
  n.footprint.resize(n.options.size());
  n.full = true;
  n.sleep = sleep_;
  n.preemptions = preemptions_;
  n.early_timeouts = early_timeouts_;
  n.yield_continues = yield_continues_;
  nodes_.push_back(std::move(n));
  take(nodes_.back(), 0);
  ++pos_;
  return 0;
}

void TreeStrategy::end_execution(std::uint64_t) {
  if (log_ != nullptr) {
    for (std::size_t d = 0; d < pos_ && d < nodes_.size(); ++d) {
      Node& n = nodes_[d];
      if (n.draw || n.event >= log_->events.size()) continue;
      const auto fp = log_->footprint(log_->events[n.event]);
      n.footprint[n.chosen].assign(fp.begin(), fp.end());
    }
    if (divergence_.empty()) analyze();
  }
  bool mine = true;
  if (sharded() && pos_ > 0) {
    const std::size_t depth = std::min(pos_, kShardDepth);
    mine = path_hash(depth, nodes_[depth - 1].chosen) % shard_.count == shard_.index;
  } else if (sharded()) {
    mine = shard_.index == 0;  // the one schedule without a decision
  }
  counted_ = divergence_.empty() && !stopped_ && mine;
  if (stopped_) ++cut_;
  if (fair_ && counted_) ++fair_executions_;
  if (!mine && !stopped_) ++foreign_;
}

std::string TreeStrategy::coverage(std::uint64_t schedules) const {
  std::string bounds =
      bound_ < 0 ? std::string("no preemption bound") : fmt::format("preemption bound {}", bound_);
  std::string out = fmt::format("{}: {} schedules, {} ({}; at most {} preemptions in one schedule)",
                                reduce_ ? "DPOR" : "DFS", schedules,
                                exhausted_ ? "every schedule within the bounds was explored"
                                           : "the search was stopped before it was complete",
                                bounds, max_preemptions_);
  if (fair_executions_ != 0) {
    out += fmt::format(
        "; {} schedules ran past {} steps, and from there threads took turns (the fair suffix)",
        fair_executions_, unfair_steps_);
  }
  if (reduce_ && cut_ != 0) {
    out += fmt::format("; {} executions cut short as equivalent to explored ones", cut_);
  }
  if (sharded()) {
    out += fmt::format("; shard {}/{} ({} executions of other shards walked on the way)",
                       shard_.index, shard_.count, foreign_);
  }
  return out;
}

std::unique_ptr<StrategyImpl> make_dfs_strategy(int preemption_bound, Shard shard,
                                                std::uint64_t unfair_steps) {
  return std::make_unique<TreeStrategy>(preemption_bound, shard, false, unfair_steps);
}

}  // namespace weave::detail
