#pragma once
// Producer/consumer with `if` instead of `while`: a consumer that wakes up does not re-check
// that an item is still there. With two consumers, the other one may have taken it first, and
// the consumer pops from an empty buffer (the assertion). The fix waits in a loop (wait_for).
#include <deque>
#include <mutex>
#include <weave/weave.hpp>

namespace examples::bugs::producer_consumer {

inline void run(bool loop) {
  weave::Condition ready{"ready"};
  std::deque<int> items;
  weave::Shared<int> consumed{0, "consumed"};
  auto consumer = [&] {
    std::lock_guard<weave::Condition> g(ready);
    if (loop) {
      ready.wait_for([&] { return !items.empty(); });
    } else if (items.empty()) {
      ready.wait();
    }
    WEAVE_ASSERT(!items.empty());
    items.pop_front();
    consumed += 1;
  };
  weave::Thread c1(weave::ThreadOptions{"consumer-1"}, consumer);
  weave::Thread c2(weave::ThreadOptions{"consumer-2"}, consumer);
  c1.start();
  c2.start();
  for (int i = 0; i < 2; ++i) {
    std::lock_guard<weave::Condition> g(ready);
    items.push_back(i);
    ready.notify();
  }
  c1.join();
  c2.join();
  WEAVE_ASSERT(consumed.load() == 2);
}

inline void buggy() { run(false); }
inline void fixed() { run(true); }

}  // namespace examples::bugs::producer_consumer
