#include "one_test.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "cli.hpp"
#include "schedule.hpp"
#include "weave/check.hpp"
#include "weave/settings.hpp"

namespace weave::tool {

namespace {

// The last lines of a test's output, to show with an error.
std::string tail(const std::string& output, std::size_t lines) {
  std::size_t pos = output.size();
  while (pos > 0 && (output[pos - 1] == '\n' || output[pos - 1] == ' ')) --pos;
  std::size_t start = pos;
  for (std::size_t n = 0; start > 0 && n < lines; --start) {
    if (output[start - 1] == '\n') ++n;
  }
  std::string out;
  std::istringstream in(output.substr(start, pos - start));
  for (std::string line; std::getline(in, line);) out += "\n  | " + line;
  return out;
}

}  // namespace

std::string ScheduleArg::field(std::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return v;
  }
  return {};
}

ScheduleArg load_schedule(const std::string& arg, std::string_view option) {
  ScheduleArg out;
  try {
    // The checker's own reader: the tool refuses exactly what a replay would refuse.
    detail::ScheduleArgument loaded = detail::load_schedule_argument(arg);
    out.token = detail::encode_schedule(loaded.schedule);
    out.file = std::move(loaded.file);
    out.fields = std::move(loaded.fields);
    out.test = out.field("test");
  } catch (const ReplayError& e) {
    throw ToolError(fmt::format("{}: {}", option, e.what()));
  }
  out.value = out.is_file() ? std::filesystem::absolute(out.file).string() : out.token;
  return out;
}

std::string test_for_schedule(const TestBinary& binary, const std::string& filter,
                              ScheduleArg& schedule, bool any_test, std::string_view command) {
  const std::string test = pick_one_test(binary, filter, schedule.test);
  if (schedule.test.empty() || test == schedule.test) return test;
  if (!any_test) {
    throw ToolError(fmt::format(
        "{}: the schedule file {} was saved by test '{}', but this would run it on '{}'. Run "
        "`weave {} {} --schedule {}` (the file names its test), or add --any-test to run it on "
        "'{}' anyway",
        command, printable(schedule.file, 300), printable(schedule.test), printable(test), command,
        binary.path(), printable(schedule.file, 300), printable(test)));
  }
  // The token names no test: the checker runs it wherever it is given.
  schedule.value = schedule.token;
  return test;
}

OneRun run_one_test(const TestBinary& binary, const std::string& test,
                    std::vector<std::pair<std::string, std::string>> env,
                    const std::string& trace_path, const std::string& scratch,
                    std::chrono::milliseconds timeout) {
  std::error_code ec;
  std::filesystem::remove(trace_path, ec);
  env.emplace_back("WEAVE_TRACE_OUT", trace_path);
  env.emplace_back("WEAVE_QUIET", "1");
  ProcessSpec spec;
  spec.argv = binary.command_for(test);
  spec.env = std::move(env);
  spec.output_path = scratch + "/test-output.txt";
  spec.timeout = timeout;
  OneRun run;
  run.process = run_process(spec);
  run.output = read_file(spec.output_path);
  if (!std::filesystem::exists(trace_path, ec)) {
    throw ToolError(fmt::format(
        "{} '{}' ran no weave::check (it wrote no trace; {}): is it a weave test? Its output "
        "ends:{}",
        binary.path(), test, run.process.describe(timeout), tail(run.output, 6)));
  }
  run.trace = read_trace(trace_path);
  if (run.trace.outcome == "replay_error") {
    throw ToolError(fmt::format("the schedule does not fit '{}': {}", test, run.trace.error));
  }
  return run;
}

}  // namespace weave::tool
