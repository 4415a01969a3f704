#pragma once
// Two threads each add one to a counter, with or without the lock; the body asserts the sum.
// Checked with the lock, no bug may be found; without it, the checker must find the lost update.
#include <weave/weave.hpp>

inline void two_adders(bool locked) {
  weave::Lock lock{"counter"};
  weave::Shared<int> counter{0};
  auto add = [&] {
    if (locked) lock.acquire();
    counter = counter.load() + 1;
    if (locked) lock.release();
  };
  weave::Thread a(add);
  weave::Thread b(add);
  a.start();
  b.start();
  a.join();
  b.join();
  WEAVE_ASSERT(counter.load() == 2);
}

inline weave::Config two_adders_config() {
  weave::Config config;
  config.iterations = 200;
  config.seed = 1;
  return config;
}
