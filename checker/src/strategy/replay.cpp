#include <fmt/format.h>

#include <memory>
#include <vector>

#include "../schedule.hpp"
#include "strategy.hpp"

namespace weave::detail {

namespace {

std::string describe(std::uint32_t c) {
  if ((c & kDrawBit) != 0) return fmt::format("the random draw {}", c & ~kDrawBit);
  if ((c & kTimeoutBit) != 0) return fmt::format("a timeout of thread #{}", c & ~kTimeoutBit);
  return fmt::format("thread #{}", c);
}

// Follows a recorded schedule choice by choice, and says exactly where it no longer fits.
class ReplayStrategy final : public StrategyImpl {
 public:
  explicit ReplayStrategy(std::vector<std::uint32_t> choices) : choices_(std::move(choices)) {}

  bool new_execution() override {
    next_ = 0;
    divergence_.clear();
    return true;
  }

  std::size_t next_thread(const Decision& d) override {
    const auto candidates = d.candidates;
    if (!divergence_.empty()) return kDiverged;
    if (next_ >= choices_.size()) {
      divergence_ =
          "the schedule has no more choices, but the program goes on with more than one "
          "thread able to run";
      return kDiverged;
    }
    const std::uint32_t want = choices_[next_++];
    if ((want & kDrawBit) != 0) {
      divergence_ = fmt::format("the schedule expects {} here, but the program chooses a thread",
                                describe(want));
      return kDiverged;
    }
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i] == want) return i;
    }
    std::string options;
    for (std::uint32_t c : candidates) {
      if (!options.empty()) options += ", ";
      options += describe(c);
    }
    divergence_ = fmt::format("the schedule runs {}, which cannot go on here (the options are: {})",
                              describe(want), options);
    return kDiverged;
  }

  std::uint64_t next_u64(std::uint64_t bound) override {
    if (!divergence_.empty()) return kDivergedDraw;
    if (next_ >= choices_.size()) {
      divergence_ = "the schedule has no more choices, but the program makes a random choice";
      return kDivergedDraw;
    }
    const std::uint32_t want = choices_[next_++];
    if ((want & kDrawBit) == 0 || (want & ~kDrawBit) >= bound) {
      divergence_ =
          fmt::format("the schedule has {} here, but the program makes a random choice among {}",
                      describe(want), bound);
      return kDivergedDraw;
    }
    return want & ~kDrawBit;
  }

  std::string divergence() const override { return divergence_; }
  std::size_t unused_choices() const override { return choices_.size() - next_; }

  static constexpr std::size_t kDiverged = static_cast<std::size_t>(-1);
  static constexpr std::uint64_t kDivergedDraw = static_cast<std::uint64_t>(-1);

 private:
  std::vector<std::uint32_t> choices_;
  std::size_t next_ = 0;
  std::string divergence_;
};

}  // namespace

std::unique_ptr<StrategyImpl> make_replay_strategy(std::vector<std::uint32_t> choices) {
  return std::make_unique<ReplayStrategy>(std::move(choices));
}

}  // namespace weave::detail
