#include "queue_pipeline/queue_pipeline.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

TEST_CASE("queue_pipeline: every item is processed exactly once before join returns",
          "[examples]") {
  const int items = 20;
  const int consumers = 3;
  std::ostringstream out;
  examples::queue_pipeline::run(out, items, consumers, 4);
  const std::vector<std::string> lines = examples::lines_of(out.str());
  REQUIRE(lines.size() == static_cast<std::size_t>(items) + 3);

  std::map<int, int> times_processed;
  for (const std::string& line : examples::lines_starting_with(out.str(), "consumer-")) {
    int consumer = 0;
    int item = 0;
    long square = 0;
    REQUIRE(std::sscanf(line.c_str(), "consumer-%d processed %d -> %ld", &consumer, &item,
                        &square) == 3);
    REQUIRE(consumer >= 1);
    REQUIRE(consumer <= consumers);
    REQUIRE(square == static_cast<long>(item) * item);
    ++times_processed[item];
  }
  REQUIRE(times_processed.size() == static_cast<std::size_t>(items));
  for (int item = 1; item <= items; ++item) REQUIRE(times_processed[item] == 1);

  REQUIRE(examples::lines_starting_with(out.str(), "producer ") ==
          std::vector<std::string>{"producer queued 20 items"});
  // Sum of i*i for i in 1..20 = 20 * 21 * 41 / 6. The join comes after every item.
  REQUIRE(lines[lines.size() - 2] == "all 20 items processed; sum of squares = 2870");
  REQUIRE(lines.back() == "consumers stopped");
}

TEST_CASE("queue_pipeline: one consumer processes the items in order", "[examples]") {
  std::ostringstream out;
  examples::queue_pipeline::run(out, 5, 1, 1);
  REQUIRE(examples::lines_starting_with(out.str(), "consumer-") ==
          std::vector<std::string>{"consumer-1 processed 1 -> 1", "consumer-1 processed 2 -> 4",
                                   "consumer-1 processed 3 -> 9", "consumer-1 processed 4 -> 16",
                                   "consumer-1 processed 5 -> 25"});
  REQUIRE(examples::lines_of(out.str()).back() == "consumers stopped");
}
