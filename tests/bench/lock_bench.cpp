// Uncontended acquire + release: weave::Lock vs std::mutex, weave::RLock vs std::recursive_mutex.
// Lock-order checking (WEAVE_LOCKDEP) with 10,000 locks held at once, against 10 held at once.
#include <cstddef>
#include <deque>
#include <mutex>
#include <weave/detail/lockdep.hpp>
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

// One thread takes `depth` Locks in order and lets them go, 10,000 acquisitions an iteration,
// with lock-order checking on: what an acquisition costs should not grow with the locks held.
void lockdep_nesting(benchmark::State& state, std::size_t depth, const char* label) {
  weave::detail::lockdep_enable_for_testing(true);
  weave::detail::lockdep_reset_for_testing();
  {
    std::deque<weave::Lock> locks(depth);
    for (auto _ : state) {
      for (std::size_t round = 0; round < 10000 / depth; ++round) {
        for (auto& l : locks) l.acquire();
        for (auto l = locks.rbegin(); l != locks.rend(); ++l) l->release();
      }
    }
  }
  weave::detail::lockdep_reset_for_testing();
  weave::detail::lockdep_enable_for_testing(false);
  state.SetLabel(label);
}
void lockdep_deep(benchmark::State& s) { lockdep_nesting(s, 10000, "10,000 held"); }
void lockdep_shallow(benchmark::State& s) { lockdep_nesting(s, 10, "10 held, 1,000 times"); }

}  // namespace

BENCHMARK(lock_weave)->Name("Lock acquire+release/weave");
BENCHMARK(lock_std)->Name("Lock acquire+release/baseline");
BENCHMARK(rlock_weave)->Name("RLock acquire+release/weave");
BENCHMARK(rlock_std)->Name("RLock acquire+release/baseline");
BENCHMARK(lockdep_deep)->Name("Lockdep 10000 nested acquisitions/weave");
BENCHMARK(lockdep_shallow)->Name("Lockdep 10000 nested acquisitions/baseline");
