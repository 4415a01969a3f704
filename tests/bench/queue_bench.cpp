// Producer -> consumer hand-off of ints: a producer thread puts as many items as the benchmark
// iterates, the timed thread gets one per iteration. weave::Queue<int> (producer: weave::Thread)
// vs a std::deque under a std::mutex with std::condition_variables (producer: std::thread), both
// unbounded and bounded to 64 items.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <weave/queue.hpp>
#include <weave/thread.hpp>

#include "bench_main.hpp"

namespace {

// The textbook blocking queue; maxsize 0: unbounded.
class CondvarQueue {
 public:
  explicit CondvarQueue(std::size_t maxsize) : maxsize_(maxsize) {}
  void put(int item) {
    std::unique_lock lock(mutex_);
    while (maxsize_ > 0 && items_.size() >= maxsize_) not_full_.wait(lock);
    items_.push_back(item);
    lock.unlock();
    not_empty_.notify_one();
  }
  int get() {
    std::unique_lock lock(mutex_);
    while (items_.empty()) not_empty_.wait(lock);
    const int item = items_.front();
    items_.pop_front();
    lock.unlock();
    if (maxsize_ > 0) not_full_.notify_one();
    return item;
  }

 private:
  const std::size_t maxsize_;
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<int> items_;
};

template <std::size_t MaxSize>
void queue_weave(benchmark::State& state) {
  weave::Queue<int> queue(MaxSize);
  const std::int64_t n = static_cast<std::int64_t>(state.max_iterations);
  weave::Thread producer([&] {
    for (std::int64_t i = 0; i < n; ++i) queue.put(static_cast<int>(i));
  });
  producer.start();
  for (auto _ : state) benchmark::DoNotOptimize(queue.get());
  producer.join();
  state.SetLabel("weave::Queue<int>");
}

template <std::size_t MaxSize>
void queue_std(benchmark::State& state) {
  CondvarQueue queue(MaxSize);
  const std::int64_t n = static_cast<std::int64_t>(state.max_iterations);
  std::thread producer([&] {
    for (std::int64_t i = 0; i < n; ++i) queue.put(static_cast<int>(i));
  });
  for (auto _ : state) benchmark::DoNotOptimize(queue.get());
  producer.join();
  state.SetLabel("std::deque + std::mutex + std::condition_variable");
}

}  // namespace

BENCHMARK(queue_weave<0>)->Name("Queue hand-off unbounded/weave")->UseRealTime();
BENCHMARK(queue_std<0>)->Name("Queue hand-off unbounded/baseline")->UseRealTime();
BENCHMARK(queue_weave<64>)->Name("Queue hand-off maxsize=64/weave")->UseRealTime();
BENCHMARK(queue_std<64>)->Name("Queue hand-off maxsize=64/baseline")->UseRealTime();
