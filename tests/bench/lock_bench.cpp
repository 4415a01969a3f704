// Uncontended acquire + release: weave::Lock vs std::mutex, weave::RLock vs std::recursive_mutex.
#include <mutex>
#include <weave/lock.hpp>

#include "bench_main.hpp"

namespace {

template <class L>
void acquire_release(benchmark::State& state, const char* label) {
  L lock;
  for (auto _ : state) {
    lock.lock();
    lock.unlock();
    benchmark::ClobberMemory();
  }
  state.SetLabel(label);
}

void lock_weave(benchmark::State& s) { acquire_release<weave::Lock>(s, "weave::Lock"); }
void lock_std(benchmark::State& s) { acquire_release<std::mutex>(s, "std::mutex"); }
void rlock_weave(benchmark::State& s) { acquire_release<weave::RLock>(s, "weave::RLock"); }
void rlock_std(benchmark::State& s) {
  acquire_release<std::recursive_mutex>(s, "std::recursive_mutex");
}

}  // namespace

BENCHMARK(lock_weave)->Name("Lock acquire+release/weave");
BENCHMARK(lock_std)->Name("Lock acquire+release/baseline");
BENCHMARK(rlock_weave)->Name("RLock acquire+release/weave");
BENCHMARK(rlock_std)->Name("RLock acquire+release/baseline");
