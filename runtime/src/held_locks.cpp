#include "weave/detail/held_locks.hpp"

#include <algorithm>

namespace weave::detail {

namespace {
// Holes are swept out once there are more of them than this and than live locks.
constexpr std::size_t kCompactAt = 32;
}  // namespace

void HeldLocks::push(const Object& lock, Key key, const char* file, std::uint32_t line,
                     bool try_only) {
  if (find(key) != nullptr) ++unmapped_;  // the table names the latest hold
  slots_.push_back({&lock, {key, file, line, try_only}, true, HeldSets::kEmpty, 0});
  put(key, slots_.size() - 1);
  ++live_;
}

bool HeldLocks::remove(Key key) {
  Cell* cell = find(key);
  if (cell == nullptr) return false;
  const std::size_t gone = cell->slot - 1;
  erase(cell);
  slots_[gone].live = false;
  --live_;
  cached_ = std::min(cached_, gone);
  if (unmapped_ > 0) {
    for (std::size_t i = gone; i-- > 0;) {
      if (slots_[i].live && slots_[i].entry.key == key) {
        put(key, i);
        --unmapped_;
        break;
      }
    }
  }
  while (!slots_.empty() && !slots_.back().live) slots_.pop_back();
  cached_ = std::min(cached_, slots_.size());
  const std::size_t holes = slots_.size() - live_;
  if (holes > kCompactAt && holes > live_) compact();
  return true;
}

void HeldLocks::clear() {
  slots_.clear();
  std::fill(cells_.begin(), cells_.end(), Cell{});
  used_ = live_ = cached_ = unmapped_ = 0;
}

HeldSets::Id HeldLocks::stack(HeldSets& sets) {
  // A stack is freed only after the ones above it: the highest that is alive has its whole
  // prefix alive.
  std::size_t i = cached_;
  HeldSets::Id node = HeldSets::kEmpty;
  for (; i > 0; --i) {
    const Slot& s = slots_[i - 1];
    if (s.live && sets.alive(s.node, s.stamp)) {
      node = s.node;
      break;
    }
  }
  for (; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    if (!s.live) continue;
    node = sets.push(node, s.entry);
    s.node = node;
    s.stamp = sets.stamp(node);
  }
  cached_ = slots_.size();
  return node;
}

void HeldLocks::compact() {
  std::size_t kept = 0, cached = 0;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i].live) continue;
    if (i < cached_) ++cached;
    slots_[kept++] = slots_[i];
  }
  slots_.resize(kept);
  cached_ = cached;
  std::fill(cells_.begin(), cells_.end(), Cell{});
  used_ = 0;
  for (std::size_t i = 0; i < slots_.size(); ++i) put(slots_[i].entry.key, i);
  unmapped_ = live_ - used_;
}

std::size_t HeldLocks::home(Key key) const {
  return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> 32) & (cells_.size() - 1);
}

HeldLocks::Cell* HeldLocks::find(Key key) {
  if (cells_.empty()) return nullptr;
  for (std::size_t i = home(key);; i = (i + 1) & (cells_.size() - 1)) {
    if (cells_[i].slot == 0) return nullptr;
    if (cells_[i].key == key) return &cells_[i];
  }
}

void HeldLocks::put(Key key, std::size_t slot) {
  if ((used_ + 1) * 4 > cells_.size() * 3) {
    std::vector<Cell> old(std::max<std::size_t>(16, cells_.size() * 2));
    old.swap(cells_);
    used_ = 0;
    for (const Cell& c : old) {
      if (c.slot != 0) put(c.key, c.slot - 1);
    }
  }
  for (std::size_t i = home(key);; i = (i + 1) & (cells_.size() - 1)) {
    if (cells_[i].slot == 0) {
      cells_[i] = {key, static_cast<std::uint32_t>(slot + 1)};
      ++used_;
      return;
    }
    if (cells_[i].key == key) {
      cells_[i].slot = static_cast<std::uint32_t>(slot + 1);
      return;
    }
  }
}

void HeldLocks::erase(Cell* cell) {
  // Backward-shift deletion: later cells of the probe run move into the hole when that brings
  // them no further from home, so lookups never need tombstones.
  const std::size_t mask = cells_.size() - 1;
  auto hole = static_cast<std::size_t>(cell - cells_.data());
  cells_[hole] = Cell{};
  for (std::size_t j = (hole + 1) & mask; cells_[j].slot != 0; j = (j + 1) & mask) {
    if (((j - home(cells_[j].key)) & mask) >= ((j - hole) & mask)) {
      cells_[hole] = cells_[j];
      cells_[j] = Cell{};
      hole = j;
    }
  }
  --used_;
}

}  // namespace weave::detail
