// Running small calls on a pool of two workers: weave::ThreadPoolExecutor (Futures) vs the
// textbook pool of std::threads sharing a std::deque of jobs under a std::mutex and a
// std::condition_variable, results through std::promise / std::future.
//   submit+result  one call at a time: submit, then wait for its result (a round trip)
//   batch of 64    submit 64 calls, then collect the 64 results (throughput)
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>
#include <weave/executor.hpp>

#include "bench_main.hpp"

namespace {

constexpr std::size_t kWorkers = 2;
constexpr int kBatch = 64;

class CondvarPool {
 public:
  explicit CondvarPool(std::size_t workers) {
    for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~CondvarPool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cond_.notify_all();
    for (auto& t : threads_) t.join();
  }
  template <class F>
  std::future<std::invoke_result_t<F>> submit(F fn) {
    auto promise = std::make_shared<std::promise<std::invoke_result_t<F>>>();
    auto future = promise->get_future();
    {
      std::lock_guard lock(mutex_);
      jobs_.emplace_back([promise, fn]() mutable { promise->set_value(fn()); });
    }
    cond_.notify_one();
    return future;
  }

 private:
  void work() {
    for (;;) {
      std::unique_lock lock(mutex_);
      while (jobs_.empty() && !stop_) cond_.wait(lock);
      if (jobs_.empty()) return;
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

int answer() { return 42; }

template <class Pool, class Get>
void round_trip(benchmark::State& state, Pool& pool, Get get) {
  get(pool.submit(answer));  // the pool's workers are up before timing starts
  for (auto _ : state) benchmark::DoNotOptimize(get(pool.submit(answer)));
}

template <class Pool, class Get>
void batch(benchmark::State& state, Pool& pool, Get get) {
  using F = decltype(pool.submit(answer));
  std::vector<F> futures;
  futures.reserve(kBatch);
  get(pool.submit(answer));
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) futures.push_back(pool.submit(answer));
    for (auto& f : futures) benchmark::DoNotOptimize(get(f));
    futures.clear();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

auto weave_get = [](weave::Future<int> f) { return f.result(); };
auto std_get = [](auto&& f) { return f.get(); };

void round_trip_weave(benchmark::State& state) {
  weave::ThreadPoolExecutor pool(kWorkers);
  round_trip(state, pool, weave_get);
  state.SetLabel("weave::ThreadPoolExecutor");
}
void round_trip_std(benchmark::State& state) {
  CondvarPool pool(kWorkers);
  round_trip(state, pool, std_get);
  state.SetLabel("std::thread pool + std::promise");
}
void batch_weave(benchmark::State& state) {
  weave::ThreadPoolExecutor pool(kWorkers);
  batch(state, pool, weave_get);
  state.SetLabel("weave::ThreadPoolExecutor");
}
void batch_std(benchmark::State& state) {
  CondvarPool pool(kWorkers);
  batch(state, pool, std_get);
  state.SetLabel("std::thread pool + std::promise");
}

}  // namespace

BENCHMARK(round_trip_weave)->Name("Executor submit+result/weave")->UseRealTime();
BENCHMARK(round_trip_std)->Name("Executor submit+result/baseline")->UseRealTime();
BENCHMARK(batch_weave)->Name("Executor batch of 64/weave")->UseRealTime();
BENCHMARK(batch_std)->Name("Executor batch of 64/baseline")->UseRealTime();
