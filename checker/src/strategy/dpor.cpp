// Source DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas: "Optimal dynamic partial order
// reduction", POPL 2014, Algorithm 1), run statelessly: each execution runs to its end, then its
// races are found on the event log and each adds, where none is there yet, one thread that can
// start the reversed order to the backtrack set of the decision before the race's first event.
//
// Happens-before is program order plus dependence (events touching one object, not both reading),
// kept as a vector clock per event. A race is a pair e < e' of dependent events of two threads
// with no third event ordered between them; its reversal starts from v = the events after e that
// do not happen after e, followed by e''s thread. The threads whose first event in v has no
// predecessor in v (the initials) can begin that order; if none of them is in the backtrack set
// of the node before e, one is added. A race whose second event was made possible only by the
// first (a release waking a waiter) cannot be reversed and adds nothing. A run that a bug ended
// while other threads could still go on never saw their later operations: at the decision before
// the failing event, every other thread is tried too.
#include <algorithm>
#include <functional>
#include <memory>
#include <unordered_map>

#include "tree.hpp"

namespace weave::detail {

namespace {

class DporStrategy final : public TreeStrategy {
 public:
  DporStrategy(int preemption_bound, Shard shard, std::uint64_t unfair_steps)
      : TreeStrategy(preemption_bound, shard, true, unfair_steps) {}

 private:
  struct KeyState {
    std::int64_t last_write = -1;
    std::vector<std::uint32_t> reads;  // since the last write
  };

  std::uint32_t clock(std::size_t event, std::uint32_t thread) const {
    return clocks_[event * threads_ + thread];
  }

  void analyze() override {
    const auto& events = log_->events;
    const std::size_t m = events.size();
    threads_ = 0;
    for (const auto& e : events) threads_ = std::max<std::size_t>(threads_, e.thread + 1);
    clocks_.assign(m * threads_, 0);
    local_.assign(m, 0);
    node_of_.assign(m, -1);
    for (std::size_t d = 0; d < nodes_.size(); ++d) {
      if (!nodes_[d].draw && nodes_[d].event < m) node_of_[nodes_[d].event] = static_cast<int>(d);
    }
    std::vector<std::int64_t> last_of_thread(threads_, -1);
    std::vector<std::uint32_t> count(threads_, 0);
    keys_.clear();
    std::vector<std::uint32_t> preds;
    std::vector<std::uint32_t> races;
    for (std::size_t j = 0; j < m; ++j) {
      const LogEvent& ej = events[j];
      std::uint32_t* cj = &clocks_[j * threads_];
      if (last_of_thread[ej.thread] >= 0) {
        const std::uint32_t* prev =
            &clocks_[static_cast<std::size_t>(last_of_thread[ej.thread]) * threads_];
        std::copy(prev, prev + threads_, cj);
      }
      // The earlier events this one depends on: per object, the last write, and for a write the
      // reads since. Older ones are ordered before those already.
      preds.clear();
      const auto fp = log_->footprint(ej);
      for (const Access& a : fp) {
        auto it = keys_.find(a.key);
        if (it == keys_.end()) continue;
        if (it->second.last_write >= 0)
          preds.push_back(static_cast<std::uint32_t>(it->second.last_write));
        if (a.write) preds.insert(preds.end(), it->second.reads.begin(), it->second.reads.end());
      }
      std::sort(preds.begin(), preds.end(), std::greater<>());
      preds.erase(std::unique(preds.begin(), preds.end()), preds.end());
      races.clear();
      for (std::uint32_t i : preds) {
        const std::uint32_t ti = events[i].thread;
        if (ti == ej.thread || local_[i] <= cj[ti]) continue;  // ordered already
        races.push_back(i);
        const std::uint32_t* ci = &clocks_[static_cast<std::size_t>(i) * threads_];
        for (std::size_t t = 0; t < threads_; ++t) cj[t] = std::max(cj[t], ci[t]);
      }
      local_[j] = ++count[ej.thread];
      cj[ej.thread] = local_[j];
      last_of_thread[ej.thread] = static_cast<std::int64_t>(j);
      for (std::uint32_t i : races) reverse(i, j);
      for (const Access& a : fp) {
        KeyState& k = keys_[a.key];
        if (a.write) {
          k.last_write = static_cast<std::int64_t>(j);
          k.reads.clear();
        } else {
          k.reads.push_back(static_cast<std::uint32_t>(j));
        }
      }
    }
    // A bug ended this run while other threads could still go on: their later operations never
    // ran, so no race with them was seen. Each of them gets to go before the failing event.
    if (log_->cut_short && m > 0 && node_of_[m - 1] >= 0) {
      for (State& st : nodes_[static_cast<std::size_t>(node_of_[m - 1])].state) {
        if (st == kIdle) st = kTodo;
      }
    }
  }

  // Makes sure the order where the race (i, j) goes the other way will be explored.
  void reverse(std::uint32_t i, std::uint32_t j) {
    const int d = node_of_[i];
    if (d < 0) return;  // nobody else could run there
    Node& n = nodes_[static_cast<std::size_t>(d)];
    if (n.full) return;
    const auto& events = log_->events;
    const std::uint32_t ti = events[i].thread;
    const std::uint32_t p = events[j].thread;
    // v: the events between i and j that do not happen after i; each thread's first one.
    first_.assign(threads_, -1);
    for (std::uint32_t k = i + 1; k < j; ++k) {
      const std::uint32_t tk = events[k].thread;
      if (first_[tk] < 0 && clock(k, ti) < local_[i]) first_[tk] = static_cast<std::int64_t>(k);
    }
    const auto initial = [&](std::size_t e, std::uint32_t thread) {
      for (std::size_t w = 0; w < threads_; ++w) {
        if (w == thread || first_[w] < 0) continue;
        if (clock(e, static_cast<std::uint32_t>(w)) >=
            local_[static_cast<std::size_t>(first_[w])]) {
          return false;
        }
      }
      return true;
    };
    initials_.clear();
    for (std::size_t t = 0; t < threads_; ++t) {
      if (first_[t] >= 0 &&
          initial(static_cast<std::size_t>(first_[t]), static_cast<std::uint32_t>(t))) {
        initials_.push_back(static_cast<std::uint32_t>(t));
      }
    }
    if (first_[p] < 0 && initial(j, p)) {
      // j itself can go first: only if p could run at that node (else i made j possible).
      if (option_of(n, p) == n.options.size()) return;
      initials_.push_back(p);
    }
    // Already covered when one of the initials is explored or to be explored there.
    std::size_t pick = n.options.size();
    for (std::uint32_t t : initials_) {
      const std::size_t o = option_of(n, t);
      if (o == n.options.size()) continue;
      if (n.state[o] == kTodo || n.state[o] == kDone) return;
      if (n.state[o] == kIdle && (pick == n.options.size() || t == p)) pick = o;
    }
    if (pick < n.options.size()) n.state[pick] = kTodo;
  }

  std::size_t threads_ = 0;
  std::vector<std::uint32_t> clocks_;  // per event, per thread
  std::vector<std::uint32_t> local_;   // per event: its number in its thread (from 1)
  std::vector<int> node_of_;           // per event: the node whose choice started it, or -1
  std::unordered_map<std::uint64_t, KeyState> keys_;
  std::vector<std::int64_t> first_;
  std::vector<std::uint32_t> initials_;
};

}  // namespace

std::unique_ptr<StrategyImpl> make_dpor_strategy(int preemption_bound, Shard shard,
                                                 std::uint64_t unfair_steps) {
  return std::make_unique<DporStrategy>(preemption_bound, shard, unfair_steps);
}

}  // namespace weave::detail
