// POS: partial order sampling (Yuan, Yang, Gu: "Partial Order Aware Concurrency Sampling",
// CAV 2018). Every pending event has a random priority and the highest one runs. After an event
// runs, its thread's next event and every pending event that conflicts with it (touches one of its
// objects, not both reading) draw fresh priorities. Unlike a uniform random walk, this samples the
// orders of dependent events evenly instead of the interleavings of independent ones.
//
// Fairness: a thread that yields or spins (Decision::yielded) drops below every other pending
// event, the latest one lowest, until its own next event draws a fresh priority.
#include <algorithm>
#include <climits>
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
    next_low_ = 0;
    return true;
  }
  void skip_execution() override { ++executions_; }
  bool wants_events() const override { return true; }
  void attach(const EventLog* log) override { log_ = log; }

  std::size_t next_thread(const Decision& d) override {
    const auto candidates = d.candidates;
    refresh();
    if (d.yielded) priority(d.current) = next_low_--;
    const bool compete = timeouts_compete(candidates, rng_);
    std::size_t best = candidates.size();
    std::int64_t best_priority = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if ((candidates[i] & kTimeoutBit) != 0 && !compete) continue;
      const std::int64_t p = priority(candidate_thread(candidates[i]));
      if (best == candidates.size() || p > best_priority) {
        best = i;
        best_priority = p;
      }
    }
    return best;
  }

  std::uint64_t next_u64(std::uint64_t bound) override { return rng_.below(bound); }

 private:
  // Drawn priorities are positive; those of yielding threads are 0, -1, -2 ...
  std::int64_t& priority(std::uint32_t thread) {
    if (thread >= priorities_.size()) priorities_.resize(thread + 1, kUnset);
    std::int64_t& p = priorities_[thread];
    if (p == kUnset) p = draw();
    return p;
  }
  std::int64_t draw() { return static_cast<std::int64_t>(rng_.next() >> 1) | 1; }
  static constexpr std::int64_t kUnset = INT64_MIN;

  // Fresh priorities after each event that ended since the last decision.
  void refresh() {
    if (log_ == nullptr) return;
    const std::size_t closed = log_->events.size() - (log_->open ? 1 : 0);
    for (; seen_ < closed; ++seen_) {
      const LogEvent& e = log_->events[seen_];
      const auto fp = log_->footprint(e);
      priority(e.thread) = draw();
      for (std::uint32_t u = 0; u < log_->pending.size(); ++u) {
        if (u != e.thread && dependent(log_->pending[u], fp)) priority(u) = draw();
      }
    }
  }

  std::uint64_t seed_;
  std::uint64_t executions_ = 0;
  Rng rng_;
  const EventLog* log_ = nullptr;
  std::vector<std::int64_t> priorities_;
  std::size_t seen_ = 0;
  std::int64_t next_low_ = 0;
};

}  // namespace

std::unique_ptr<StrategyImpl> make_pos_strategy(std::uint64_t seed) {
  return std::make_unique<PosStrategy>(seed);
}

}  // namespace weave::detail
