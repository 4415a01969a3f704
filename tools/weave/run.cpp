// weave run: every selected test of a binary, each in its own processes (several per test, each
// exploring its own part of the search), with progress, a summary table, the failing schedules
// gathered in one folder, and JUnit XML.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <list>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "commands.hpp"
#include "json.hpp"
#include "junit.hpp"
#include "process.hpp"
#include "terminal.hpp"
#include "test_binary.hpp"
#include "trace.hpp"
#include "weave/check.hpp"

namespace weave::tool {

namespace {

constexpr const char* kHelp = R"(usage: weave run BINARY [FILTER] [options]

Runs each test of BINARY that FILTER selects (all by default; a Catch2 test name, pattern or
[tag], or a GoogleTest filter) in its own processes, with the WEAVE_* variables that steer
weave::check. Each test's search is split over --jobs processes (WEAVE_SHARD=k/N), and as soon as
one of them finds a bug the others stop. Failing schedules (in a shard-I-of-N folder for each part
of a split search), the test's output and the trace go to the artifacts folder.

options:
  --strategy S       random, pct, pos, dfs or dpor (WEAVE_STRATEGY; default: the test's own)
  --iterations N     schedules per check (WEAVE_ITERATIONS)
  --time-budget T    wall-clock limit per check, e.g. 30s, 5m (WEAVE_TIME_BUDGET); without
                     --iterations, the budget alone ends the search
  --seed N           WEAVE_SEED (default: each check picks one and reports it)
  --jobs N           processes at once, and parts each test's search is split into (default 1)
  --shard i/n        run part i (from 0) of n of every test's search, for spreading a run over
                     n CI machines; with --jobs J it is split further into J parts
                     (WEAVE_SHARD=i*J+k/n*J, k = 0..J-1)
  --junit FILE       write JUnit XML there: a testcase per test, a bug's report as the failure
  --artifacts DIR    where failing schedules, outputs and traces go (default: $WEAVE_ARTIFACTS,
                     else weave-failures)
  --timeout T        stop a test process after T (default 30m); it counts as an error

A test whose checked code crashes (a fatal signal) is CRASHED, with the schedule that crashed and
the command that replays it (the checker saves them before the process dies).

exit status: 1 some test failed (a bug, a failed assertion, a crash or a time-out), 0 all
passed, 2 usage error.
)";

constexpr OptionSpec kOptions[] = {
    {"--strategy", true}, {"--iterations", true}, {"--time-budget", true},
    {"--seed", true},     {"--jobs", true},       {"--shard", true},
    {"--junit", true},    {"--artifacts", true},  {"--timeout", true}};

struct Settings {
  std::vector<std::pair<std::string, std::string>> env;  // the same for every process
  std::uint64_t jobs = 1;
  std::optional<Shard> shard;
  std::string artifacts;
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};
};

enum class Status { Passed, Bug, Failed, TimedOut, Crashed };

struct TestState {
  std::string name;
  std::size_t pending = 0;  // processes not yet finished
  bool stopped = false;     // a bug was found: the other parts need not go on
  Status status = Status::Passed;
  std::string kind, message, output, schedule_file, trace_file;
  std::string replay_command;  // a crash's (a bug's is in its report)
  std::uint64_t schedules = 0;
  std::uint64_t checks = 0;  // weave::check calls its processes made
  std::chrono::steady_clock::duration elapsed{};
};

struct Task {
  std::size_t test;
  std::uint64_t part;  // 0..jobs-1
};

struct Running {
  Task task;
  Child child;
  std::string output, trace, stats;
  std::string progress;  // WEAVE_PROGRESS_OUT: its schedules so far, while it runs
};

// The number a running process last wrote to its WEAVE_PROGRESS_OUT (0 before the first).
std::uint64_t live_schedules(const Running& r) {
  const std::string text = read_file(r.progress);
  std::uint64_t n = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, n);
  return ec == std::errc() && ptr != text.data() ? n : 0;
}

