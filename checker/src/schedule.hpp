#pragma once
// The schedule: the choices one execution made, as a self-contained, versioned text token.
//
//   weave1:<steps>:<trace hash>:<choices>
//
// <steps> is the execution's length, followed by flags: `L` when it ended by exceeding max_steps
// (so a replay stops at the same step), `S` when Condition waits could wake spuriously, `N` when
// race detection was off (a replay runs with the same settings), `C` when the run ended in a crash
// (a fatal signal) after that many steps (crash.hpp writes it), then `@<n>` when the run belongs
// to the n-th weave::check() call of its test (n > 1; see check.hpp); <trace hash> a 64-bit hash of
// its trace (both let a replay tell that it did not reproduce the same run). <choices> lists every
// decision with more than one option, in order, separated by '.': `3` ran thread 3, `t3` timed out
// thread 3's wait, `r1` drew the number 1; `3x12` is twelve `3`s in a row. Example:
// weave1:42:9f3a61c2d4e5f607:0x4.1.t0.2x3 (or weave1:42S@2:... for the second check() call)
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weave::detail {

inline constexpr std::uint32_t kDrawBit = 0x4000'0000u;

struct Schedule {
  std::uint64_t steps = 0;
  bool livelock = false;          // the run ended by exceeding max_steps
  bool spurious_wakeups = false;  // Config::spurious_wakeups was on
  bool races_off = false;         // Config::detect_races was off
  std::uint32_t check = 1;        // the n-th check() call of its test (or program) ran it
  std::uint64_t hash = 0;
  std::vector<std::uint32_t> choices;
  bool crashed = false;  // the run ended in a crash after `steps` steps
};

// A run records at most three choices per step: the decision after the step and, when the step
// blocks, a spurious-wakeup draw and a second decision. A token with more was not recorded by a
// run, and is refused before anything is allocated for it.
inline constexpr std::uint64_t kMaxChoicesPerStep = 3;
// The largest schedule file weave reads (one it saves is a few hundred bytes; a token of a run
// of a million steps fits in a few MiB).
inline constexpr std::uintmax_t kMaxScheduleFileBytes = 16u << 20;

std::string encode_schedule(const Schedule& s);
// Parses a token; throws weave::ReplayError with a clear message when it is malformed or claims
// more than a run can use (more than kMaxStepsLimit steps, more than kMaxChoicesPerStep choices
// per step). `file`, when not empty, is the schedule file the token came from: errors name it.
Schedule parse_schedule(std::string_view token, std::string_view file = {});

// A schedule as WEAVE_REPLAY, WEAVE_SHRINK, weave::replay and `weave replay` take it: a token, or
// the path of a schedule file as check() saves it:
//
//   # weave schedule: ...             comment lines start with '#'; blank lines are skipped
//   weave-schedule 1                  the format, required: this weave reads version 1
//   test: bank_transfer               `key: value` lines: test, bug, message, strategy, seed,
//   schedule: weave1:8:fc29...:0x2    schedule (the token, required), shrunk ...
struct ScheduleArgument {
  Schedule schedule;
  std::string token;  // the token, as given or as the file's `schedule:` line says
  std::string file;   // the file it was read from; empty for a token
  std::vector<std::pair<std::string, std::string>> fields;  // a file's `key: value` lines
  // The value of a file's first `key:` line; "" when there is none.
  std::string field(std::string_view key) const;
};
// Reads (a file) and parses it. A ReplayError that names the file when it is missing, not a
// regular file, larger than kMaxScheduleFileBytes, empty, binary, without the `weave-schedule 1`
// header (or of another version), without a `schedule:` line, or when its token is malformed.
ScheduleArgument load_schedule_argument(std::string_view token_or_path);

}  // namespace weave::detail
