#pragma once
// What `weave replay` and `weave shrink` share: a schedule argument checked before anything runs,
// and one run of one test that must write a trace (else the binary is no weave test).
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "process.hpp"
#include "test_binary.hpp"
#include "trace.hpp"

namespace weave::tool {

struct ScheduleArg {
  std::string value;  // what the test gets: an absolute path, or the token
  std::string token;  // the schedule itself
  std::string test;   // the test a schedule file names ("" for a token)
  std::string file;   // the schedule file, as given ("" for a token)
  std::vector<std::pair<std::string, std::string>> fields;  // a file's `key: value` lines
  bool is_file() const { return !file.empty(); }
  // The value of a file's `key:` line; "" when there is none.
  std::string field(std::string_view key) const;
};

// A schedule token or schedule file, read by the checker's own reader; a ToolError when it is
// missing or malformed. `option` names where it came from ("--schedule").
ScheduleArg load_schedule(const std::string& arg, std::string_view option = "--schedule");

// The one test `weave replay` and `weave shrink` run the schedule on: the one FILTER selects,
// else the one the schedule file names (see pick_one_test). A schedule file saved by another
// test than that is a ToolError naming both, unless `any_test` (then the test gets the token,
// which names no test, instead of the file).
std::string test_for_schedule(const TestBinary& binary, const std::string& filter,
                              ScheduleArg& schedule, bool any_test, std::string_view command);

struct OneRun {
  ProcessResult process;
  std::string output;  // what the test printed
  Trace trace;
};

// Runs `test` with `env` and WEAVE_TRACE_OUT=`trace_path`, WEAVE_QUIET=1. A ToolError when no
// trace appears (the test never ran weave::check) or the schedule does not fit the test.
OneRun run_one_test(const TestBinary& binary, const std::string& test,
                    std::vector<std::pair<std::string, std::string>> env,
                    const std::string& trace_path, const std::string& scratch,
                    std::chrono::milliseconds timeout);

}  // namespace weave::tool
