#pragma once
// examples/data_analysis — ThreadPoolExecutor::map over chunks of a data set.
//
// Demonstrates: ThreadPoolExecutor::map(fn, items), which runs fn on every item in the pool and
// returns the results in the order of the items, whatever order the calls finish in. Here the
// later chunks are made to finish first, yet the report comes out chunk by chunk. The workers
// share nothing: each gets its own chunk and returns its own summary, so no lock is needed.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <iomanip>
#include <limits>
#include <ostream>
#include <vector>

#include "weave/executor.hpp"
#include "weave/thread.hpp"

namespace examples::data_analysis {

struct Chunk {
  std::size_t first = 0;    // index of values.front() in the whole data set
  std::vector<int> values;  // never empty
  weave::Duration work;     // simulated extra processing time
};

struct Summary {
  std::size_t first = 0, count = 0;
  long sum = 0;
  int min = 0, max = 0;
};

// The data set: `n` pseudo-random readings in [0, 1000), the same on every run.
inline std::vector<int> make_data(std::size_t n) {
  std::vector<int> data(n);
  unsigned x = 12345;
  for (int& v : data) {
    x = x * 1103515245u + 12345u;
    v = static_cast<int>((x >> 16) % 1000);
  }
  return data;
}

// Summarises one chunk (runs on a pool thread).
inline Summary analyze(const Chunk& chunk) {
  weave::sleep(chunk.work);
  Summary s{chunk.first, chunk.values.size(), 0, std::numeric_limits<int>::max(),
            std::numeric_limits<int>::min()};
  for (int v : chunk.values) {
    s.sum += v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
  }
  return s;
}

// Writes one report line: "<label>: n=..., sum=..., min=..., max=..., mean=...".
inline void report(std::ostream& out, const Summary& s) {
  out << "n=" << s.count << " sum=" << s.sum << " min=" << s.min << " max=" << s.max
      << " mean=" << std::fixed << std::setprecision(2)
      << static_cast<double>(s.sum) / static_cast<double>(s.count) << '\n';
}

// Splits `data` into chunks of `chunk_size`, summarises them on `workers` threads, and reports
// each chunk (in order) and the whole.
inline void run(std::ostream& out, const std::vector<int>& data = make_data(1000),
                std::size_t chunk_size = 100, std::size_t workers = 4,
                weave::Duration work_step = std::chrono::microseconds(100)) {
  std::vector<Chunk> chunks;
  for (std::size_t first = 0; first < data.size(); first += chunk_size) {
    const std::size_t last = std::min(data.size(), first + chunk_size);
    chunks.push_back(Chunk{first,
                           {data.begin() + static_cast<std::ptrdiff_t>(first),
                            data.begin() + static_cast<std::ptrdiff_t>(last)},
                           work_step * static_cast<int>((data.size() - first) / chunk_size)});
  }

  weave::ThreadPoolExecutor pool(workers, "analyst");
  const std::vector<Summary> summaries = pool.map(analyze, chunks);

  Summary all{0, 0, 0, std::numeric_limits<int>::max(), std::numeric_limits<int>::min()};
  for (const Summary& s : summaries) {
    out << "chunk [" << s.first << ", " << s.first + s.count << "): ";
    report(out, s);
    all.count += s.count;
    all.sum += s.sum;
    all.min = std::min(all.min, s.min);
    all.max = std::max(all.max, s.max);
  }
  out << "all " << summaries.size() << " chunks: ";
  report(out, all);
}

}  // namespace examples::data_analysis
