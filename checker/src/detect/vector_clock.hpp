#pragma once
// Vector clocks for happens-before: one logical clock per thread of the execution.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace weave::detail {

class VectorClock {
 public:
  std::uint32_t get(std::uint32_t thread) const noexcept {
    return thread < c_.size() ? c_[thread] : 0;
  }
  void set(std::uint32_t thread, std::uint32_t value) {
    if (thread >= c_.size()) c_.resize(thread + 1, 0);
    c_[thread] = value;
  }
  void tick(std::uint32_t thread) { set(thread, get(thread) + 1); }
  // this = max(this, other), component by component.
  void join(const VectorClock& other) {
    if (other.c_.size() > c_.size()) c_.resize(other.c_.size(), 0);
    for (std::size_t i = 0; i < other.c_.size(); ++i) c_[i] = std::max(c_[i], other.c_[i]);
  }
  // Back to all zeros, keeping the storage (no allocation in the next execution).
  void clear() noexcept { std::fill(c_.begin(), c_.end(), 0u); }

 private:
  std::vector<std::uint32_t> c_;
};

// An epoch: one thread's clock value, i.e. one point in that thread's history (FastTrack).
struct Epoch {
  std::uint32_t thread = 0;
  std::uint32_t clock = 0;  // 0: none
  // Happens before a thread whose clock is `vc`.
  bool before(const VectorClock& vc) const noexcept { return clock <= vc.get(thread); }
};

}  // namespace weave::detail