Settings read_settings(const Args& a) {
  Settings s;
  if (auto v = a.get("--strategy")) {
    if (!strategy_from_string(*v)) {
      throw ToolError(fmt::format("--strategy {}: expected random, pct, pos, dfs or dpor", *v));
    }
    s.env.emplace_back("WEAVE_STRATEGY", *v);
  }
  if (auto v = a.get("--iterations")) {
    s.env.emplace_back("WEAVE_ITERATIONS",
                       std::to_string(parse_count("--iterations", *v, 1, UINT64_MAX)));
  }
  if (auto v = a.get("--time-budget")) {
    parse_duration("--time-budget", *v);
    s.env.emplace_back("WEAVE_TIME_BUDGET", *v);
    // The budget alone ends the search: as many schedules as fit in it.
    if (!a.has("--iterations")) s.env.emplace_back("WEAVE_ITERATIONS", std::to_string(UINT64_MAX));
  }
  if (auto v = a.get("--seed")) {
    s.env.emplace_back("WEAVE_SEED", std::to_string(parse_count("--seed", *v, 1, UINT64_MAX)));
  }
  if (auto v = a.get("--jobs")) s.jobs = parse_count("--jobs", *v, 1, 256);
  if (auto v = a.get("--shard")) s.shard = parse_shard(*v);
  if (auto v = a.get("--timeout")) s.timeout = parse_duration("--timeout", *v);
  // As a test run directly would: WEAVE_ARTIFACTS, else weave-failures/ here.
  const char* env_artifacts = std::getenv("WEAVE_ARTIFACTS");
  const std::string artifacts =
      a.get("--artifacts")
          .value_or(env_artifacts != nullptr && *env_artifacts != '\0' ? env_artifacts
                                                                       : "weave-failures");
  s.artifacts = std::filesystem::absolute(artifacts).string();
  std::error_code ec;
  std::filesystem::create_directories(s.artifacts, ec);
  if (ec) throw ToolError(fmt::format("--artifacts {}: {}", s.artifacts, ec.message()));
  return s;
}

// What one process's WEAVE_STATS_OUT says: a line when each check() starts, and its stats line
// when it ends.
struct ProcessStats {
  std::uint64_t schedules = 0, started = 0, ended = 0;
  std::string schedule_file;
  std::string problem;  // what is wrong with a line that is neither
};

ProcessStats read_stats(const std::string& path) {
  constexpr std::uint64_t kNoCount = UINT64_MAX;
  ProcessStats out;
  std::istringstream in(read_file(path));
  std::size_t number = 0;
  for (std::string line; std::getline(in, line) && out.problem.empty();) {
    ++number;
    try {
      const Json j = Json::parse(line);
      if (j["event"].str() == "start") {
        ++out.started;
        continue;
      }
      const std::uint64_t schedules = j["schedules"].count(kNoCount);
      if (schedules == kNoCount) throw JsonError("no \"schedules\" count");
      out.schedules += schedules;
      ++out.ended;
      if (out.schedule_file.empty()) out.schedule_file = j["schedule_file"].str();
    } catch (const JsonError& e) {
      out.problem = fmt::format(
          "line {} of its WEAVE_STATS_OUT file is not a weave stats line ({})", number, e.what());
    }
  }
  return out;
}

// What one finished process says about its test.
void judge(TestState& t, Running& r, const Settings& s) {
  const ProcessResult& p = r.child.result();
  const ProcessStats stats = read_stats(r.stats);
  t.schedules += stats.schedules;
  t.checks += stats.ended;
  if (t.schedule_file.empty()) t.schedule_file = stats.schedule_file;
  t.elapsed = std::max(t.elapsed, p.elapsed);
  if (t.status != Status::Passed) return;
  if (t.stopped && p.signal != 0) return;  // stopped by us: another part found the bug
  // A process that says it passed is believed only when what it wrote adds up.
  std::string broken = stats.problem;
  if (broken.empty() && stats.started > stats.ended) {
    broken = fmt::format(
        "weave::check() started but never finished: the process ended inside it ({}), as when "
        "the test body calls exit() or _Exit()",
        p.describe(s.timeout));
  }
  if (p.ok() && broken.empty()) return;
  t.output = read_file(r.output);
  std::error_code ec;
  std::optional<Trace> trace;
  std::string unreadable;
  if (std::filesystem::exists(r.trace, ec)) {
    try {
      trace = parse_trace(read_file(r.trace), "its trace (WEAVE_TRACE_OUT)");
    } catch (const ToolError& e) {
      unreadable = e.what();
    }
  }
  if (p.timed_out) {
    t.status = Status::TimedOut;
    t.kind = "Timeout";
    t.message = p.describe(s.timeout);
  } else if (trace && trace->crash) {
    // The checked code crashed, and the crash handler left its schedule. (The process may have
    // exited rather than died of the signal: a sanitizer's handler, run after weave's, exits.)
    t.status = Status::Crashed;
    t.kind = "Crash";
    t.message = fmt::format("{} ({})", trace->crash->message, p.describe(s.timeout));
    t.schedule_file = trace->crash->schedule_file;
    t.replay_command = trace->crash->replay_command;
    t.schedules += trace->crash->schedules;  // it wrote no stats line
  } else if (p.signal != 0) {
    t.status = Status::Crashed;
    t.kind = "Crash";
    t.message = p.describe(s.timeout);
  } else if (trace && trace->bug) {
    t.status = Status::Bug;
    t.kind = trace->bug->kind;
    t.message = trace->bug->message;
    t.trace_file = r.trace;
  } else {
    t.status = Status::Failed;
    t.kind = "TestFailure";
    t.message = !unreadable.empty() ? unreadable
                : !broken.empty()   ? broken
                                    : fmt::format(
                                          "the test failed ({}) without a weave bug; see "
                                            "its output",
                                          p.describe(s.timeout));
  }
}

