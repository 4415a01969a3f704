// The fair suffix (as Coyote's liveness checking): a priority strategy (PCT, POS) is unfair on
// purpose, and a thread that busy-waits with real progress of its own (a counter it bumps while it
// polls a flag) can keep the top priority forever, so that a program that ends under every fair
// schedule is reported as a livelock. Past `unfair_steps` steps of one execution, every decision
// is a uniform random choice instead: a program that ends under fair scheduling then ends with
// probability 1, and max_steps still catches the ones that cannot end.
#include <memory>
#include <utility>

#include "strategy.hpp"

namespace weave::detail {

namespace {

class FairSuffix final : public StrategyImpl {
 public:
  FairSuffix(std::unique_ptr<StrategyImpl> inner, std::uint64_t seed, std::uint64_t unfair_steps)
      : inner_(std::move(inner)), seed_(seed), unfair_steps_(unfair_steps) {}

  bool new_execution() override {
    std::uint64_t s = seed_ + 0xA0761D6478BD642Full * ++executions_;
    rng_.reseed(splitmix64(s));
    return inner_->new_execution();
  }
  std::size_t next_thread(const Decision& d) override {
    if (d.step > unfair_steps_) return rng_.below(d.candidates.size());
    return inner_->next_thread(d);
  }
  std::uint64_t next_u64(std::uint64_t bound) override { return inner_->next_u64(bound); }
  void end_execution(std::uint64_t steps) override { inner_->end_execution(steps); }
  std::string divergence() const override { return inner_->divergence(); }
  std::size_t unused_choices() const override { return inner_->unused_choices(); }
  bool wants_events() const override { return inner_->wants_events(); }
  void attach(const EventLog* log) override { inner_->attach(log); }
  void skip_execution() override {
    ++executions_;
    inner_->skip_execution();
  }
  bool counts() const override { return inner_->counts(); }
  bool learns_from_first() const override { return inner_->learns_from_first(); }
  std::string coverage(std::uint64_t schedules) const override {
    return inner_->coverage(schedules);
  }

 private:
  std::unique_ptr<StrategyImpl> inner_;
  std::uint64_t seed_;
  std::uint64_t unfair_steps_;
  std::uint64_t executions_ = 0;
  Rng rng_;
};

}  // namespace

std::unique_ptr<StrategyImpl> with_fair_suffix(std::unique_ptr<StrategyImpl> inner,
                                               std::uint64_t seed, std::uint64_t unfair_steps) {
  return std::make_unique<FairSuffix>(std::move(inner), seed, unfair_steps);
}

}  // namespace weave::detail
