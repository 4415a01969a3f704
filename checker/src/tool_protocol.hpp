#pragma once
// What check() and the `weave` tool (tools/weave) tell each other through the environment, beyond
// WEAVE_REPLAY and WEAVE_TRACE_OUT:
//
//   WEAVE_TIME_BUDGET=T   Config::time_budget: 500ms, 30s, 5m, 1h (a bare number is seconds;
//                         see weave/settings.hpp, whose parsers the tool's flags share)
//   WEAVE_STATS_OUT=FILE  every check() appends a JSON line when its search starts,
//                         {"event": "start", "test": ...}, and one when it ends (also by an
//                         exception): the test, the schedules and steps it ran, its wall time and
//                         the bug it found (null when none). A start without an end tells the
//                         tool that the process ended inside check() (exit() or _Exit() in the
//                         body): that test has not passed.
//   WEAVE_PROGRESS_OUT=FILE  the schedules this process has explored so far (every check()
//                         summed), one number, rewritten (write and rename) at most every 200 ms
//                         while a check() explores and when it ends: `weave run` shows it live
//   a replay that fails   with WEAVE_REPLAY, a ReplayError (a malformed schedule, one that no
//                         longer fits, a schedule file saved by another test than the running
//                         one) is written to WEAVE_TRACE_OUT as {"outcome":
//                         "replay_error", "error": ...}: the tool tells a bad schedule from a
//                         binary that never ran weave::check by whether that file appears.
//   a run that crashed    the crash handler (crash.hpp) writes {"outcome": "crash", "crash":
//                         {signal, thread, step, schedules, message, verdict, schedule,
//                         schedule_file, replay_command}, "steps": []} to WEAVE_TRACE_OUT.
//   which check() call    a schedule belongs to the n-th check() call of its test (the token's
//                         `@n`, see schedule.hpp). Under WEAVE_REPLAY or WEAVE_SHRINK only that
//                         call replays (or shrinks) it; the test's other check() calls explore
//                         as usual but write no trace, stats or schedule files (side runs). When
//                         the program ends and the n-th call never came, that is a replay error.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "weave/check.hpp"

namespace weave::detail {

// The value of an environment variable; null when unset or empty.
const char* env_value(const char* name) noexcept;

// WEAVE_STATS_OUT for one check(): writes the start line at once, and `result`'s line at
// finish(), or when destroyed without it (check() ended by an exception).
class StatsOut {
 public:
  StatsOut(const Result& result, std::string test);
  ~StatsOut();
  StatsOut(const StatsOut&) = delete;
  StatsOut& operator=(const StatsOut&) = delete;
  void finish();

 private:
  const Result& result_;
  std::string test_;
  const char* path_;
  std::chrono::steady_clock::time_point start_;
};

// WEAVE_PROGRESS_OUT for one check(): `update` after each schedule it counts, `finish` at its end.
class ProgressOut {
 public:
  ProgressOut();
  void update(std::uint64_t schedules) {
    if (path_ != nullptr) maybe_write(schedules);
  }
  void finish(std::uint64_t schedules);

 private:
  void maybe_write(std::uint64_t schedules);
  void write(std::uint64_t total);
  const char* path_;
  std::chrono::steady_clock::time_point last_{};
};

// Writes `json` to WEAVE_TRACE_OUT, when set.
void write_trace_out(const std::string& json);

// Writes a ReplayError's message to WEAVE_TRACE_OUT, when set.
void write_replay_error(const std::string& message);

// Under WEAVE_REPLAY or WEAVE_SHRINK: a schedule file saved by another test than `test`, the
// running one (empty: unknown), is a ReplayError naming both. A token carries no test: it runs
// wherever it is given.
void check_schedule_test(std::string_view token_or_file, const std::string& test);

// check_schedule_test(), then replay(); a ReplayError is also written to WEAVE_TRACE_OUT before
// it is rethrown.
Result replay_for_tool(std::function<void()> body, std::string_view schedule,
                       const std::string& test);

// The replay command of the latest check() that found a bug, and forgets it (empty: none since the
// last call). The Catch2 integration prints it unwrapped when an assertion fails.
void note_replay_command(const std::string& command);
std::string take_replay_command();

// The check() call a WEAVE_REPLAY / WEAVE_SHRINK schedule belongs to (1 for the first); 0 when
// the schedule is malformed (the replay itself then says why).
std::uint32_t schedule_check_number(std::string_view token_or_file) noexcept;

// A check() that runs beside a replay or shrink (not the call its schedule belongs to), for its
// lifetime on this thread. The first one arranges that the program's end reports a schedule whose
// check() call never came.
class SideRun {
 public:
  SideRun(std::uint32_t wanted, std::uint32_t number, const std::string& test);
  ~SideRun();
  SideRun(const SideRun&) = delete;
  SideRun& operator=(const SideRun&) = delete;
  static bool active() noexcept;
  // The call the schedule belongs to has come (it replays or shrinks it).
  static void call_came() noexcept;
};

}  // namespace weave::detail