const char* status_word(const TestState& t) {
  switch (t.status) {
    case Status::Passed:
      return t.checks == 0 ? "ok (no weave::check)" : "ok";
    case Status::Bug:
      return t.kind.c_str();
    case Status::Failed:
      return "FAILED";
    case Status::TimedOut:
      return "TIMEOUT";
    case Status::Crashed:
      return "CRASHED";
  }
  return "?";
}

std::string thousands(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Keeps a failing test's output and trace next to its schedule.
void gather(TestState& t, const Settings& s) {
  if (t.status == Status::Passed) return;
  const std::string stem = s.artifacts + "/" + file_stem(t.name);
  std::ofstream(stem + ".log") << t.output;
  std::error_code ec;
  if (!t.trace_file.empty()) {
    std::filesystem::copy_file(t.trace_file, stem + ".trace.json",
                               std::filesystem::copy_options::overwrite_existing, ec);
    t.trace_file = ec ? std::string() : stem + ".trace.json";
  }
}

std::string summary_table(const std::vector<TestState>& tests) {
  std::size_t result_w = 6;
  for (const TestState& t : tests)
    result_w = std::max(result_w, std::string(status_word(t)).size());
  std::string out =
      fmt::format("  {:<{}}  {:>11}  {:>8}  {}\n", "result", result_w, "schedules", "time", "test");
  for (const TestState& t : tests) {
    out += fmt::format("  {:<{}}  {:>11}  {:>7.2f}s  {}\n", status_word(t), result_w,
                       thousands(t.schedules), seconds(t.elapsed), t.name);
    if (t.status == Status::Passed) continue;
    out += fmt::format("  {:<{}}    {}\n", "", result_w, t.message);
    if (!t.schedule_file.empty())
      out += fmt::format("  {:<{}}    schedule: {}\n", "", result_w, t.schedule_file);
    if (!t.replay_command.empty())
      out += fmt::format("  {:<{}}    replay: {}\n", "", result_w, t.replay_command);
  }
  return out;
}

JUnitCase junit_case(const TestState& t) {
  JUnitCase c;
  c.name = t.name;
  c.seconds = seconds(t.elapsed);
  if (t.status == Status::Passed) return c;
  c.kind = t.status == Status::Bug || t.status == Status::Failed ? JUnitCase::Kind::Failure
                                                                 : JUnitCase::Kind::Error;
  c.type = t.kind;
  c.message = t.message;
  c.text = t.output;
  if (!t.schedule_file.empty()) c.text += "\nschedule: " + t.schedule_file + "\n";
  if (!t.replay_command.empty()) c.text += "replay: " + t.replay_command + "\n";
  return c;
}

}  // namespace

