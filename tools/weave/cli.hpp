#pragma once
// Command-line plumbing shared by the subcommands: the error that means "exit 2", option parsing
// with --help on every subcommand, and the parsers of the option values.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "weave/settings.hpp"

namespace weave::tool {

// Exit statuses of every subcommand.
inline constexpr int kClean = 0;
inline constexpr int kBugFound = 1;
inline constexpr int kUsage = 2;

// A mistake in what the tool was asked to do (a bad flag or value, a missing file, a binary that
// is not a weave test, a bad schedule): printed as one line, exit status 2.
class ToolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string_view name;  // "--jobs"
  bool takes_value;
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string, std::less<>> values;  // "--jobs" -> "2"; flags -> ""
  bool help = false;

  bool has(std::string_view option) const { return values.find(option) != values.end(); }
  std::optional<std::string> get(std::string_view option) const;
};

// Parses the arguments after the subcommand's name. Options take their value as the next
// argument or after '='; `--` ends the options. An unknown option, a missing value or a value
// given to a flag is a ToolError naming the subcommand.
Args parse_args(std::span<const std::string> args, std::span<const OptionSpec> spec,
                std::string_view command);

// A subcommand's command line: its options, its --help text, and its positional arguments.
struct Command {
  std::string_view name;  // "replay"
  std::span<const OptionSpec> options;
  const char* help;
  std::string_view positional;  // "BINARY [FILTER]", for the error message
  std::size_t min_positional, max_positional;
  std::vector<std::string_view> required;  // options that must be given ("--schedule FILE")
};

// parse_args, then: --help prints the help and gives nullopt (exit 0); too few or too many
// positional arguments, or a required option missing, is a ToolError.
std::optional<Args> parse_command(std::span<const std::string> args, const Command& command);

// The parsers of weave/settings.hpp (one grammar for the flags and the WEAVE_* variables), with
// their errors as ToolErrors.
// "--jobs 4": a whole number in [min, max].
std::uint64_t parse_count(std::string_view option, std::string_view text, std::uint64_t min,
                          std::uint64_t max);
// "--time-budget 30s": a positive duration with ms, s, m or h (a bare number is seconds).
std::chrono::milliseconds parse_duration(std::string_view option, std::string_view text);
// "--shard 2/4"; 0 <= i < n.
using weave::Shard;
Shard parse_shard(std::string_view text);

// The WEAVE_SHARD of the process that runs part `part` (of `jobs`) of a test: part k of shard i/n
// is i*jobs+k of n*jobs. None when the search is not split (one part in all).
std::optional<std::string> shard_for(const std::optional<Shard>& shard, std::uint64_t jobs,
                                     std::uint64_t part);

// A file name made from a test name: letters, digits, '-' and '_' kept, the rest '_'.
std::string file_stem(std::string_view name);

}  // namespace weave::tool
