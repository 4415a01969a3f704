#pragma once
// Lock-order inversion: a refresher locks the cache then the stats, a reporter the stats then the
// cache. In this test the reporter waits for the refresh to finish, so no schedule deadlocks — but
// the two code paths can run at once elsewhere, and then they deadlock. The checker's lock-order
// graph finds the cycle anyway. The fix takes the locks in one order everywhere.
#include <mutex>
#include <weave/weave.hpp>

namespace examples::bugs::lock_order {

inline void run(bool consistent) {
  weave::Lock cache{"cache"};
  weave::Lock stats{"stats"};
  weave::Event refreshed{"refreshed"};
  weave::Thread refresher(weave::ThreadOptions{"refresher"}, [&] {
    {
      std::lock_guard<weave::Lock> c(cache);
      std::lock_guard<weave::Lock> s(stats);
    }
    refreshed.set();
  });
  weave::Thread reporter(weave::ThreadOptions{"reporter"}, [&] {
    refreshed.wait();
    if (consistent) {
      std::lock_guard<weave::Lock> c(cache);
      std::lock_guard<weave::Lock> s(stats);
    } else {
      std::lock_guard<weave::Lock> s(stats);
      std::lock_guard<weave::Lock> c(cache);
    }
  });
  refresher.start();
  reporter.start();
  refresher.join();
  reporter.join();
}

inline void buggy() { run(false); }
inline void fixed() { run(true); }

}  // namespace examples::bugs::lock_order