int run_main(std::span<const std::string> args) {
  const auto parsed =
      parse_command(args, Command{"run", kOptions, kHelp, "BINARY [FILTER]", 1, 2, {}});
  if (!parsed) return kClean;
  const Args& a = *parsed;
  const Settings settings = read_settings(a);
  const std::string filter = a.positional.size() > 1 ? a.positional[1] : "";
  TempDir scratch;
  const TestBinary binary(a.positional[0], scratch.path(), std::chrono::minutes(1));
  const std::vector<std::string> names = binary.list(filter);
  if (names.empty()) {
    throw ToolError(filter.empty()
                        ? fmt::format("{} has no tests", binary.path())
                        : fmt::format("no test of {} matches '{}'", binary.path(), filter));
  }
  std::vector<TestState> tests(names.size());
  std::deque<Task> queue;
  for (std::size_t i = 0; i < names.size(); ++i) {
    tests[i].name = names[i];
    tests[i].pending = settings.jobs;
    for (std::uint64_t k = 0; k < settings.jobs; ++k) queue.push_back({i, k});
  }
  std::printf(
      "weave run: %zu test%s of %s, %llu process%s per test%s\n", names.size(),
      names.size() == 1 ? "" : "s", binary.path().c_str(),
      static_cast<unsigned long long>(settings.jobs), settings.jobs == 1 ? "" : "es",
      settings.shard
          ? fmt::format(", shard {}/{}", settings.shard->index, settings.shard->count).c_str()
          : "");
  std::fflush(stdout);

  const auto start = std::chrono::steady_clock::now();
  StatusLine status;
  std::list<Running> running;
  std::size_t done = 0, bugs = 0, failed = 0;
  std::uint64_t schedules = 0;  // of the processes that ended
  std::uint64_t live = 0;       // of those running, as they last said
  auto last_read = start;
  auto progress = [&](bool force) {
    const auto now = std::chrono::steady_clock::now();
    // The running processes' counts are read only for a status line that is drawn.
    if (status.active() && (force || now - last_read >= std::chrono::milliseconds(250))) {
      last_read = now;
      live = 0;
      for (const Running& r : running) live += live_schedules(r);
    }
    const double elapsed = seconds(now - start);
    const std::uint64_t total = schedules + live;
    status.show(
        fmt::format("[{}/{} tests] {} running, {} schedules ({:.0f}/s), {} bug{}, {} failed", done,
                    tests.size(), running.size(), thousands(total),
                    elapsed > 0 ? static_cast<double>(total) / elapsed : 0.0, bugs,
                    bugs == 1 ? "" : "s", failed),
        force);
  };
  while (!queue.empty() || !running.empty()) {
    check_interrupted();
    while (running.size() < settings.jobs && !queue.empty()) {
      const Task task = queue.front();
      queue.pop_front();
      TestState& t = tests[task.test];
      if (t.stopped) {
        --t.pending;
        continue;
      }
      const std::string base = scratch.file(fmt::format("{}-{}", task.test, task.part));
      ProcessSpec spec;
      spec.argv = binary.command_for(t.name);
      spec.env = settings.env;
      spec.env.emplace_back("WEAVE_TRACE_OUT", base + ".json");
      spec.env.emplace_back("WEAVE_STATS_OUT", base + ".stats");
      spec.env.emplace_back("WEAVE_PROGRESS_OUT", base + ".progress");
      // Each part of a split search saves into its own folder: parts that fail at once with the
      // same seed would otherwise write the same schedule file.
      std::string artifacts = settings.artifacts;
      if (auto shard = shard_for(settings.shard, settings.jobs, task.part)) {
        spec.env.emplace_back("WEAVE_SHARD", *shard);
        artifacts += "/shard-" + shard->substr(0, shard->find('/')) + "-of-" +
                     shard->substr(shard->find('/') + 1);
      }
      spec.env.emplace_back("WEAVE_ARTIFACTS", artifacts);
      spec.output_path = base + ".out";
      spec.timeout = settings.timeout;
      running.push_back(Running{task, Child(spec), spec.output_path, base + ".json",
                                base + ".stats", base + ".progress"});
    }
    bool changed = false;
    for (auto it = running.begin(); it != running.end();) {
      if (!it->child.finished()) {
        ++it;
        continue;
      }
      changed = true;
      Running r = std::move(*it);
      it = running.erase(it);
      TestState& t = tests[r.task.test];
      const std::uint64_t before = t.schedules;
      judge(t, r, settings);
      schedules += t.schedules - before;
      if (t.status != Status::Passed && !t.stopped) {
        // One part failed: the test's verdict is in, the other parts can stop.
        t.stopped = true;
        for (Running& other : running) {
          if (other.task.test == r.task.test) other.child.kill();
        }
      }
      if (--t.pending > 0) continue;
      ++done;
      bugs += t.status == Status::Bug ? 1 : 0;
      failed += t.status != Status::Passed && t.status != Status::Bug ? 1 : 0;
      gather(t, settings);
      status.clear();
      std::printf("[%zu/%zu] %-8s %s (%s schedules, %.2fs)\n", done, tests.size(), status_word(t),
                  t.name.c_str(), thousands(t.schedules).c_str(), seconds(t.elapsed));
      std::fflush(stdout);
    }
    progress(changed);
    if (!changed) nap();
  }
  status.clear();
  const double total = seconds(std::chrono::steady_clock::now() - start);
  std::printf("\n%s", summary_table(tests).c_str());
  std::printf("\n%zu test%s: %zu passed, %zu failed (%zu bug%s); %s schedules in %.2fs (%.0f/s)\n",
              tests.size(), tests.size() == 1 ? "" : "s", tests.size() - bugs - failed,
              bugs + failed, bugs, bugs == 1 ? "" : "s", thousands(schedules).c_str(), total,
              total > 0 ? static_cast<double>(schedules) / total : 0.0);
  if (bugs + failed > 0)
    std::printf("artifacts (schedules, outputs, traces): %s\n", settings.artifacts.c_str());
  if (auto junit = a.get("--junit")) {
    std::vector<JUnitCase> cases;
    for (const TestState& t : tests) cases.push_back(junit_case(t));
    std::ofstream out(*junit);
    out << junit_xml(std::filesystem::path(binary.path()).filename().string(), cases, total);
    out.close();
    if (!out) throw ToolError(fmt::format("--junit {}: cannot write it", *junit));
    std::printf("JUnit XML: %s\n", junit->c_str());
  }
  return bugs + failed > 0 ? kBugFound : kClean;
}

}  // namespace weave::tool
