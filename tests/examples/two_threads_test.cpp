#include "two_threads/two_threads.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

TEST_CASE("two_threads: both threads print all their numbers, in order, before done",
          "[examples]") {
  std::ostringstream out;
  examples::two_threads::run(out, 5);

  const std::vector<std::string> lines = examples::lines_of(out.str());
  REQUIRE(lines.size() == 11);
  REQUIRE(lines.back() == "done");
  REQUIRE(examples::lines_starting_with(out.str(), "A ") ==
          std::vector<std::string>{"A 1", "A 2", "A 3", "A 4", "A 5"});
  REQUIRE(examples::lines_starting_with(out.str(), "B ") ==
          std::vector<std::string>{"B 1", "B 2", "B 3", "B 4", "B 5"});
}
