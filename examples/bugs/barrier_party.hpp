#pragma once
// Barrier short of a party: a Barrier for three parties, but only two threads ever arrive. Both
// wait forever. The fix creates the barrier for the number of threads that use it.
#include <weave/weave.hpp>

namespace examples::bugs::barrier_party {

inline void run(std::size_t parties) {
  weave::Barrier phase(parties, {}, "phase");
  weave::Atomic<int> done{0, "done"};
  auto worker = [&] {
    phase.wait();
    done += 1;
  };
  weave::Thread a(weave::ThreadOptions{"stage-a"}, worker);
  weave::Thread b(weave::ThreadOptions{"stage-b"}, worker);
  a.start();
  b.start();
  a.join();
  b.join();
  WEAVE_ASSERT(done.load() == 2);
}

inline void buggy() { run(3); }
inline void fixed() { run(2); }

}  // namespace examples::bugs::barrier_party
