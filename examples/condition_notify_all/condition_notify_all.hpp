#pragma once
// examples/condition_notify_all — workers waiting on a Condition, all released by notify_all().
//
// Demonstrates: weave::Condition with wait_for(predicate) and notify_all(). Each worker checks in
// and waits for the starting signal; main waits (on the same condition) until every worker has
// checked in, then flips `go` and wakes them all at once. Waiting with a predicate, under the
// condition's lock, is what makes this safe: a notify sent before a worker starts waiting is not
// lost, because the worker sees `go` already true and never waits.
#include <deque>
#include <mutex>
#include <ostream>

#include "weave/condition.hpp"
#include "weave/thread.hpp"

namespace examples::condition_notify_all {

// Starts `workers` threads, waits until all are waiting, releases them together, joins them.
inline void run(std::ostream& out, int workers = 4) {
  weave::Condition cond("start-signal");
  int waiting = 0;   // under cond
  bool go = false;   // under cond
  int finished = 0;  // under cond

  auto worker = [&](int id) {
    std::unique_lock<weave::Condition> hold(cond);
    out << "worker-" << id << " waiting\n";
    ++waiting;
    cond.notify_all();  // main may be waiting for the last check-in
    cond.wait_for([&] { return go; });
    out << "worker-" << id << " released\n";
    ++finished;
  };

  std::deque<weave::Thread> threads;
  for (int id = 1; id <= workers; ++id) threads.emplace_back(worker, id);
  for (weave::Thread& t : threads) t.start();
  {
    std::unique_lock<weave::Condition> hold(cond);
    cond.wait_for([&] { return waiting == workers; });
    out << "main: all " << workers << " workers waiting; releasing them\n";
    go = true;
    cond.notify_all();
  }
  for (weave::Thread& t : threads) t.join();
  out << "main: " << finished << " workers finished\n";
}

}  // namespace examples::condition_notify_all
