// weave: the command-line tool. Runs weave tests (Catch2 or GoogleTest binaries) in parallel,
// replays, explains and shrinks failing schedules. Exit status: 0 clean, 1 bug found, 2 usage
// error.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"
#include "process.hpp"

namespace {

constexpr const char* kUsageText = R"(usage: weave COMMAND [ARGS...]

  run BINARY [FILTER]       run weave tests in parallel processes; summary table, JUnit XML
  replay BINARY [FILTER]    rerun one test on one schedule; its trace, one column per thread
  explain TRACE.json        a trace as text, or as an HTML timeline (--html OUT.html)
  shrink BINARY [FILTER]    find a schedule with fewer preemptions that fails the same way

BINARY is a Catch2 (v2) or GoogleTest test binary whose tests call weave::check.
`weave COMMAND --help` tells more. Exit status: 0 clean, 1 bug found, 2 usage error.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace weave::tool;
  const std::vector<std::string> all(argv + 1, argv + argc);
  if (all.empty() || all[0] == "-h" || all[0] == "--help" || all[0] == "help") {
    std::fputs(kUsageText, all.empty() ? stderr : stdout);
    return all.empty() ? kUsage : kClean;
  }
  handle_interrupts();
  const std::string& command = all[0];
  const std::span<const std::string> rest(all.data() + 1, all.size() - 1);
  try {
    if (command == "run") return run_main(rest);
    if (command == "replay") return replay_main(rest);
    if (command == "explain") return explain_main(rest);
    if (command == "shrink") return shrink_main(rest);
    throw ToolError("unknown command '" + command +
                    "' (run, replay, explain or shrink; see weave --help)");
  } catch (const ToolError& e) {
    std::fprintf(stderr, "weave: %s\n", e.what());
    return kUsage;
  } catch (const Interrupted&) {
    std::fprintf(stderr, "weave: interrupted\n");
    return 130;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weave %s: %s\n", command.c_str(), e.what());
    return kUsage;
  }
}
