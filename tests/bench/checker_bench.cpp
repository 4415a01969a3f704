// Checker throughput: steps/s and schedules/s of weave::check, against a raw Boost.Context fiber
// round trip measured in the same run. Reported as counters; run_bench.sh prints the ratio of ns
// per checker step to ns per raw round trip.
#include <benchmark/benchmark.h>

#include <boost/context/fiber.hpp>
#include <cstdint>
#include <mutex>
#include <weave/check.hpp>
#include <weave/weave.hpp>

#include "bugs/bugs.hpp"

namespace {

// Baseline: switch into a fiber and back (two context switches), the least a step can cost when
// it changes threads.
void BM_RawFiberRoundTrip(benchmark::State& state) {
  namespace ctx = boost::context;
  bool stop = false;
  ctx::fiber f{[&stop](ctx::fiber&& back) {
    while (!stop) back = std::move(back).resume();
    return std::move(back);
  }};
  for (auto _ : state) f = std::move(f).resume();
  stop = true;
  f = std::move(f).resume();
  state.counters["ns_per_round_trip"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RawFiberRoundTrip);

// Two threads incrementing a counter under a Lock: every acquire, release, load and store is a
// scheduling step chosen by the strategy.
void lock_body(int rounds) {
  weave::Lock l{"l"};
  weave::Shared<int> x{0, "x"};
  auto work = [&] {
    for (int i = 0; i < rounds; ++i) {
      l.acquire();
      x += 1;
      l.release();
    }
  };
  weave::Thread t(work);
  t.start();
  work();
  t.join();
}

void run_check(benchmark::State& state, weave::Strategy strategy, void (*body)()) {
  std::uint64_t steps = 0, schedules = 0;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    weave::Config c;
    c.strategy = strategy;
    c.seed = seed++;
    c.iterations = 100;
    c.stop_on_first_bug = false;
    const weave::Result r = weave::check(body, c);
    steps += r.steps;
    schedules += r.schedules;
  }
  state.counters["steps_per_s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["schedules_per_s"] =
      benchmark::Counter(static_cast<double>(schedules), benchmark::Counter::kIsRate);
  state.counters["ns_per_step"] = benchmark::Counter(
      static_cast<double>(steps), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_CheckLock2Threads_Random(benchmark::State& state) {
  run_check(state, weave::Strategy::Random, [] { lock_body(50); });
}
void BM_CheckLock2Threads_PCT(benchmark::State& state) {
  run_check(state, weave::Strategy::PCT, [] { lock_body(50); });
}
BENCHMARK(BM_CheckLock2Threads_Random)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CheckLock2Threads_PCT)->Unit(benchmark::kMillisecond);

// The fixed examples (clean: every schedule runs to its end).
void BM_CheckExample(benchmark::State& state) {
  const auto& ex = examples::bugs::kExamples[state.range(0)];
  state.SetLabel(ex.name);
  run_check(state, weave::Strategy::PCT, ex.fixed);
}
BENCHMARK(BM_CheckExample)->DenseRange(0, 5)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
