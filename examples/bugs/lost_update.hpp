#pragma once
// Unprotected counter: `hits += 1` is a read then a write; two threads can both read the old
// value and one increment is lost. The race detector reports the unordered accesses in the first
// schedule; with Config::detect_races off, the assertion at the end catches the lost update in
// some schedule. The fix holds a Lock around the increment.
#include <mutex>
#include <weave/weave.hpp>

namespace examples::bugs::lost_update {

inline void run(bool locked) {
  weave::Shared<int> hits{0, "hits"};
  weave::Lock lock{"hits_lock"};
  auto worker = [&] {
    for (int i = 0; i < 2; ++i) {
      if (locked) {
        std::lock_guard<weave::Lock> g(lock);
        hits += 1;
      } else {
        hits += 1;
      }
    }
  };
  weave::Thread a(weave::ThreadOptions{"worker-a"}, worker);
  weave::Thread b(weave::ThreadOptions{"worker-b"}, worker);
  a.start();
  b.start();
  a.join();
  b.join();
  WEAVE_ASSERT(hits.load() == 4);
}

inline void buggy() { run(false); }
inline void fixed() { run(true); }

}  // namespace examples::bugs::lost_update
