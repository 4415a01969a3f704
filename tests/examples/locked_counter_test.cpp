#include "locked_counter/locked_counter.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

TEST_CASE("locked_counter: no increment is lost", "[examples]") {
  std::ostringstream out;
  examples::locked_counter::run(out, 4, 1000);

  const std::vector<std::string> lines = examples::lines_of(out.str());
  REQUIRE(lines.size() == 5);
  REQUIRE(lines.back() == "counter = 4000 (expected 4000)");
  REQUIRE(examples::sorted(examples::lines_starting_with(out.str(), "worker-")) ==
          std::vector<std::string>{"worker-1 added 1000", "worker-2 added 1000",
                                   "worker-3 added 1000", "worker-4 added 1000"});
}

TEST_CASE("locked_counter: many threads, few increments", "[examples]") {
  std::ostringstream out;
  examples::locked_counter::run(out, 16, 50);
  REQUIRE(examples::lines_of(out.str()).back() == "counter = 800 (expected 800)");
}
