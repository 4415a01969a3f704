// Uncontended acquire + release: weave::Semaphore vs a counting semaphore built from std::mutex
// and std::condition_variable (the baseline), and std::counting_semaphore (for information: it is
// a lock-free atomic counter, a different design).
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <semaphore>
#include <weave/semaphore.hpp>

#include "bench_main.hpp"

namespace {

// The classic semaphore: a counter under a mutex, a condition variable to wait for it.
class CondvarSemaphore {
 public:
  explicit CondvarSemaphore(std::size_t value) : value_(value) {}
  void acquire() {
    std::unique_lock lock(mutex_);
    if (value_ == 0) {
      ++waiting_;
      cond_.wait(lock, [&] { return value_ > 0; });
      --waiting_;
    }
    --value_;
  }
  void release() {
    std::unique_lock lock(mutex_);
    ++value_;
    const bool wake = waiting_ > 0;
    lock.unlock();
    if (wake) cond_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cond_;
  std::size_t value_;
  std::size_t waiting_ = 0;
};

template <class S>
void acquire_release(benchmark::State& state, S& sem, const char* label) {
  for (auto _ : state) {
    sem.acquire();
    sem.release();
    benchmark::ClobberMemory();
  }
  state.SetLabel(label);
}

void semaphore_weave(benchmark::State& state) {
  weave::Semaphore sem(1);
  acquire_release(state, sem, "weave::Semaphore");
}
void semaphore_condvar(benchmark::State& state) {
  CondvarSemaphore sem(1);
  acquire_release(state, sem, "std::mutex + std::condition_variable");
}
void semaphore_counting(benchmark::State& state) {
  std::counting_semaphore<> sem(1);
  acquire_release(state, sem, "std::counting_semaphore");
}

}  // namespace

BENCHMARK(semaphore_weave)->Name("Semaphore acquire+release/weave");
BENCHMARK(semaphore_condvar)->Name("Semaphore acquire+release/baseline");
BENCHMARK(semaphore_counting)->Name("Semaphore acquire+release/info");
