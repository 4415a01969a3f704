#pragma once
// Lost notification: the main thread starts a loader and then waits for its "loaded" signal with
// a bare wait(). When the loader finishes first, its notify finds nobody waiting and is lost; the
// main thread then waits forever. The fix waits for the state (wait_for with a predicate), which
// is checked before sleeping.
#include <mutex>
#include <weave/weave.hpp>

namespace examples::bugs::late_waiter {

inline void run(bool predicate) {
  weave::Condition loaded_cv{"config_loaded"};
  bool loaded = false;  // guarded by loaded_cv's lock
  weave::Thread loader(weave::ThreadOptions{"loader"}, [&] {
    std::lock_guard<weave::Condition> g(loaded_cv);
    loaded = true;
    loaded_cv.notify_all();
  });
  loader.start();
  {
    std::lock_guard<weave::Condition> g(loaded_cv);
    if (predicate) {
      loaded_cv.wait_for([&] { return loaded; });
    } else {
      loaded_cv.wait();  // misses a notify that came before it
    }
  }
  loader.join();
}

inline void buggy() { run(false); }
inline void fixed() { run(true); }

}  // namespace examples::bugs::late_waiter
