// PCT: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
// ASPLOS 2010). Each thread gets a random priority; the highest-priority candidate always runs;
// at d-1 random steps (spread over the longest schedule seen so far) the running thread's
// priority drops below every initial one. A bug of depth d is found with probability at least
// 1/(n * k^(d-1)) per schedule (n threads, k steps).
//
// Fairness (as CHESS's fair scheduler): a thread that yields or spins (Decision::yielded) drops
// below every other thread, the latest one lowest, so that a spin loop lets the thread it waits for
// run instead of starving it at the top priority.
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>
#include <vector>

#include "strategy.hpp"

namespace weave::detail {

namespace {

class PctStrategy final : public StrategyImpl {
 public:
  PctStrategy(std::uint64_t seed, int depth) : seed_(seed), depth_(depth < 1 ? 1 : depth) {}

  bool new_execution() override {
    std::uint64_t s = seed_ + 0x9E3779B97F4A7C15ull * ++executions_;
    rng_.reseed(splitmix64(s));
    priorities_.clear();
    change_points_.clear();
    next_change_ = 0;
    next_low_ = 0;
    const std::uint64_t k = std::max<std::uint64_t>(longest_, 2);
    for (int i = 1; i < depth_; ++i) change_points_.push_back(1 + rng_.below(k));
    std::sort(change_points_.begin(), change_points_.end());
    return true;
  }

  std::size_t next_thread(const Decision& d) override {
    const auto candidates = d.candidates;
    // Priority changes due at this step apply to the thread that was running.
    while (next_change_ < change_points_.size() && change_points_[next_change_] <= d.step) {
      // below every initial priority (those are > depth)
      priority(d.current) = static_cast<std::int64_t>(next_change_) + 1;
      ++next_change_;
    }
    if (d.yielded) priority(d.current) = next_low_--;
    const bool compete = timeouts_compete(candidates, rng_);
    std::size_t best = candidates.size();
    std::int64_t best_priority = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const bool timeout = (candidates[i] & kTimeoutBit) != 0;
      if (timeout && !compete) continue;
      const std::int64_t p = priority(candidate_thread(candidates[i]));
      // Between equals, running beats timing out.
      if (best == candidates.size() || p > best_priority ||
          (p == best_priority && (candidates[best] & kTimeoutBit) != 0 && !timeout)) {
        best = i;
        best_priority = p;
      }
    }
    return best;
  }

  std::uint64_t next_u64(std::uint64_t bound) override { return rng_.below(bound); }

  // k, the length the change points spread over, is the first schedule's: a sharded search
  // then draws the same schedules in every process (each one runs the first to learn it).
  void end_execution(std::uint64_t steps) override {
    if (executions_ == 1) longest_ = steps;
    max_steps_ = std::max(max_steps_, steps);
    max_threads_ = std::max<std::uint64_t>(max_threads_, priorities_.size());
  }
  void skip_execution() override { ++executions_; }
  bool learns_from_first() const override { return true; }

  // PCT's guarantee: one schedule finds a bug of depth d with probability at least
  // 1/(n k^(d-1)); after N schedules it is missed with probability at most (1 - that)^N.
  std::string coverage(std::uint64_t schedules) const override {
    if (schedules == 0) return {};
    const double n = static_cast<double>(std::max<std::uint64_t>(max_threads_, 1));
    const double k = static_cast<double>(std::max<std::uint64_t>(max_steps_, 1));
    const double p = 1.0 / (n * std::pow(k, depth_ - 1));
    const double miss =
        std::exp(static_cast<double>(schedules) * std::log1p(-std::min(p, 1.0 - 1e-16)));
    return fmt::format(
        "PCT depth {}: {} schedules of up to {} threads and {} steps; a bug of depth {} would "
        "be missed with probability at most {:.3g}",
        depth_, schedules, max_threads_, max_steps_, depth_, miss);
  }

 private:
  std::int64_t& priority(std::uint32_t thread) {
    if (thread >= priorities_.size()) priorities_.resize(thread + 1, kUnset);
    std::int64_t& p = priorities_[thread];
    // New threads get a random initial priority, all of them above the change-point values.
    if (p == kUnset)
      p = static_cast<std::int64_t>(depth_) + 1 + static_cast<std::int64_t>(rng_.next() >> 2);
    return p;
  }
  static constexpr std::int64_t kUnset = INT64_MIN;

  std::uint64_t seed_;
  int depth_;
  std::uint64_t executions_ = 0;
  std::uint64_t longest_ = 0;
  std::uint64_t max_steps_ = 0;
  std::uint64_t max_threads_ = 0;
  Rng rng_;
  std::vector<std::int64_t> priorities_;
  std::vector<std::uint64_t> change_points_;
  std::size_t next_change_ = 0;
  std::int64_t next_low_ = 0;  // the next yielding thread's priority: below all others
};

}  // namespace

std::unique_ptr<StrategyImpl> make_pct_strategy(std::uint64_t seed, int depth) {
  return std::make_unique<PctStrategy>(seed, depth);
}

}  // namespace weave::detail
