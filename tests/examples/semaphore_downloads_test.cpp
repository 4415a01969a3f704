#include "semaphore_downloads/semaphore_downloads.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

TEST_CASE("semaphore_downloads: every download runs once and never more than 3 at a time",
          "[examples]") {
  const int downloads = 8;
  std::ostringstream out;
  examples::semaphore_downloads::run(out, downloads, 3);
  const std::vector<std::string> lines = examples::lines_of(out.str());
  REQUIRE(lines.size() == 2 * downloads + 1);

  // Replay the log: the lines are written under the lock that guards the count.
  std::set<int> running;
  std::multiset<int> started;
  std::multiset<int> finished;
  int max_seen = 0;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    int id = 0;
    int active = 0;
    if (std::sscanf(lines[i].c_str(), "download %d started (%d active)", &id, &active) == 2) {
      started.insert(id);
      running.insert(id);
      REQUIRE(active == static_cast<int>(running.size()));
      max_seen = std::max(max_seen, active);
    } else {
      REQUIRE(std::sscanf(lines[i].c_str(), "download %d finished", &id) == 1);
      REQUIRE(running.erase(id) == 1);  // finished only after it started
      finished.insert(id);
    }
    REQUIRE(running.size() <= 3);
  }
  REQUIRE(running.empty());
  const std::multiset<int> all{1, 2, 3, 4, 5, 6, 7, 8};
  REQUIRE(started == all);
  REQUIRE(finished == all);
  REQUIRE(max_seen >= 1);
  REQUIRE(lines.back() == "all 8 downloads finished; at most " + std::to_string(max_seen) +
                              " ran at once (limit 3)");
}

TEST_CASE("semaphore_downloads: a limit of 1 runs the downloads one by one", "[examples]") {
  std::ostringstream out;
  examples::semaphore_downloads::run(out, 4, 1);
  const std::vector<std::string> lines = examples::lines_of(out.str());
  REQUIRE(lines.size() == 9);
  for (std::size_t i = 0; i < 8; i += 2) {
    int started = 0;
    int finished = 0;
    REQUIRE(std::sscanf(lines[i].c_str(), "download %d started (1 active)", &started) == 1);
    REQUIRE(std::sscanf(lines[i + 1].c_str(), "download %d finished", &finished) == 1);
    REQUIRE(started == finished);
  }
  REQUIRE(lines.back() == "all 4 downloads finished; at most 1 ran at once (limit 1)");
}
