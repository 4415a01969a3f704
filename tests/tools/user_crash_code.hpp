#pragma once
// Checked code that crashes: tests/checker/crash_test.cpp runs it in child processes, and
// user_crashes.cpp is a user's test binary built on it that tools_test drives with `weave run` and
// `weave replay`.
//   null_after_race  the reader checks the pointer in `slot`, then reads through it, while the
//                    resetter clears it: only when the reset comes between the check and the read
//                    does the reader follow a null pointer (SIGSEGV). Fixed, it checks what it
//                    reads through: the same steps, no crash.
//   oversell         two sellers check, then take, the last ticket: when both checked first, the
//                    second one sells a ticket that is not there and calls abort() (SIGABRT).
#include <cstdlib>
#include <weave/weave.hpp>

namespace user_crash_code {

inline volatile int g_sink = 0;

// A plain read through `p`. UndefinedBehaviorSanitizer would stop at a null `p` itself (and abort,
// under CI's options): its check is off here (and GCC drops that when it inlines the function), so
// that the read faults as it does in any build.
__attribute__((noinline, no_sanitize("null"))) inline void read_through(int* p) {
  g_sink = *static_cast<volatile int*>(p);
}

inline void null_after_race(bool fixed = false) {
  int value = 42;
  weave::Atomic<int*> slot{&value, "slot"};
  weave::Thread resetter(weave::ThreadOptions{"resetter"}, [&] { slot.store(nullptr); });
  weave::Thread reader(weave::ThreadOptions{"reader"}, [&] {
    if (slot.load() != nullptr) {
      int* p = slot.load();
      if (p != nullptr || !fixed) read_through(p);
    }
  });
  resetter.start();
  reader.start();
  resetter.join();
  reader.join();
}

inline void oversell() {
  weave::Atomic<int> tickets{1, "tickets"};
  auto sell = [&] {
    if (tickets.load() > 0) {
      const int left = tickets.load() - 1;
      tickets.store(left);
      if (left < 0) std::abort();
    }
  };
  weave::Thread a(weave::ThreadOptions{"seller-a"}, sell);
  weave::Thread b(weave::ThreadOptions{"seller-b"}, sell);
  a.start();
  b.start();
  a.join();
  b.join();
}

}  // namespace user_crash_code
