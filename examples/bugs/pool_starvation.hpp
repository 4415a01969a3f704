#pragma once
// Thread-pool starvation: a task running on a one-worker pool submits a second task to the same
// pool and waits for its result. The second task is queued behind the first, which never ends:
// a deadlock. The fix gives the pool a worker for the nested task (or avoids waiting inside a
// task).
#include <weave/weave.hpp>

namespace examples::bugs::pool_starvation {

inline void run(std::size_t workers) {
  weave::ThreadPoolExecutor pool(workers, "pool");
  auto outer = pool.submit([&pool] {
    auto inner = pool.submit([] { return 20; });
    return inner.result() + 1;
  });
  WEAVE_ASSERT(outer.result() == 21);
}

inline void buggy() { run(1); }
inline void fixed() { run(2); }

}  // namespace examples::bugs::pool_starvation
