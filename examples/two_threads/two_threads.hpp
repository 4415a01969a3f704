#pragma once
// examples/two_threads — the first program: two threads printing numbers side by side.
//
// Demonstrates: weave::Thread with a target and arguments, start(), join(). The two threads run
// at the same time, so their lines interleave differently from run to run; each thread's own
// lines stay in order, and "done" comes last because main joins both threads before printing it.
#include <chrono>
#include <functional>
#include <ostream>
#include <string>

#include "common/printer.hpp"
#include "weave/thread.hpp"

namespace examples::two_threads {

// One thread's work: print "<label> <i>" for i = 1..count, pausing briefly between numbers.
inline void print_numbers(Printer& printer, const std::string& label, int count) {
  for (int i = 1; i <= count; ++i) {
    printer.line(label, ' ', i);
    weave::sleep(std::chrono::microseconds(200));
  }
}

// Runs threads "A" and "B", each printing `count` numbers, then prints "done".
inline void run(std::ostream& out, int count = 5) {
  Printer printer(out);
  weave::Thread a(print_numbers, std::ref(printer), std::string("A"), count);
  weave::Thread b(print_numbers, std::ref(printer), std::string("B"), count);
  a.start();
  b.start();
  a.join();
  b.join();
  printer.line("done");
}

}  // namespace examples::two_threads
