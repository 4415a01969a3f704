#pragma once
// What `weave replay` and `weave shrink` share: a schedule argument checked before anything runs,
// and one run of one test that must write a trace (else the binary is no weave test).
#include <chrono>
#include <string>
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
  bool is_file = false;
};

// A schedule token or schedule file; a ToolError when it is missing or malformed.
ScheduleArg load_schedule(const std::string& arg);

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
