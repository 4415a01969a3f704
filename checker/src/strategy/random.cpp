#include <memory>

#include "strategy.hpp"

namespace weave::detail {

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void Rng::reseed(std::uint64_t seed) noexcept {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next() noexcept {
  auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t bound) noexcept {
  // Lemire's multiply-shift; the tiny bias is irrelevant for scheduling.
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
}

namespace {

// Uniformly random walk: every decision picks any candidate with equal probability.
class RandomStrategy final : public StrategyImpl {
 public:
  explicit RandomStrategy(std::uint64_t seed) : seed_(seed) {}
  bool new_execution() override {
    std::uint64_t s = seed_ + 0x632BE59BD9B4E019ull * ++executions_;
    rng_.reseed(splitmix64(s));
    return true;
  }
  void skip_execution() override { ++executions_; }
  std::size_t next_thread(const Decision& d) override { return rng_.below(d.candidates.size()); }
  std::uint64_t next_u64(std::uint64_t bound) override { return rng_.below(bound); }

 private:
  std::uint64_t seed_;
  std::uint64_t executions_ = 0;
  Rng rng_;
};

}  // namespace

std::unique_ptr<StrategyImpl> make_random_strategy(std::uint64_t seed) {
  return std::make_unique<RandomStrategy>(seed);
}

}  // namespace weave::detail
