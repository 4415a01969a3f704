#include "report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "schedule.hpp"

namespace weave::detail {

namespace {

constexpr std::size_t kHead = 20;
constexpr std::size_t kTail = 100;

std::string short_file(const std::string& file) {
  const auto slash = file.rfind('/');
  return slash == std::string::npos ? file : file.substr(slash + 1);
}

}  // namespace

std::string json_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

namespace {

void append_step(std::string& out, const Step& s, bool failing, std::size_t name_width,
                 std::size_t object_width) {
  const std::string where = fmt::format("{}:{}", short_file(s.file), s.line);
  std::string note = s.note;
  if (failing) note = note.empty() ? "<-- here" : note + " <-- here";
  out += fmt::format("  {} {:>5}  {:<{}}  {:<11} {:<{}}  {}{}{}\n", failing ? ">>" : "  ", s.index,
                     s.thread_name, name_width, s.operation, s.object, object_width, where,
                     note.empty() ? "" : "  ", note);
}

}  // namespace

std::string format_report(const Result& result) {
  if (!result.bug) {
    return fmt::format("weave: no bug found in {} schedules ({} steps){}\n{}", result.schedules,
                       result.steps, result.exhausted ? "; every schedule was explored" : "",
                       result.coverage.empty() ? "" : "  " + result.coverage + "\n");
  }
  const Bug& bug = *result.bug;
  std::string out = fmt::format("weave found a bug: {}\n  {}\n", to_string(bug.kind), bug.message);
  if (!bug.involved.empty()) out += "\nInvolved:\n" + bug.involved;
  if (!bug.objects.empty()) out += "\nObjects:\n" + bug.objects;
  std::size_t name_width = 6;
  std::size_t object_width = 6;
  for (const Step& s : bug.trace) {
    name_width = std::max(name_width, s.thread_name.size());
    object_width = std::max(object_width, s.object.size());
  }
  name_width = std::min<std::size_t>(name_width, 24);
  object_width = std::min<std::size_t>(object_width, 32);
  out += fmt::format("\nTrace ({} steps; found in schedule {}{}{}):\n", bug.trace.size(),
                     bug.found_in != 0 ? bug.found_in : result.schedules,
                     result.seed == 0 ? std::string(", replayed")
                     : result.strategy == Strategy::DFS || result.strategy == Strategy::DPOR
                         ? std::string()
                         : fmt::format(", seed {}", result.seed),
                     bug.kind == BugKind::LockOrderInversion && bug.found_in != 0
                         ? fmt::format("; {} schedules explored, none deadlocked", result.schedules)
                         : std::string());
  out += fmt::format("     {:>5}  {:<{}}  {:<11} {:<{}}  {}\n", "step", "thread", name_width,
                     "operation", "object", object_width, "location");
  const std::size_t n = bug.trace.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (n > kHead + kTail && i == kHead) {
      out +=
          fmt::format("  ... {} steps not shown (WEAVE_TRACE_OUT=trace.json writes them all) ...\n",
                      n - kHead - kTail);
      i = n - kTail;
    }
    append_step(out, bug.trace[i], bug.trace[i].index == bug.failing_step, name_width,
                object_width);
  }
  if (!bug.nondeterminism.empty()) out += "\nWarning: " + bug.nondeterminism + "\n";
  if (!result.coverage.empty()) out += "\nSearch: " + result.coverage + "\n";
  out += "\nReplay it:\n  " + bug.replay_command + "\n";
  out += "  or in code: weave::replay(body, \"" + bug.schedule + "\")\n";
  if (!bug.shrunk_schedule.empty()) {
    // Fewer preemptions make a trace easier to follow (see shrink.hpp).
    const std::uint64_t steps = parse_schedule(bug.shrunk_schedule).steps;
    out += fmt::format(
        "\nShrunk: {} preemption{} instead of {}, {} steps{}, the same bug at the same place:\n"
        "  WEAVE_REPLAY={} (in the command above)\n",
        bug.shrunk_preemptions, bug.shrunk_preemptions == 1 ? "" : "s", bug.preemptions, steps,
        steps == bug.trace.size() ? std::string() : fmt::format(" instead of {}", bug.trace.size()),
        bug.shrunk_schedule);
  }
  return out;
}

std::string trace_json(const Bug* bug, const std::vector<Step>& trace, const std::string& outcome) {
  std::string out = "{\n  \"weave_trace\": 1,\n";
  out += fmt::format("  \"outcome\": \"{}\",\n", json_escape(outcome));
  if (bug != nullptr) {
    out += fmt::format(
        "  \"bug\": {{\"kind\": \"{}\", \"message\": \"{}\", \"schedule\": \"{}\", "
        "\"failing_step\": {}, \"involved\": \"{}\", \"nondeterminism\": \"{}\"}},\n",
        to_string(bug->kind), json_escape(bug->message), json_escape(bug->schedule),
        bug->failing_step, json_escape(bug->involved), json_escape(bug->nondeterminism));
  }
  out += "  \"steps\": [\n";
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const Step& s = trace[i];
    out += fmt::format(
        "    {{\"index\": {}, \"thread\": {}, \"thread_name\": \"{}\", \"operation\": \"{}\", "
        "\"object\": \"{}\", \"file\": \"{}\", \"line\": {}, \"note\": \"{}\"}}{}\n",
        s.index, s.thread, json_escape(s.thread_name), json_escape(s.operation),
        json_escape(s.object), json_escape(s.file), s.line, json_escape(s.note),
        i + 1 < trace.size() ? "," : "");
  }
  out += "  ]\n}\n";
  return out;
}

}  // namespace weave::detail
