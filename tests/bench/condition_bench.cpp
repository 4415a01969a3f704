// Ping-pong between two threads through a condition variable: one round trip per iteration.
// weave::Condition over a weave::Lock (partner: weave::Thread) vs std::condition_variable over a
// std::mutex (partner: std::thread).
#include <condition_variable>
#include <mutex>
#include <thread>
#include <weave/condition.hpp>
#include <weave/lock.hpp>
#include <weave/thread.hpp>

#include "bench_main.hpp"

namespace {

// The state both threads share; `turn` says who moves next (1: the partner, 0: the main thread).
struct Court {
  int turn = 0;
  bool stop = false;
};

void condition_weave(benchmark::State& state) {
  weave::Lock lock;
  weave::Condition cond(lock);
  Court court;
  weave::Thread partner([&] {
    cond.acquire();
    for (;;) {
      while (court.turn != 1 && !court.stop) cond.wait();
      if (court.stop) break;
      court.turn = 0;
      cond.notify();
    }
    cond.release();
  });
  partner.start();
  cond.acquire();
  for (auto _ : state) {
    court.turn = 1;
    cond.notify();
    while (court.turn != 0) cond.wait();
  }
  court.stop = true;
  cond.notify();
  cond.release();
  partner.join();
  state.SetLabel("weave::Condition + weave::Lock");
}

void condition_std(benchmark::State& state) {
  std::mutex mutex;
  std::condition_variable cond;
  Court court;
  std::thread partner([&] {
    std::unique_lock lock(mutex);
    for (;;) {
      while (court.turn != 1 && !court.stop) cond.wait(lock);
      if (court.stop) break;
      court.turn = 0;
      cond.notify_one();
    }
  });
  std::unique_lock lock(mutex);
  for (auto _ : state) {
    court.turn = 1;
    cond.notify_one();
    while (court.turn != 0) cond.wait(lock);
  }
  court.stop = true;
  cond.notify_one();
  lock.unlock();
  partner.join();
  state.SetLabel("std::condition_variable + std::mutex");
}

}  // namespace

BENCHMARK(condition_weave)->Name("Condition ping-pong/weave")->UseRealTime();
BENCHMARK(condition_std)->Name("Condition ping-pong/baseline")->UseRealTime();
