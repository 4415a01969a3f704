#include "guided.hpp"

#include <utility>

#include "../schedule.hpp"

namespace weave::detail {

namespace {

class GuidedStrategy final : public StrategyImpl {
 public:
  explicit GuidedStrategy(std::vector<std::uint32_t> guide) : guide_(std::move(guide)) {}

  bool new_execution() override {
    next_ = 0;
    return true;
  }

  std::size_t next_thread(const Decision& d) override {
    const auto candidates = d.candidates;
    const std::uint32_t current = d.current;
    while (next_ < guide_.size()) {
      const std::uint32_t want = guide_[next_];
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (candidates[i] == want) {
          ++next_;
          return i;
        }
      }
      // That thread cannot run now: its run of choices goes, rather than lengthen another
      // thread's run (an edit may have let a thread block earlier than it did).
      while (next_ < guide_.size() && guide_[next_] == want) ++next_;
    }
    // No preemption where the guide does not ask for one: that is what shrinking is after.
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i] == current) return i;
    }
    // Candidates list the runnable threads in order, then the timeouts.
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if ((candidates[i] & kTimeoutBit) == 0) return i;
    }
    return 0;
  }

  std::uint64_t next_u64(std::uint64_t bound) override {
    // A draw the guide does not have here is "no" (0, no spurious wakeup), and uses up nothing.
    if (next_ < guide_.size() && (guide_[next_] & kDrawBit) != 0) {
      const std::uint32_t want = guide_[next_++] & ~kDrawBit;
      if (want < bound) return want;
    }
    return 0;
  }

 private:
  std::vector<std::uint32_t> guide_;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<StrategyImpl> make_guided_strategy(std::vector<std::uint32_t> guide) {
  return std::make_unique<GuidedStrategy>(std::move(guide));
}

}  // namespace weave::detail
