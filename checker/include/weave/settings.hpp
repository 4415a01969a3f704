#pragma once
// weave/settings.hpp — the values weave's settings take, parsed in one place for both sides: the
// WEAVE_* variables check() reads and the flags of the `weave` tool. Extension.
//
//   parse_count     a whole number in [min, max]: decimal digits only (no sign, no spaces, no
//                   exponent); a value beyond 2^64-1 is refused, never wrapped or saturated
//   parse_duration  a positive duration: 500ms, 30s, 5m, 1h (a bare number is seconds)
//   parse_shard     i/n: part i (from 0) of n, 0 <= i < n
//   printable       a value as an error message may show it: short, control bytes hidden
//
// Each parser names the setting in its error (a weave::UsageError): `setting` is a variable
// ("WEAVE_ITERATIONS", shown as WEAVE_ITERATIONS=-5) or a flag ("--iterations", shown as
// --iterations -5), followed by what was expected.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "weave/duration.hpp"

namespace weave {

// The most steps one schedule may run (Config::max_steps, WEAVE_MAX_STEPS): a run that long
// already needs gigabytes for its trace. A schedule that claims more steps is refused.
inline constexpr std::uint64_t kMaxStepsLimit = 10'000'000;

// A whole number in [min, max]; a UsageError naming `setting` otherwise.
std::uint64_t parse_count(std::string_view setting, std::string_view text, std::uint64_t min,
                          std::uint64_t max);

// A positive, finite duration with the unit ms, s, m (or min) or h; a bare number is seconds.
Duration parse_duration(std::string_view setting, std::string_view text);

// A search split in `count` disjoint parts, of which this is part `index`.
struct Shard {
  std::uint64_t index = 0, count = 1;
};
Shard parse_shard(std::string_view setting, std::string_view text);

// `text` for an error message: at most `max` characters (then "..."), with control characters
// and bytes that are not UTF-8 shown as '?', so binary input never reaches a terminal.
std::string printable(std::string_view text, std::size_t max = 60);

}  // namespace weave
