#include "tool_protocol.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <utility>

#include "report.hpp"
#include "schedule.hpp"
#include "weave/settings.hpp"

namespace weave::detail {

const char* env_value(const char* name) noexcept {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

StatsOut::StatsOut(const Result& result, std::string test)
    : result_(result),
      test_(std::move(test)),
      path_(SideRun::active() ? nullptr : env_value("WEAVE_STATS_OUT")),
      start_(std::chrono::steady_clock::now()) {
  if (path_ == nullptr) return;
  std::ofstream out(path_, std::ios::app);
  if (!out) {
    std::fprintf(stderr, "weave: cannot write WEAVE_STATS_OUT=%s\n", path_);
    path_ = nullptr;
    return;
  }
  out << fmt::format("{{\"event\": \"start\", \"test\": \"{}\"}}\n", json_escape(test_));
}

StatsOut::~StatsOut() {
  try {
    finish();
  } catch (...) {
    // Already unwinding from check(): its own exception is the one to report.
  }
}

void StatsOut::finish() {
  if (path_ == nullptr) return;
  const char* path = std::exchange(path_, nullptr);
  std::ofstream out(path, std::ios::app);
  const Result& r = result_;
  const std::string bug =
      r.bug ? fmt::format("\"{}\"", to_string(r.bug->kind)) : std::string("null");
  out << fmt::format(
      "{{\"test\": \"{}\", \"schedules\": {}, \"steps\": {}, \"seconds\": {:.6f}, \"bug\": {}, "
      "\"schedule_file\": \"{}\"}}\n",
      json_escape(test_), r.schedules, r.steps,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(), bug,
      r.bug ? json_escape(r.bug->schedule_file) : std::string());
}

namespace {

thread_local bool t_side_run = false;

// What the program's end needs to tell whether a replayed schedule's check() call ever came.
struct ReplayWatch {
  std::mutex mutex;
  bool armed = false;
  bool replayed = false;
  std::uint32_t wanted = 0;
  std::uint32_t most = 0;  // the most check() calls one test made
  std::string test;
};

ReplayWatch& replay_watch() {
  static ReplayWatch* watch = new ReplayWatch;  // outlives every static destructor
  return *watch;
}

void report_missing_call() {
  ReplayWatch& w = replay_watch();
  std::lock_guard<std::mutex> lk(w.mutex);
  if (w.replayed) return;
  const std::string message = fmt::format(
      "the schedule belongs to check() call {} of its test, but {} made only {} check() "
      "call{}: the test changed since the schedule was recorded, or another test was run",
      w.wanted, w.test.empty() ? std::string("the program") : "'" + w.test + "'", w.most,
      w.most == 1 ? "" : "s");
  std::fprintf(stderr, "weave: replay error: %s\n", message.c_str());
  write_replay_error(message);
}

std::mutex g_replay_mutex;
std::string g_replay_command;  // of the latest check() that found a bug, until taken

}  // namespace

void note_replay_command(const std::string& command) {
  std::lock_guard<std::mutex> lk(g_replay_mutex);
  g_replay_command = command;
}

std::string take_replay_command() {
  std::lock_guard<std::mutex> lk(g_replay_mutex);
  return std::exchange(g_replay_command, {});
}

std::uint32_t schedule_check_number(std::string_view token_or_file) noexcept {
  try {
    return load_schedule_argument(token_or_file).schedule.check;
  } catch (...) {
    return 0;
  }
}

void check_schedule_test(std::string_view token_or_file, const std::string& test) {
  const ScheduleArgument arg = load_schedule_argument(token_or_file);
  const std::string saved_by = arg.field("test");
  if (arg.file.empty() || test.empty() || saved_by.empty() || saved_by == test) return;
  throw ReplayError(fmt::format(
      "the schedule file {} was saved by test '{}', but this is test '{}': replay it with that "
      "test (to run its schedule here anyway, give its token, the `schedule:` line, instead of "
      "the file)",
      printable(arg.file, 300), printable(saved_by), printable(test)));
}

SideRun::SideRun(std::uint32_t wanted, std::uint32_t number, const std::string& test) {
  t_side_run = true;
  ReplayWatch& w = replay_watch();
  std::lock_guard<std::mutex> lk(w.mutex);
  w.wanted = wanted;
  if (number >= w.most) {
    w.most = number;
    w.test = test;
  }
  if (!w.armed) {
    w.armed = true;
    std::atexit(report_missing_call);
  }
}

SideRun::~SideRun() { t_side_run = false; }

void SideRun::call_came() noexcept {
  ReplayWatch& w = replay_watch();
  std::lock_guard<std::mutex> lk(w.mutex);
  w.replayed = true;
}

bool SideRun::active() noexcept { return t_side_run; }

namespace {
std::atomic<std::uint64_t> g_schedules_done{0};  // by the check() calls of this process that ended
}  // namespace

ProgressOut::ProgressOut() : path_(SideRun::active() ? nullptr : env_value("WEAVE_PROGRESS_OUT")) {}

void ProgressOut::maybe_write(std::uint64_t schedules) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  write(g_schedules_done.load(std::memory_order_relaxed) + schedules);
}

void ProgressOut::finish(std::uint64_t schedules) {
  const std::uint64_t total = g_schedules_done.fetch_add(schedules) + schedules;
  if (path_ != nullptr) write(total);
}

void ProgressOut::write(std::uint64_t total) {
  // Written aside and renamed over the file, so a reader never sees half a number.
  const std::string tmp = std::string(path_) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return;  // progress is a nicety: a folder that is not writable only hides it
    out << total << "\n";
  }
  std::rename(tmp.c_str(), path_);
}

void write_trace_out(const std::string& json) {
  if (SideRun::active()) return;
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

Result replay_for_tool(std::function<void()> body, std::string_view schedule,
                       const std::string& test) {
  try {
    check_schedule_test(schedule, test);
    return replay(std::move(body), schedule);
  } catch (const ReplayError& e) {
    write_replay_error(e.what());
    throw;
  }
}

}  // namespace weave::detail
