// weave explain: a trace file as text, or as a self-contained HTML timeline.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli.hpp"
#include "commands.hpp"
#include "html.hpp"
#include "terminal.hpp"
#include "trace.hpp"

namespace weave::tool {

namespace {

constexpr const char* kHelp = R"(usage: weave explain TRACE.json [--html OUT.html]

Explains a trace that weave wrote (WEAVE_TRACE_OUT=TRACE.json, or weave replay --trace-out):
the bug, the threads involved, and the steps with a column per thread.

options:
  --html OUT.html   write an HTML timeline instead: one self-contained page (no network, no other
                    files) with a swimlane per thread, a mark per step (operation, object and
                    source line on hover), the locks each thread held, arrows from each release to
                    the acquire it allowed and from each notify to the wait it woke, and the
                    failing step highlighted

exit status: 1 the trace shows a bug (or a crash), 0 it does not, 2 usage error (a missing or
invalid trace).
)";

constexpr OptionSpec kOptions[] = {{"--html", true}};

}  // namespace

int explain_main(std::span<const std::string> args) {
  const auto parsed =
      parse_command(args, Command{"explain", kOptions, kHelp, "one TRACE.json", 1, 1, {}});
  if (!parsed) return kClean;
  const Args& a = *parsed;
  const Trace t = read_trace(a.positional[0]);
  if (t.outcome == "replay_error") {
    throw ToolError(
        fmt::format("{} holds no trace: the replay failed: {}", a.positional[0], t.error));
  }
  if (t.crash) {
    // A crash record has no steps to draw: what crashed, and how to replay it.
    std::printf("%s", format_bug(t).c_str());
    return kBugFound;
  }
  if (const auto html = a.get("--html")) {
    const std::string title =
        t.bug
            ? fmt::format("weave: {} in {}", t.bug->kind,
                          std::filesystem::path(a.positional[0]).filename().string())
            : fmt::format("weave: {}", std::filesystem::path(a.positional[0]).filename().string());
    std::ofstream out(*html);
    if (!out) throw ToolError(fmt::format("--html {}: cannot write it", *html));
    out << render_html(t, title);
    out.close();
    if (!out) throw ToolError(fmt::format("--html {}: cannot write it", *html));
    std::printf("wrote %s (%zu steps, %zu threads)\n", html->c_str(), t.steps.size(),
                t.threads().size());
  } else {
    std::printf("%s", format_bug(t).c_str());
    if (t.bug && !t.bug->schedule.empty()) std::printf("\nSchedule: %s\n", t.bug->schedule.c_str());
    std::printf("\n");
    std::fputs(format_columns(t, column_cap(t.threads().size())).c_str(), stdout);
  }
  return t.bug ? kBugFound : kClean;
}

}  // namespace weave::tool
