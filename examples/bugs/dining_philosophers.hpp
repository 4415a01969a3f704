#pragma once
// Dining philosophers: each philosopher picks up the fork on the left, then the one on the right.
// If all pick up their left fork at once, nobody can eat: a circular wait. The fix breaks the
// cycle: the last philosopher picks up the right fork first.
#include <memory>
#include <string>
#include <vector>
#include <weave/weave.hpp>

namespace examples::bugs::dining_philosophers {

inline void run(bool ordered, int n = 3) {
  std::vector<std::unique_ptr<weave::Lock>> forks;
  for (int i = 0; i < n; ++i)
    forks.push_back(std::make_unique<weave::Lock>("fork-" + std::to_string(i)));
  weave::Shared<int> meals{0, "meals"};
  std::vector<std::unique_ptr<weave::Thread>> philosophers;
  for (int i = 0; i < n; ++i) {
    weave::Lock* left = forks[i].get();
    weave::Lock* right = forks[(i + 1) % n].get();
    if (ordered && i == n - 1) std::swap(left, right);
    philosophers.push_back(std::make_unique<weave::Thread>(
        weave::ThreadOptions{"philosopher-" + std::to_string(i)}, [left, right, &meals] {
          left->acquire();
          right->acquire();
          meals += 1;
          right->release();
          left->release();
        }));
  }
  for (auto& p : philosophers) p->start();
  for (auto& p : philosophers) p->join();
  WEAVE_ASSERT(meals.load() == n);
}

inline void buggy() { run(false); }
inline void fixed() { run(true); }

}  // namespace examples::bugs::dining_philosophers
