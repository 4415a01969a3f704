// weave replay: one test, one schedule, its trace with a column per thread.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "cli.hpp"
#include "commands.hpp"
#include "one_test.hpp"
#include "terminal.hpp"

namespace weave::tool {

namespace {

constexpr const char* kHelp = R"(usage: weave replay BINARY [FILTER] --schedule FILE|TOKEN [options]

Reruns one test of BINARY on one schedule (a saved .schedule file or a weave1:... token) through
WEAVE_REPLAY, and prints its trace: one row per step, one column per thread, each step with its
operation, object and file:line, the failing step marked >>.

FILTER selects the test (a Catch2 test name or pattern, a GoogleTest filter); without it, the
test a schedule file names, or the binary's only test. A schedule file saved by another test than
the one selected is refused (a schedule fits the test that recorded it).

options:
  --schedule FILE|TOKEN   the schedule to run (required)
  --any-test              run a schedule file on the test FILTER selects even though another
                          test saved it (after a rename, say)
  --trace-out FILE        also keep the trace as JSON (the input of weave explain)
  --timeout T             give up on the test after T (default 5m)

A schedule saved by a crash (a fatal signal in the checked code) crashes the test again: the
replay says whether at the step where the recorded run crashed, and a replay that does not crash
is an error (the schedule no longer fits).

exit status: 1 the bug (or crash) reproduces, 0 the schedule runs without a bug, 2 usage error (a
missing or malformed schedule, one that does not fit the test, a binary that is not a weave test).
)";

constexpr OptionSpec kOptions[] = {
    {"--schedule", true}, {"--trace-out", true}, {"--timeout", true}, {"--any-test", false}};

}  // namespace

int replay_main(std::span<const std::string> args) {
  const auto parsed = parse_command(
      args, Command{"replay", kOptions, kHelp, "BINARY [FILTER]", 1, 2, {"--schedule FILE|TOKEN"}});
  if (!parsed) return kClean;
  const Args& a = *parsed;
  const std::chrono::milliseconds timeout = a.has("--timeout")
                                                ? parse_duration("--timeout", *a.get("--timeout"))
                                                : std::chrono::minutes(5);
  ScheduleArg schedule = load_schedule(*a.get("--schedule"));
  TempDir scratch;
  const TestBinary binary(a.positional[0], scratch.path(), timeout);
  const std::string test = test_for_schedule(binary, a.positional.size() > 1 ? a.positional[1] : "",
                                             schedule, a.has("--any-test"), "replay");
  const std::string trace_path = a.get("--trace-out").value_or(scratch.file("trace.json"));
  const OneRun run = run_one_test(binary, test, {{"WEAVE_REPLAY", schedule.value}}, trace_path,
                                  scratch.path(), timeout);
  const Trace& t = run.trace;
  std::printf("weave replay: %s, schedule %s\n\n", test.c_str(), schedule.token.c_str());
  std::printf("%s\n", format_bug(t).c_str());
  if (t.crash) {
    // The process died in the crash: no steps to show, only how it ended.
    std::printf("the test process: %s\n", run.process.describe(timeout).c_str());
    return kBugFound;
  }
  std::fputs(format_columns(t, column_cap(t.threads().size())).c_str(), stdout);
  if (a.has("--trace-out")) std::printf("\ntrace written to %s\n", trace_path.c_str());
  return t.bug ? kBugFound : kClean;
}

}  // namespace weave::tool
