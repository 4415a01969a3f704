#include "data_analysis/data_analysis.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

namespace {
// The report, computed on one thread without the pool.
std::string serial_report(const std::vector<int>& data, std::size_t chunk_size) {
  using examples::data_analysis::Summary;
  std::ostringstream out;
  std::size_t chunks = 0;
  for (std::size_t first = 0; first < data.size(); first += chunk_size, ++chunks) {
    const auto b = data.begin() + static_cast<std::ptrdiff_t>(first);
    const auto e =
        data.begin() + static_cast<std::ptrdiff_t>(std::min(data.size(), first + chunk_size));
    const Summary s{first, static_cast<std::size_t>(e - b), std::accumulate(b, e, 0L),
                    *std::min_element(b, e), *std::max_element(b, e)};
    out << "chunk [" << first << ", " << first + s.count << "): ";
    examples::data_analysis::report(out, s);
  }
  const Summary all{0, data.size(), std::accumulate(data.begin(), data.end(), 0L),
                    *std::min_element(data.begin(), data.end()),
                    *std::max_element(data.begin(), data.end())};
  out << "all " << chunks << " chunks: ";
  examples::data_analysis::report(out, all);
  return out.str();
}
}  // namespace

TEST_CASE("data_analysis: map returns the chunk summaries in input order", "[examples]") {
  const std::vector<int> data = examples::data_analysis::make_data(1000);
  std::ostringstream out;
  examples::data_analysis::run(out, data, 100, 4);
  REQUIRE(out.str() == serial_report(data, 100));
  const std::vector<std::string> lines = examples::lines_of(out.str());
  REQUIRE(lines.size() == 11);
  REQUIRE(lines.front().starts_with("chunk [0, 100): n=100 "));
  REQUIRE(lines.back().starts_with("all 10 chunks: n=1000 "));
}

TEST_CASE("data_analysis: an uneven last chunk and a known data set", "[examples]") {
  const std::vector<int> data{5, 1, 9, 3, 7, 2, 8};
  std::ostringstream out;
  examples::data_analysis::run(out, data, 3, 2);
  REQUIRE(out.str() ==
          "chunk [0, 3): n=3 sum=15 min=1 max=9 mean=5.00\n"
          "chunk [3, 6): n=3 sum=12 min=2 max=7 mean=4.00\n"
          "chunk [6, 7): n=1 sum=8 min=8 max=8 mean=8.00\n"
          "all 3 chunks: n=7 sum=35 min=1 max=9 mean=5.00\n");
  REQUIRE(out.str() == serial_report(data, 3));
}
