// A program outside weave that uses the checker as a user would: it explores a correct locked
// counter (no bug may be found) and a lost update (the checker must find it).
#include <cstdio>
#include <weave/check.hpp>
#include <weave/weave.hpp>

namespace {

// Two threads each add one to a counter, with or without the lock; the body asserts the sum.
void two_adders(bool locked) {
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

}  // namespace

int main() {
  weave::Config config;
  config.iterations = 200;
  config.seed = 1;
  const weave::Result good = weave::check([] { two_adders(true); }, config);
  const weave::Result bad = weave::check([] { two_adders(false); }, config);
  std::printf("consumer_check: locked ok=%d, unlocked ok=%d\n", good.ok(), bad.ok());
  if (!good.ok()) std::printf("%s\n", good.report().c_str());
  return good.ok() && !bad.ok() ? 0 : 1;
}
