#include "trace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "cli.hpp"
#include "json.hpp"
#include "process.hpp"

namespace weave::tool {

std::vector<std::pair<std::uint32_t, std::string>> Trace::threads() const {
  std::vector<std::pair<std::uint32_t, std::string>> out;
  for (const TraceStep& s : steps) {
    const bool known =
        std::any_of(out.begin(), out.end(), [&](const auto& t) { return t.first == s.thread; });
    if (!known) out.emplace_back(s.thread, s.thread_name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Trace parse_trace(const std::string& json, const std::string& origin) {
  Json doc;
  try {
    doc = Json::parse(json);
  } catch (const JsonError& e) {
    throw ToolError(fmt::format("{}: not a weave trace (invalid JSON: {})", origin, e.what()));
  }
  if (doc["weave_trace"].count() != 1) {
    throw ToolError(fmt::format("{}: not a weave trace (no \"weave_trace\": 1 member)", origin));
  }
  Trace t;
  t.outcome = doc["outcome"].str();
  t.error = doc["error"].str();
  if (const Json& b = doc["bug"]; b.is_object()) {
    t.bug = TraceBug{b["kind"].str(),     b["message"].str(),        b["schedule"].str(),
                     b["involved"].str(), b["failing_step"].count(), b["nondeterminism"].str()};
  }
  if (const Json& c = doc["crash"]; c.is_object()) {
    t.crash = TraceCrash{c["signal"].str(),   c["thread"].str(),        c["message"].str(),
                         c["step"].count(),   c["schedules"].count(),   c["verdict"].str(),
                         c["schedule"].str(), c["schedule_file"].str(), c["replay_command"].str()};
  }
  for (const Json& s : doc["steps"].array()) {
    t.steps.push_back(TraceStep{s["index"].count(), static_cast<std::uint32_t>(s["thread"].count()),
                                s["thread_name"].str(), s["operation"].str(), s["object"].str(),
                                s["file"].str(), static_cast<std::uint32_t>(s["line"].count()),
                                s["note"].str()});
  }
  return t;
}

Trace read_trace(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw ToolError(fmt::format("{}: no such file", path));
  }
  return parse_trace(read_file(path), path);
}

std::string short_location(const TraceStep& s) {
  return fmt::format("{}:{}", std::filesystem::path(s.file).filename().string(), s.line);
}

namespace {

// Display width of UTF-8 text (thread names may hold arrows or accents): one column per code point.
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string fit(const std::string& s, std::size_t w) {
  if (width(s) <= w) return s + std::string(w - width(s), ' ');
  std::string out;
  std::size_t n = 0;
  for (char c : s) {
    if ((c & 0xC0) != 0x80 && ++n > w - 1) break;
    out += c;
  }
  return out + "~";
}

std::string cell(const TraceStep& s, bool failing) {
  std::string out = s.operation;
  if (!s.object.empty()) out += " " + s.object;
  out += "  " + short_location(s);
  if (!s.note.empty()) out += "  " + s.note;
  if (failing) out += "  <-- here";
  return out;
}

}  // namespace

std::string format_columns(const Trace& trace, std::size_t max_column) {
  const auto threads = trace.threads();
  const std::uint64_t failing = trace.bug ? trace.bug->failing_step : 0;
  std::vector<std::size_t> widths;
  for (const auto& [number, name] : threads) widths.push_back(width(name));
  auto column_of = [&](std::uint32_t thread) {
    return static_cast<std::size_t>(std::find_if(threads.begin(), threads.end(),
                                                 [&](const auto& t) { return t.first == thread; }) -
                                    threads.begin());
  };
  for (const TraceStep& s : trace.steps) {
    std::size_t& w = widths[column_of(s.thread)];
    w = std::max(w, width(cell(s, s.index == failing)));
  }
  if (max_column > 0) {
    for (std::size_t& w : widths) w = std::min(w, std::max<std::size_t>(max_column, 12));
  }
  auto row = [&](const std::string& mark, const std::string& step, std::size_t column,
                 const std::string& text) {
    std::string out = fmt::format("{:<2} {:>5}  ", mark, step);
    for (std::size_t c = 0; c < widths.size(); ++c) {
      out += fit(c == column ? text : std::string(), widths[c]);
      if (c + 1 < widths.size()) out += " | ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = fmt::format("{:<2} {:>5}  ", "", "step");
  for (std::size_t c = 0; c < threads.size(); ++c) {
    out += fit(threads[c].second, widths[c]);
    if (c + 1 < threads.size()) out += " | ";
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += "\n";
  for (const TraceStep& s : trace.steps) {
    const bool here = s.index == failing;
    out += row(here ? ">>" : "", std::to_string(s.index), column_of(s.thread), cell(s, here));
  }
  return out;
}

std::string format_bug(const Trace& trace) {
  if (trace.crash) {
    const TraceCrash& c = *trace.crash;
    std::string out = fmt::format("weave found a crash: {}\n  {}\n", c.signal, c.message);
    if (!c.verdict.empty()) out += "  " + c.verdict + "\n";
    if (!c.schedule_file.empty()) out += "  schedule: " + c.schedule_file + "\n";
    return out + "  replay: " + c.replay_command + "\n";
  }
  if (!trace.bug) return fmt::format("no bug: {} steps ran to the end\n", trace.steps.size());
  std::string out =
      fmt::format("weave found a bug: {}\n  {}\n", trace.bug->kind, trace.bug->message);
  if (!trace.bug->involved.empty()) out += "\nInvolved:\n" + trace.bug->involved;
  if (!trace.bug->nondeterminism.empty()) out += "\nWarning: " + trace.bug->nondeterminism + "\n";
  return out;
}

}  // namespace weave::tool
