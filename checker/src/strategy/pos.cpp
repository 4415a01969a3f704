// POS: partial order sampling (Yuan, Yang, Gu: "Partial Order Aware Concurrency Sampling",
// CAV 2018). Every pending event has a random priority and the highest one runs. After an event
// runs, its thread's next event and every pending event that conflicts with it (touches one of its
// objects, not both reading) draw fresh priorities. Unlike a uniform random walk, this samples the
// orders of dependent events evenly instead of the interleavings of independent ones.
#include <algorithm>
#include <memory>
#include <vector>

#include "strategy.hpp"

namespace weave::detail {

namespace {

class PosStrategy final : public StrategyImpl {
 public:
  explicit PosStrategy(std::uint64_t seed) : seed_(seed) {}

  bool new_execution() override {
    std::uint64_t s = seed_ + 0xD1B54A32D192ED03ull * ++executions_;
    rng_.reseed(splitmix64(s));
    priorities_.clear();
    seen_ = 0;
    return true;
  }
  void skip_execution() override { ++executions_; }
  bool wants_events() const override { return true; }
  void attach(const EventLog* log) override { log_ = log; }

  std::size_t next_thread(std::span<const std::uint32_t> candidates, std::uint32_t,
                          std::uint64_t) override {
    refresh();
    const bool compete = timeouts_compete(candidates, rng_);
    std::size_t best = candidates.size();
    std::uint64_t best_priority = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if ((candidates[i] & kTimeoutBit) != 0 && !compete) continue;
      const std::uint64_t p = priority(candidate_thread(candidates[i]));
      if (best == candidates.size() || p > best_priority) {
        best = i;
        best_priority = p;
      }
    }
    return best;
  }

  std::uint64_t next_u64(std::uint64_t bound) override { return rng_.below(bound); }

 private:
  std::uint64_t& priority(std::uint32_t thread) {
    if (thread >= priorities_.size()) priorities_.resize(thread + 1, 0);
    std::uint64_t& p = priorities_[thread];
    if (p == 0) p = rng_.next() | 1;
    return p;
  }

  // Fresh priorities after each event that ended since the last decision.
  void refresh() {
    if (log_ == nullptr) return;
    const std::size_t closed = log_->events.size() - (log_->open ? 1 : 0);
    for (; seen_ < closed; ++seen_) {
      const LogEvent& e = log_->events[seen_];
      const auto fp = log_->footprint(e);
      priority(e.thread) = rng_.next() | 1;
      for (std::uint32_t u = 0; u < log_->pending.size(); ++u) {
        if (u != e.thread && dependent(log_->pending[u], fp)) priority(u) = rng_.next() | 1;
      }
    }
  }

  std::uint64_t seed_;
  std::uint64_t executions_ = 0;
  Rng rng_;
  const EventLog* log_ = nullptr;
  std::vector<std::uint64_t> priorities_;
  std::size_t seen_ = 0;
};

}  // namespace

std::unique_ptr<StrategyImpl> make_pos_strategy(std::uint64_t seed) {
  return std::make_unique<PosStrategy>(seed);
}

}  // namespace weave::detail
