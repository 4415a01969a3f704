#pragma once
// examples/daemon_task — a daemon heartbeat the program does not wait for.
//
// Demonstrates: ThreadOptions{.daemon = true}. A daemon thread never keeps the program alive:
// its Thread object's destructor does not join it and the program may end while it still runs.
// So a daemon must not touch anything that dies with the code that started it. Here the
// heartbeat shares its state through a shared_ptr (which outlives run()) and writes to `out`
// only while the main work is still going: main sets `stopped` under the same lock, after which
// the heartbeat never writes again and winds down on its own, unjoined.
#include <chrono>
#include <memory>
#include <mutex>
#include <ostream>

#include "weave/lock.hpp"
#include "weave/thread.hpp"

namespace examples::daemon_task {

struct HeartbeatState {
  weave::Lock lock{"heartbeat-state"};
  bool stopped = false;  // under lock; once true, `out` may be gone
  int beats = 0;         // under lock
};

// The heartbeat: every beat_interval, one "heartbeat N" line, until main says it is done.
inline void heartbeat(std::shared_ptr<HeartbeatState> state, std::ostream* out,
                      weave::Duration beat_interval) {
  for (;;) {
    weave::sleep(beat_interval);
    std::lock_guard<weave::Lock> hold(state->lock);
    if (state->stopped) return;
    *out << "heartbeat " << ++state->beats << '\n';
  }
}

// Starts the daemon heartbeat, does `jobs` jobs of simulated work, and returns without joining it.
inline void run(std::ostream& out, int jobs = 3,
                weave::Duration work = std::chrono::milliseconds(2),
                weave::Duration beat_interval = std::chrono::milliseconds(1)) {
  auto state = std::make_shared<HeartbeatState>();
  weave::Thread beat(weave::ThreadOptions{.name = "heartbeat", .daemon = true}, heartbeat, state,
                     &out, beat_interval);
  beat.start();
  for (int job = 1; job <= jobs; ++job) {
    weave::sleep(work);
    std::lock_guard<weave::Lock> hold(state->lock);
    out << "job " << job << " done\n";
  }
  std::lock_guard<weave::Lock> hold(state->lock);
  state->stopped = true;
  out << "main work finished; not waiting for the heartbeat\n";
  // `beat` is destroyed here without a join: it is a daemon.
}

}  // namespace examples::daemon_task
