#pragma once
// examples/semaphore_downloads — a Semaphore letting at most 3 "downloads" run at once.
//
// Demonstrates: weave::Semaphore as a limit on concurrency. Every download is its own thread, but
// each must take one of the semaphore's permits before it starts and gives it back when it
// finishes, so no more than `limit` run at the same time however many threads there are. A
// separate Lock guards the bookkeeping (how many run now, the most seen) and the output, so each
// "started"/"finished" line is written at the moment the count changes.
#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>
#include <ostream>
#include <string>

#include "weave/lock.hpp"
#include "weave/semaphore.hpp"
#include "weave/thread.hpp"

namespace examples::semaphore_downloads {

// Runs `downloads` simulated downloads of `duration` each, at most `limit` at a time.
inline void run(std::ostream& out, int downloads = 8, std::size_t limit = 3,
                weave::Duration duration = std::chrono::milliseconds(2)) {
  weave::Semaphore slots(limit, "download-slots");
  weave::Lock stats_lock("download-stats");
  int active = 0;      // under stats_lock
  int max_active = 0;  // under stats_lock

  auto download = [&](int id) {
    slots.acquire();
    {
      std::lock_guard<weave::Lock> hold(stats_lock);
      ++active;
      max_active = std::max(max_active, active);
      out << "download " << id << " started (" << active << " active)\n";
    }
    weave::sleep(duration);  // the transfer itself
    {
      std::lock_guard<weave::Lock> hold(stats_lock);
      --active;
      out << "download " << id << " finished\n";
    }
    slots.release();
  };

  std::deque<weave::Thread> threads;
  for (int id = 1; id <= downloads; ++id) {
    threads.emplace_back(weave::ThreadOptions{.name = "download-" + std::to_string(id)}, download,
                         id);
  }
  for (weave::Thread& t : threads) t.start();
  for (weave::Thread& t : threads) t.join();
  out << "all " << downloads << " downloads finished; at most " << max_active
      << " ran at once (limit " << limit << ")\n";
}

}  // namespace examples::semaphore_downloads
