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

std::string encode_schedule(const Schedule& s);
// Parses a token, or the contents of a schedule file (its `schedule:` line); throws
// weave::ReplayError with a clear message when malformed.
Schedule parse_schedule(std::string_view text);
// A token, or a path to a schedule file: returns the token.
std::string load_schedule_argument(std::string_view token_or_path);

}  // namespace weave::detail
