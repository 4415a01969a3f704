// weave shrink: drives WEAVE_SHRINK in the test binary (shrinking runs in the checker, where a
// replay costs microseconds) and shows the schedule before and after.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "cli.hpp"
#include "commands.hpp"
#include "one_test.hpp"
#include "terminal.hpp"
#include "weave/settings.hpp"

namespace weave::tool {

namespace {

constexpr const char* kHelp = R"(usage: weave shrink BINARY [FILTER] --schedule FILE|TOKEN [options]

Searches for a schedule with fewer preemptions (a preemption: a switch away from a thread that
could have gone on), then fewer steps, that makes the test fail with the same bug at the same
place: the same failing line, or for a deadlock the same lines where the threads hang. Prints the
schedule before and after and the shrunk trace, and saves the shrunk schedule file (a schedule
file like any other: weave replay and WEAVE_REPLAY take it).

FILTER selects the test, as for weave replay; a schedule file saved by another test is refused.

options:
  --schedule FILE|TOKEN   the failing schedule (required)
  --out FILE              where to save the shrunk schedule (default: next to the schedule file,
                          NAME.shrunk.schedule; for a token, TEST.shrunk.schedule here). A file
                          there is replaced only when it is a schedule file of the same test
  --any-test              shrink a schedule file on the test FILTER selects even though another
                          test saved it (the result goes to TEST.shrunk.schedule next to it)
  --time-budget T         how long to search (default 60s; it usually ends sooner, when no edit
                          of the schedule helps any more)
  --timeout T             give up on the test after T (default: the budget plus 5m)

exit status: 1 the schedule fails (the shrunk one saved), 0 it runs without a bug (nothing to
shrink), 2 usage error.
)";

constexpr OptionSpec kOptions[] = {{"--schedule", true},
                                   {"--out", true},
                                   {"--time-budget", true},
                                   {"--timeout", true},
                                   {"--any-test", false}};

// "/a/b/x.cpp:3, /a/b/y.cpp:9" -> "x.cpp:3, y.cpp:9".
std::string short_places(const std::string& places) {
  std::string out;
  std::istringstream in(places);
  for (std::string place; std::getline(in, place, ',');) {
    const auto start = place.find_first_not_of(' ');
    if (!out.empty()) out += ", ";
    out += std::filesystem::path(place.substr(start == std::string::npos ? 0 : start))
               .filename()
               .string();
  }
  return out;
}

std::string default_out(const ScheduleArg& schedule, const std::string& test) {
  if (!schedule.is_file()) return file_stem(test) + ".shrunk.schedule";
  std::filesystem::path p(schedule.file);
  // Another test's schedule (--any-test): its NAME.shrunk.schedule belongs to that test.
  if (schedule.test != test)
    return (p.parent_path() / (file_stem(test) + ".shrunk.schedule")).string();
  if (p.extension() == ".schedule") p.replace_extension();
  p += ".shrunk.schedule";
  return p.string();
}

// The file the shrunk schedule replaces, if any, must be a schedule file of the same test: never
// another test's, never a file that is not a schedule.
void check_replaceable(const std::string& out, const std::string& test) {
  std::error_code ec;
  if (!std::filesystem::exists(out, ec)) return;
  std::string saved_by;
  try {
    saved_by = load_schedule(out, "--out").test;
  } catch (const ToolError&) {
    throw ToolError(fmt::format(
        "shrink: {} exists and is not a schedule file: weave shrink does not replace it (choose "
        "another --out)",
        out));
  }
  if (saved_by != test) {
    throw ToolError(fmt::format(
        "shrink: {} holds a schedule of test '{}', not '{}': weave shrink does not replace "
        "another test's schedule (choose another --out)",
        out, printable(saved_by), printable(test)));
  }
}

}  // namespace

int shrink_main(std::span<const std::string> args) {
  const auto parsed = parse_command(
      args, Command{"shrink", kOptions, kHelp, "BINARY [FILTER]", 1, 2, {"--schedule FILE|TOKEN"}});
  if (!parsed) return kClean;
  const Args& a = *parsed;
  const std::string budget = a.get("--time-budget").value_or("60s");
  const std::chrono::milliseconds budget_ms = parse_duration("--time-budget", budget);
  const std::chrono::milliseconds timeout = a.has("--timeout")
                                                ? parse_duration("--timeout", *a.get("--timeout"))
                                                : budget_ms + std::chrono::minutes(5);
  ScheduleArg schedule = load_schedule(*a.get("--schedule"));
  TempDir scratch;
  const TestBinary binary(a.positional[0], scratch.path(), timeout);
  const std::string test = test_for_schedule(binary, a.positional.size() > 1 ? a.positional[1] : "",
                                             schedule, a.has("--any-test"), "shrink");
  const std::string out = a.get("--out").value_or(default_out(schedule, test));
  const std::string out_abs = std::filesystem::absolute(out).string();
  check_replaceable(out_abs, test);
  std::error_code ec;
  std::filesystem::remove(out_abs, ec);
  const OneRun run = run_one_test(binary, test,
                                  {{"WEAVE_SHRINK", schedule.value},
                                   {"WEAVE_SHRINK_OUT", out_abs},
                                   {"WEAVE_TIME_BUDGET", budget}},
                                  scratch.file("trace.json"), scratch.path(), timeout);
  if (!run.trace.bug) {
    std::printf("weave shrink: %s runs without a bug on this schedule: nothing to shrink\n",
                test.c_str());
    return kClean;
  }
  if (!std::filesystem::exists(out_abs, ec)) {
    throw ToolError(fmt::format("shrink: the test did not save {}", out_abs));
  }
  const ScheduleArg shrunk = load_schedule(out_abs, "shrink");
  auto get = [&](const char* key) {
    const std::string v = shrunk.field(key);
    return v.empty() ? std::string("?") : v;
  };
  auto counted = [&](const char* key, const char* word) {
    const std::string n = get(key);
    return fmt::format("{} {}{}", n, word, n == "1" ? "" : "s");
  };
  std::printf("weave shrink: %s: %s at %s (%s replays)\n", test.c_str(), get("bug").c_str(),
              short_places(get("place")).c_str(), get("replays").c_str());
  std::printf("  before: %s, %s  %s\n", counted("original-preemptions", "preemption").c_str(),
              counted("original-steps", "step").c_str(), get("original").c_str());
  std::printf("  after:  %s, %s  %s\n", counted("preemptions", "preemption").c_str(),
              counted("steps", "step").c_str(), get("schedule").c_str());
  std::printf("  saved to %s\n\n", out.c_str());
  std::printf("%s\n", format_bug(run.trace).c_str());
  std::fputs(format_columns(run.trace, column_cap(run.trace.threads().size())).c_str(), stdout);
  return kBugFound;
}

}  // namespace weave::tool
