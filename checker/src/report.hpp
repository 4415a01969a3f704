#pragma once
// Text reports and JSON traces.
#include <string>
#include <vector>

#include "weave/check.hpp"

namespace weave::detail {

// The human-readable report of a Result: bug class and message, the threads and objects
// involved, the trace with the failing step marked, and the replay command.
std::string format_report(const Result& result);
// The trace as JSON (the input of `weave explain`). `bug` may be null (a clean replay).
std::string trace_json(const Bug* bug, const std::vector<Step>& trace, const std::string& outcome);
// `s` as the inside of a JSON string literal.
std::string json_escape(const std::string& s);

}  // namespace weave::detail
