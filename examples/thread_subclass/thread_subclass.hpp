#pragma once
// examples/thread_subclass — a Thread subclass that overrides run() and keeps its own result.
//
// Demonstrates: deriving from weave::Thread, naming threads with ThreadOptions, name() inside
// run(), and reading a member the thread wrote after join(): join() makes everything the thread
// did visible to the joiner, so no lock is needed for the result.
// Always join a subclass before it is destroyed: ~Thread runs after the subclass part is gone.
#include <cstdint>
#include <deque>
#include <ostream>
#include <string>
#include <utility>

#include "common/printer.hpp"
#include "weave/thread.hpp"

namespace examples::thread_subclass {

// Sums the squares of the numbers in [first, last).
class SquareSummer : public weave::Thread {
 public:
  SquareSummer(std::string name, Printer& printer, std::int64_t first, std::int64_t last)
      : Thread(weave::ThreadOptions{std::move(name)}),
        printer_(printer),
        first_(first),
        last_(last) {}

  // The sum; read it only after join().
  std::int64_t result() const { return result_; }

 protected:
  void run() override {
    for (std::int64_t i = first_; i < last_; ++i) result_ += i * i;
    printer_.line(name(), " summed the squares of [", first_, ", ", last_, ") = ", result_);
  }

 private:
  Printer& printer_;
  std::int64_t first_;
  std::int64_t last_;
  std::int64_t result_ = 0;
};

// Splits [0, workers * per_worker) among `workers` SquareSummer threads and adds up their results.
inline void run(std::ostream& out, int workers = 4, std::int64_t per_worker = 250) {
  Printer printer(out);
  std::deque<SquareSummer> summers;
  for (int w = 0; w < workers; ++w) {
    summers.emplace_back("summer-" + std::to_string(w + 1), printer, w * per_worker,
                         (w + 1) * per_worker);
  }
  for (SquareSummer& s : summers) s.start();
  std::int64_t total = 0;
  for (SquareSummer& s : summers) {
    s.join();
    total += s.result();
  }
  printer.line("total = ", total);
}

}  // namespace examples::thread_subclass
