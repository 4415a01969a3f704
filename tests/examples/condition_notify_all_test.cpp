#include "condition_notify_all/condition_notify_all.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

namespace {
std::vector<std::string> worker_lines(int workers, const std::string& what) {
  std::vector<std::string> lines;
  for (int id = 1; id <= workers; ++id) lines.push_back("worker-" + std::to_string(id) + what);
  return examples::sorted(lines);
}
}  // namespace

TEST_CASE("condition_notify_all: every worker waits, then all are released together",
          "[examples]") {
  const int workers = GENERATE(1, 4, 12);
  std::ostringstream out;
  examples::condition_notify_all::run(out, workers);

  const std::vector<std::string> lines = examples::lines_of(out.str());
  const auto n = static_cast<std::size_t>(workers);
  REQUIRE(lines.size() == 2 * n + 2);
  // All check-ins come before main's release, all releases after it.
  REQUIRE(examples::sorted({lines.begin(), lines.begin() + workers}) ==
          worker_lines(workers, " waiting"));
  REQUIRE(lines[n] == "main: all " + std::to_string(workers) + " workers waiting; releasing them");
  REQUIRE(examples::sorted({lines.begin() + workers + 1, lines.end() - 1}) ==
          worker_lines(workers, " released"));
  REQUIRE(lines.back() == "main: " + std::to_string(workers) + " workers finished");
}
