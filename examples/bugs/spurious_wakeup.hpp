#pragma once
// Spurious wakeup: a worker waits for a job with `if (!job) wait()`. Condition variables may wake
// without a notify (POSIX and C++ allow it), and then the worker runs with no job. The checker
// explores such wakeups when Config::spurious_wakeups is on. The fix waits in a loop (wait_for).
#include <mutex>
#include <optional>
#include <weave/weave.hpp>

namespace examples::bugs::spurious_wakeup {

inline void run(bool loop) {
  weave::Condition ready{"job_ready"};
  std::optional<int> job;  // guarded by ready's lock
  weave::Thread worker(weave::ThreadOptions{"worker"}, [&] {
    std::lock_guard<weave::Condition> g(ready);
    if (loop) {
      ready.wait_for([&] { return job.has_value(); });
    } else if (!job) {
      ready.wait();
    }
    WEAVE_ASSERT(job.has_value());
  });
  worker.start();
  {
    std::lock_guard<weave::Condition> g(ready);
    job = 7;
    ready.notify();
  }
  worker.join();
}

inline void buggy() { run(false); }
inline void fixed() { run(true); }

}  // namespace examples::bugs::spurious_wakeup
