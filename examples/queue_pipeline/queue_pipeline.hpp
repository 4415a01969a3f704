#pragma once
// examples/queue_pipeline — a producer and a pool of consumers joined by a Queue.
//
// Demonstrates: weave::Queue as a pipeline. The producer put()s work items into a bounded queue
// (it blocks while the queue is full: back-pressure); consumers get() them, process them and call
// task_done(); main's join() on the queue returns once every item has been processed. Then main
// puts one stop sentinel per consumer, each consumer exits on its sentinel, and main joins them.
#include <deque>
#include <ostream>
#include <string>

#include "common/printer.hpp"
#include "weave/lock.hpp"
#include "weave/queue.hpp"
#include "weave/thread.hpp"

namespace examples::queue_pipeline {

inline constexpr int kStop = -1;  // the sentinel that tells a consumer to exit

// Feeds items 1..items through a queue of `capacity` to `consumers` threads that square them.
inline void run(std::ostream& out, int items = 20, int consumers = 3, std::size_t capacity = 4) {
  Printer printer(out);
  weave::Queue<int> work(capacity, "work");
  weave::Lock total_lock("total");
  long total = 0;  // under total_lock

  auto consume = [&](int id) {
    for (;;) {
      const int item = work.get();
      if (item == kStop) {
        work.task_done();
        return;
      }
      const long square = static_cast<long>(item) * item;
      printer.line("consumer-", id, " processed ", item, " -> ", square);
      {
        std::lock_guard<weave::Lock> hold(total_lock);
        total += square;
      }
      work.task_done();
    }
  };
  auto produce = [&] {
    for (int item = 1; item <= items; ++item) work.put(item);
    printer.line("producer queued ", items, " items");
  };

  std::deque<weave::Thread> threads;
  for (int id = 1; id <= consumers; ++id) threads.emplace_back(consume, id);
  weave::Thread producer(weave::ThreadOptions{.name = "producer"}, produce);
  for (weave::Thread& t : threads) t.start();
  producer.start();

  producer.join();
  work.join();  // every item got and task_done()
  {
    std::lock_guard<weave::Lock> hold(total_lock);
    printer.line("all ", items, " items processed; sum of squares = ", total);
  }
  for (int i = 0; i < consumers; ++i) work.put(kStop);
  for (weave::Thread& t : threads) t.join();
  printer.line("consumers stopped");
}

}  // namespace examples::queue_pipeline
