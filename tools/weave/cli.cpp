#include "cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "weave/errors.hpp"

namespace weave::tool {

std::optional<std::string> Args::get(std::string_view option) const {
  auto it = values.find(option);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

Args parse_args(std::span<const std::string> args, std::span<const OptionSpec> spec,
                std::string_view command) {
  Args out;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    const auto eq = a.find('=');
    const std::string name = a.substr(0, eq);
    const OptionSpec* match = nullptr;
    for (const OptionSpec& o : spec) {
      if (o.name == name) match = &o;
    }
    if (match == nullptr) {
      throw ToolError(
          fmt::format("{}: unknown option '{}' (see weave {} --help)", command, name, command));
    }
    if (!match->takes_value) {
      if (eq != std::string::npos) {
        throw ToolError(fmt::format("{}: {} takes no value", command, name));
      }
      out.values[name] = "";
    } else if (eq != std::string::npos) {
      out.values[name] = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      out.values[name] = args[++i];
    } else {
      throw ToolError(fmt::format("{}: {} needs a value", command, name));
    }
  }
  return out;
}

std::optional<Args> parse_command(std::span<const std::string> args, const Command& command) {
  Args a = parse_args(args, command.options, command.name);
  if (a.help) {
    std::fputs(command.help, stdout);
    return std::nullopt;
  }
  if (a.positional.size() < command.min_positional ||
      a.positional.size() > command.max_positional) {
    throw ToolError(fmt::format("{}: expected {} (see weave {} --help)", command.name,
                                command.positional, command.name));
  }
  for (std::string_view option : command.required) {
    if (!a.has(option.substr(0, option.find(' ')))) {
      throw ToolError(fmt::format("{}: {} is required", command.name, option));
    }
  }
  return a;
}

std::uint64_t parse_count(std::string_view option, std::string_view text, std::uint64_t min,
                          std::uint64_t max) {
  try {
    return weave::parse_count(option, text, min, max);
  } catch (const UsageError& e) {
    throw ToolError(e.what());
  }
}

std::chrono::milliseconds parse_duration(std::string_view option, std::string_view text) {
  try {
    const Duration d = weave::parse_duration(option, text);
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        static_cast<std::chrono::nanoseconds>(d)));
  } catch (const UsageError& e) {
    throw ToolError(e.what());
  }
}

Shard parse_shard(std::string_view text) {
  try {
    return weave::parse_shard("--shard", text);
  } catch (const UsageError& e) {
    throw ToolError(e.what());
  }
}

std::optional<std::string> shard_for(const std::optional<Shard>& shard, std::uint64_t jobs,
                                     std::uint64_t part) {
  const std::uint64_t index = shard ? shard->index : 0;
  const std::uint64_t count = shard ? shard->count : 1;
  if (count * jobs == 1) return std::nullopt;
  return fmt::format("{}/{}", index * jobs + part, count * jobs);
}

std::string file_stem(std::string_view name) {
  std::string stem;
  for (char c : name) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    if (keep || stem.empty() || stem.back() != '_') stem += keep ? c : '_';
  }
  if (stem.size() > 80) stem.resize(80);
  return stem.empty() ? std::string("test") : stem;
}

}  // namespace weave::tool
