#pragma once
// A trace as the checker writes it (WEAVE_TRACE_OUT, see detail::trace_json), read back; and the
// text form `weave replay` and `weave explain` print: one column per thread, one row per step.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weave::tool {

struct TraceStep {
  std::uint64_t index = 0;
  std::uint32_t thread = 0;
  std::string thread_name, operation, object, file;
  std::uint32_t line = 0;
  std::string note;
};

struct TraceBug {
  std::string kind, message, schedule, involved;
  std::uint64_t failing_step = 0;
  std::string nondeterminism;  // why a replay did not reproduce the recorded run ("" when it did)
};

// The record a test process leaves when its checked code crashed (checker/src/crash.hpp): no
// steps, but the schedule that crashed and how to replay it.
struct TraceCrash {
  std::string signal, thread, message;
  std::uint64_t step = 0;
  std::uint64_t schedules = 0;  // check(): the schedules it ran, the crashed one included
  std::string verdict;          // replaying: whether it crashed where the recorded run did
  std::string schedule, schedule_file, replay_command;
};

struct Trace {
  std::string outcome;  // "bug", "ok", "replay_error" or "crash"
  std::string error;    // for "replay_error"
  std::optional<TraceBug> bug;
  std::optional<TraceCrash> crash;
  std::vector<TraceStep> steps;

  // Thread numbers and names, in the order the threads were created.
  std::vector<std::pair<std::uint32_t, std::string>> threads() const;
};

// Parses a trace; a ToolError naming `origin` when it is not one.
Trace parse_trace(const std::string& json, const std::string& origin);
// Reads a trace file; a ToolError when it is missing or not a trace.
Trace read_trace(const std::string& path);

// "file.cpp:12": the file's last component, as reports print it.
std::string short_location(const TraceStep& s);

// The trace as a table with one column per thread: a row per step with its number and, in the
// thread's column, the operation, object, file:line and note; the failing step marked ">>" and
// "<-- here". `max_column` caps a column's width (0: no cap), for a terminal.
std::string format_columns(const Trace& trace, std::size_t max_column);

// The bug (kind, message, the threads involved) or the crash in a few lines, or that there was
// none.
std::string format_bug(const Trace& trace);

}  // namespace weave::tool
