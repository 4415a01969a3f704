// A program outside weave that uses it as a user would: four threads add to a counter under a
// Lock. Built against an installed weave (find_package) and a vendored one (add_subdirectory).
#include <cstdio>
#include <memory>
#include <mutex>
#include <vector>
#include <weave/weave.hpp>

int main() {
  constexpr int kThreads = 4;
  constexpr int kAdds = 1000;
  weave::Lock lock{"counter"};
  long counter = 0;
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&] {
      for (int j = 0; j < kAdds; ++j) {
        std::lock_guard guard(lock);
        ++counter;
      }
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  std::printf("consumer: counter = %ld\n", counter);
  return counter == kThreads * kAdds ? 0 : 1;
}
