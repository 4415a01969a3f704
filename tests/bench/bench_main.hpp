#pragma once
// tests/bench/bench_main.hpp — what every weave benchmark program shares.
//
// Naming: each benchmark is "<case>/<role>", role one of
//   weave     the weave primitive
//   baseline  the standard-library equivalent it is held against (run_bench.sh's ratio)
//   info      another point of comparison, shown but not part of a target
// and its label (state.SetLabel) says what exactly ran, e.g. "std::mutex".
// Benchmarks that involve two threads measure wall-clock time (UseRealTime); single-threaded
// ones the timed thread's CPU time, which a busy machine disturbs less.
#include <benchmark/benchmark.h>

#include <thread>

namespace weave_bench {

// glibc takes a non-atomic shortcut in pthread_mutex_lock while the process has never started a
// second thread. Programs that need locks have threads, so every benchmark program starts (and
// joins) one before measuring anything; otherwise std::mutex would be timed in a state no real
// user of it is in.
inline const bool kProcessIsMultiThreaded = [] {
  std::thread([] {}).join();
  return true;
}();

}  // namespace weave_bench
