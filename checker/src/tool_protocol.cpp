#include "tool_protocol.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "report.hpp"

namespace weave::detail {

const char* env_value(const char* name) noexcept {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

Duration parse_time_budget(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [unit, ec] = std::from_chars(text.data(), end, value);
  const std::string_view suffix(unit, static_cast<std::size_t>(end - unit));
  double seconds_per_unit = 0;
  if (suffix.empty() || suffix == "s") {
    seconds_per_unit = 1;
  } else if (suffix == "ms") {
    seconds_per_unit = 1e-3;
  } else if (suffix == "m" || suffix == "min") {
    seconds_per_unit = 60;
  } else if (suffix == "h") {
    seconds_per_unit = 3600;
  }
  if (ec != std::errc() || unit == text.data() || seconds_per_unit == 0 || value <= 0) {
    throw UsageError(fmt::format(
        "WEAVE_TIME_BUDGET={} is not a duration (a positive number with ms, s, m or h; a bare "
        "number is seconds)",
        text));
  }
  return std::chrono::duration<double>(value * seconds_per_unit);
}

void append_stats(const Result& result, const std::string& test, std::chrono::nanoseconds elapsed) {
  const char* path = env_value("WEAVE_STATS_OUT");
  if (path == nullptr) return;
  std::ofstream out(path, std::ios::app);
  if (!out) {
    std::fprintf(stderr, "weave: cannot write WEAVE_STATS_OUT=%s\n", path);
    return;
  }
  const std::string bug =
      result.bug ? fmt::format("\"{}\"", to_string(result.bug->kind)) : std::string("null");
  out << fmt::format(
      "{{\"test\": \"{}\", \"schedules\": {}, \"steps\": {}, \"seconds\": {:.6f}, \"bug\": {}, "
      "\"schedule_file\": \"{}\"}}\n",
      json_escape(test), result.schedules, result.steps,
      std::chrono::duration<double>(elapsed).count(), bug,
      result.bug ? json_escape(result.bug->schedule_file) : std::string());
}

void write_trace_out(const std::string& json) {
  const char* path = env_value("WEAVE_TRACE_OUT");
  if (path == nullptr) return;
  std::ofstream out(path);
  if (!out) {
    std::fprintf(stderr, "weave: cannot write WEAVE_TRACE_OUT=%s\n", path);
    return;
  }
  out << json;
}

void write_replay_error(const std::string& message) {
  write_trace_out(fmt::format(
      "{{\n  \"weave_trace\": 1,\n  \"outcome\": \"replay_error\",\n  \"error\": \"{}\",\n  "
      "\"steps\": []\n}}\n",
      json_escape(message)));
}

Result replay_for_tool(std::function<void()> body, std::string_view schedule) {
  try {
    return replay(std::move(body), schedule);
  } catch (const ReplayError& e) {
    write_replay_error(e.what());
    throw;
  }
}

}  // namespace weave::detail
