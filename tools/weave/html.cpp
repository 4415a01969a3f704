#include "html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "html_template.hpp"
#include "timeline.hpp"

namespace weave::tool {

namespace {

constexpr int kLeft = 170;  // lane names
constexpr int kTop = 56;    // step numbers and operation labels
constexpr int kStepWidth = 34;
constexpr int kLaneHeight = 86;
constexpr int kRight = 40;

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* color_of(const std::string& op) {
  if (op == "acquire" || op == "try_acquire" || op == "release") return "#1e88e5";
  if (op == "wait" || op == "notify" || op == "notify_all") return "#fb8c00";
  if (op == "start" || op == "run" || op == "exit" || op == "join" || op == "yield" ||
      op == "sleep") {
    return "#43a047";
  }
  if (op == "read" || op == "write" || op == "read_write" || op == "assert") return "#78909c";
  return "#8e24aa";
}

const char* arrow_color(const std::string& kind) {
  if (kind == "release") return "#1e88e5";
  if (kind == "notify") return "#fb8c00";
  return "#90a4ae";
}

std::string summary(const Trace& trace, const std::string& title) {
  std::string out = fmt::format("<h1>{}</h1>\n", escape(title));
  if (trace.bug) {
    out += fmt::format("<div class=\"message\"><span class=\"kind\">{}</span>{}</div>\n",
                       escape(trace.bug->kind), escape(trace.bug->message));
    if (!trace.bug->involved.empty()) out += "<pre>" + escape(trace.bug->involved) + "</pre>\n";
    if (!trace.bug->schedule.empty()) {
      out += "<div>Schedule: <code>" + escape(trace.bug->schedule) + "</code></div>\n";
    }
  } else {
    out += fmt::format(
        "<div class=\"message\"><span class=\"kind ok\">no bug</span>{} steps ran to the "
        "end</div>\n",
        trace.steps.size());
  }
  return out;
}

std::string table(const Trace& trace) {
  const std::uint64_t failing = trace.bug ? trace.bug->failing_step : 0;
  std::string out =
      "<table>\n<tr><th>step</th><th>thread</th><th>operation</th><th>object</th>"
      "<th>location</th><th>note</th></tr>\n";
  for (const TraceStep& s : trace.steps) {
    out += fmt::format(
        "<tr{}><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td title=\"{}\">{}"
        "</td><td>{}</td></tr>\n",
        s.index == failing ? " class=\"failing\"" : "", s.index, escape(s.thread_name),
        escape(s.operation), escape(s.object), escape(s.file), escape(short_location(s)),
        escape(s.index == failing ? (s.note.empty() ? "here" : s.note + " (here)") : s.note));
  }
  return out + "</table>\n";
}

std::string svg(const Trace& trace) {
  const auto threads = trace.threads();
  std::map<std::uint32_t, int> lane;
  for (std::size_t i = 0; i < threads.size(); ++i) lane[threads[i].first] = static_cast<int>(i);
  const Timeline tl = build_timeline(trace);
  const std::uint64_t failing = trace.bug ? trace.bug->failing_step : 0;
  auto x = [](std::size_t pos) {
    return kLeft + static_cast<int>(pos) * kStepWidth + kStepWidth / 2;
  };
  auto y = [&](std::uint32_t thread) { return kTop + lane[thread] * kLaneHeight + 22; };
  const int width = kLeft + static_cast<int>(trace.steps.size()) * kStepWidth + kRight;
  const int height = kTop + static_cast<int>(threads.size()) * kLaneHeight + 10;

  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} "
      "{}\">\n<defs>",
      width, height, width, height);
  for (const char* kind : {"release", "notify", "signal"}) {
    out += fmt::format(
        "<marker id=\"arrow-{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
        "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
        "fill=\"{}\"/></marker>",
        kind, arrow_color(kind));
  }
  out += "</defs>\n";
  // Lanes.
  for (std::size_t i = 0; i < threads.size(); ++i) {
    const int top = kTop + static_cast<int>(i) * kLaneHeight;
    out += fmt::format(
        "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n"
        "<text class=\"lane-name\" x=\"10\" y=\"{}\">{}</text>\n"
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#cfd6e0\"/>\n",
        top, width, kLaneHeight, i % 2 == 0 ? "#ffffff" : "#f6f8fb", top + 26,
        escape(threads[i].second), kLeft, top + 22, width - kRight / 2, top + 22);
  }
  // The failing step: a line through every lane.
  for (std::size_t p = 0; p < trace.steps.size(); ++p) {
    if (trace.steps[p].index != failing) continue;
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#d32f2f\" "
        "stroke-dasharray=\"4 3\" stroke-width=\"1.5\"/>\n",
        x(p), kTop - 6, height - 4);
  }
  // Lock ownership spans, under the lane's line.
  for (const Timeline::Span& s : tl.spans) {
    const int x1 = x(s.from);
    const int x2 = s.open ? width - kRight / 2 : x(s.to);
    const int top = y(s.thread) + 12 + s.depth * 15;
    out += fmt::format(
        "<g><title>{} held {} from step {} to {}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" "
        "height=\"6\" rx=\"3\" fill=\"#90caf9\"/><text class=\"span-label\" x=\"{}\" "
        "y=\"{}\">{}</text></g>\n",
        escape(trace.steps[s.from].thread_name), escape(s.object), trace.steps[s.from].index,
        s.open ? std::string("the end (still held)") : std::to_string(trace.steps[s.to].index), x1,
        top, std::max(x2 - x1, 4), x1 + 2, top + 15, escape(s.object));
  }
  // Hand-offs between threads.
  for (const Timeline::Arrow& a : tl.arrows) {
    const TraceStep& from = trace.steps[a.from];
    const TraceStep& to = trace.steps[a.to];
    const int x1 = x(a.from), y1 = y(from.thread), x2 = x(a.to), y2 = y(to.thread);
    const int yb = y2 + (y1 < y2 ? -9 : 9);
    out += fmt::format(
        "<path d=\"M{},{} C{},{} {},{} {},{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\" "
        "marker-end=\"url(#arrow-{})\"><title>step {} ({} {} {}) let step {} ({} {}) go on"
        "</title></path>\n",
        x1, y1, (x1 + x2) / 2, y1, (x1 + x2) / 2, yb, x2, yb, arrow_color(a.kind), a.kind,
        from.index, escape(from.thread_name), escape(from.operation), escape(from.object), to.index,
        escape(to.thread_name), escape(to.operation));
  }
  // Step marks.
  for (std::size_t p = 0; p < trace.steps.size(); ++p) {
    const TraceStep& s = trace.steps[p];
    const bool here = s.index == failing;
    const bool blocked = s.note == "blocked";
    const char* color = here ? "#d32f2f" : color_of(s.operation);
    std::string hover =
        fmt::format("step {} — {}\n{}{}\n{}:{}", s.index, s.thread_name, s.operation,
                    s.object.empty() ? "" : " " + s.object, s.file, s.line);
    if (!s.note.empty()) hover += "\n" + s.note;
    if (here) hover += "\nthe failing step";
    out += fmt::format(
        "<g class=\"mark\"><title>{}</title><circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" "
        "stroke=\"{}\" stroke-width=\"{}\"/><text class=\"op\" x=\"{}\" y=\"{}\" "
        "transform=\"rotate(-35 {} {})\">{}</text></g>\n",
        escape(hover), x(p), y(s.thread), here ? 8 : 6, blocked && !here ? "#ffffff" : color,
        blocked ? "#555555" : color, here ? 4 : 2, x(p) + 2, y(s.thread) - 10, x(p) + 2,
        y(s.thread) - 10, escape(s.operation));
    out += fmt::format(
        "<text class=\"step-number\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x(p),
        kTop - 10, s.index);
  }
  return out + "</svg>";
}

void replace(std::string& text, std::string_view placeholder, const std::string& value) {
  text.replace(text.find(placeholder), placeholder.size(), value);
}

}  // namespace

std::string render_html(const Trace& trace, const std::string& title) {
  std::string page(kHtmlTemplate);
  replace(page, "@TITLE@", escape(title));
  replace(page, "@SUMMARY@", summary(trace, title));
  replace(page, "@SVG@", svg(trace));
  replace(page, "@TABLE@", table(trace));
  return page;
}

}  // namespace weave::tool
