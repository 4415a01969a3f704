#include "daemon_task/daemon_task.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

TEST_CASE("daemon_task: main finishes its jobs and returns without joining the heartbeat",
          "[examples]") {
  std::ostringstream out;
  examples::daemon_task::run(out, 3);
  const std::string at_return = out.str();

  const std::vector<std::string> lines = examples::lines_of(at_return);
  REQUIRE_FALSE(lines.empty());
  REQUIRE(lines.back() == "main work finished; not waiting for the heartbeat");
  REQUIRE(examples::lines_starting_with(at_return, "job ") ==
          std::vector<std::string>{"job 1 done", "job 2 done", "job 3 done"});
  // However many beats there were, they are numbered 1, 2, 3, ... and nothing else was written.
  const std::vector<std::string> beats = examples::lines_starting_with(at_return, "heartbeat ");
  for (std::size_t i = 0; i < beats.size(); ++i) {
    REQUIRE(beats[i] == "heartbeat " + std::to_string(i + 1));
  }
  REQUIRE(lines.size() == beats.size() + 4);

  // Once run() has returned, the daemon never writes to the stream again.
  weave::sleep(std::chrono::milliseconds(5));
  REQUIRE(out.str() == at_return);
}
