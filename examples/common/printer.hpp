#pragma once
// examples/common/printer.hpp — whole-line output shared by several threads.
//
// A std::ostream is not safe to write from several threads at once, and even when it is, the
// pieces of two lines can interleave. Printer holds a weave::Lock for the length of each line, so
// every line comes out whole. Under the checker that lock is also what orders the writes.
#include <mutex>
#include <ostream>
#include <string>
#include <utility>

#include "weave/lock.hpp"

namespace examples {

class Printer {
 public:
  explicit Printer(std::ostream& out, std::string name = "printer")
      : out_(out), lock_(std::move(name)) {}

  // Writes the parts, then a newline, as one line no other thread can break into.
  template <class... Parts>
  void line(const Parts&... parts) {
    std::lock_guard<weave::Lock> hold(lock_);
    (out_ << ... << parts) << '\n';
  }

 private:
  std::ostream& out_;
  weave::Lock lock_;
};

}  // namespace examples
