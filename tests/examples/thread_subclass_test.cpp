#include "thread_subclass/thread_subclass.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

TEST_CASE("thread_subclass: every summer reports its range and main adds the results",
          "[examples]") {
  std::ostringstream out;
  examples::thread_subclass::run(out, 4, 250);

  const std::vector<std::string> lines = examples::lines_of(out.str());
  REQUIRE(lines.size() == 5);
  // Sum of i*i for i in [0, 1000) = 999 * 1000 * 1999 / 6.
  REQUIRE(lines.back() == "total = 332833500");
  REQUIRE(examples::sorted(examples::lines_starting_with(out.str(), "summer-")) ==
          std::vector<std::string>{
              "summer-1 summed the squares of [0, 250) = 5177125",
              "summer-2 summed the squares of [250, 500) = 36364625",
              "summer-3 summed the squares of [500, 750) = 98802125",
              "summer-4 summed the squares of [750, 1000) = 192489625",
          });
}
