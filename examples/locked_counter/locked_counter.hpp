#pragma once
// examples/locked_counter — N threads incrementing one counter, protected by a Lock.
//
// Demonstrates: weave::Lock with std::lock_guard, and weave::Shared<T> for the shared variable.
// `counter += 1` is a read then a write; without the lock two threads can read the same value and
// one increment is lost. Holding the lock around it makes the read-modify-write indivisible, so
// the final count is always threads * increments. (Under the checker, remove the lock_guard and
// it finds the lost update and the data race.)
#include <deque>
#include <mutex>
#include <ostream>
#include <string>

#include "common/printer.hpp"
#include "weave/lock.hpp"
#include "weave/shared.hpp"
#include "weave/thread.hpp"

namespace examples::locked_counter {

// Starts `threads` workers that each add 1 to the counter `increments` times; prints the total.
inline void run(std::ostream& out, int threads = 4, int increments = 1000) {
  Printer printer(out);
  weave::Lock lock("counter-lock");
  weave::Shared<long> counter(0, "counter");

  auto work = [&](int id) {
    for (int i = 0; i < increments; ++i) {
      std::lock_guard<weave::Lock> hold(lock);
      counter += 1;
    }
    printer.line("worker-", id, " added ", increments);
  };

  std::deque<weave::Thread> workers;
  for (int id = 1; id <= threads; ++id) workers.emplace_back(work, id);
  for (weave::Thread& t : workers) t.start();
  for (weave::Thread& t : workers) t.join();
  printer.line("counter = ", counter.load(), " (expected ", static_cast<long>(threads) * increments,
               ")");
}

}  // namespace examples::locked_counter
