#include "schedule.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>

#include "strategy/strategy.hpp"
#include "weave/check.hpp"
#include "weave/settings.hpp"

namespace weave::detail {

namespace {

void append_choice(std::string& out, std::uint32_t c) {
  if ((c & kDrawBit) != 0) {
    out += 'r';
    out += std::to_string(c & ~kDrawBit);
  } else if ((c & kTimeoutBit) != 0) {
    out += 't';
    out += std::to_string(c & ~kTimeoutBit);
  } else {
    out += std::to_string(c);
  }
}

// How an error names a schedule file.
std::string file_name(std::string_view file) { return printable(file, 300); }

[[noreturn]] void malformed(std::string_view token, std::string_view file, const std::string& why) {
  throw ReplayError(
      fmt::format("{}malformed schedule '{}': {} (expected weave1:<steps>:<hash>:<choices>, e.g. "
                  "weave1:42:9f3a61c2d4e5f607:0x4.1.t0.2x3)",
                  file.empty() ? std::string() : fmt::format("schedule file {}: ", file_name(file)),
                  printable(token, 80), why));
}

[[noreturn]] void bad_file(std::string_view file, const std::string& why) {
  throw ReplayError(fmt::format("schedule file {} {}", file_name(file), why));
}

std::uint64_t parse_number(std::string_view field, int base, std::string_view token,
                           std::string_view file) {
  std::uint64_t v = 0;
  const char* end = field.data() + field.size();
  auto [ptr, ec] = std::from_chars(field.data(), end, v, base);
  if (field.empty() || ec != std::errc() || ptr != end) {
    malformed(token, file, fmt::format("'{}' is not a number", printable(field, 30)));
  }
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// One item of a token's choice list: `value` (with its flag) `repeat` times.
struct ChoiceRun {
  std::uint32_t choice = 0;
  std::uint64_t repeat = 1;
};

ChoiceRun parse_choice(std::string_view item, std::string_view token, std::string_view file) {
  if (item.empty()) malformed(token, file, "an empty choice (two '.' in a row?)");
  ChoiceRun run;
  std::uint32_t flag = 0;
  if (item.front() == 't') {
    flag = kTimeoutBit;
    item.remove_prefix(1);
  } else if (item.front() == 'r') {
    flag = kDrawBit;
    item.remove_prefix(1);
  }
  const auto x = item.find('x');
  if (x != std::string_view::npos) {
    run.repeat = parse_number(item.substr(x + 1), 10, token, file);
    item = item.substr(0, x);
    if (run.repeat == 0) malformed(token, file, "a repeat count of 0");
  }
  const std::uint64_t value = parse_number(item, 10, token, file);
  if (value >= kDrawBit) malformed(token, file, fmt::format("choice {} is out of range", value));
  run.choice = static_cast<std::uint32_t>(value) | flag;
  return run;
}

// Calls `each` with every item of a choice list ("0x4.1.t0.2x3").
template <class F>
void for_each_choice(std::string_view choices, std::string_view token, std::string_view file,
                     F&& each) {
  while (!choices.empty()) {
    const auto dot = choices.find('.');
    each(parse_choice(choices.substr(0, dot), token, file));
    if (dot == std::string_view::npos) break;
    choices = choices.substr(dot + 1);
    if (choices.empty()) malformed(token, file, "an empty choice at the end");
  }
}

// The text of a schedule file, read with a size cap; the checks that need no parsing.
std::string read_schedule_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    throw ReplayError(
        fmt::format("cannot read schedule '{}': it is neither a schedule token (weave1:...) nor a "
                    "readable file",
                    file_name(path)));
  }
  if (fs::is_directory(st)) bad_file(path, "is a directory, not a schedule file");
  if (!fs::is_regular_file(st)) {
    bad_file(path,
             "is not a regular file (a device, pipe or socket): give a saved .schedule file or a "
             "weave1:... token");
  }
  const std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > kMaxScheduleFileBytes) {
    bad_file(path, fmt::format("is {} bytes, larger than a schedule file can be ({} MiB): it is "
                               "not a schedule file weave saved",
                               size, kMaxScheduleFileBytes >> 20));
  }
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) bad_file(path, "cannot be read (permission denied?)");
  // One byte more than its size: a file that grows meanwhile is not read on and on.
  std::string text(static_cast<std::size_t>(size) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > size) bad_file(path, "changed while it was read");
  if (trim(text).empty()) bad_file(path, "is empty: it is not a schedule file weave saved");
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7F) {
      bad_file(path, fmt::format("holds binary data (byte 0x{:02x} at offset {}): it is not a "
                                 "schedule file weave saved",
                                 c, i));
    }
  }
  return text;
}

// The header line: `weave-schedule 1`.
void check_header(std::string_view line, const std::string& path) {
  constexpr std::string_view kHeader = "weave-schedule ";
  if (line.substr(0, 7) == "weave1:") {
    bad_file(path,
             "holds a bare token without the 'weave-schedule 1' header line: give the token "
             "itself instead of the file");
  }
  if (line.substr(0, kHeader.size()) != kHeader) {
    bad_file(path, fmt::format("has no 'weave-schedule 1' header line: it is not a schedule file "
                               "weave saved (its first line is '{}')",
                               printable(line)));
  }
  const std::string_view version = trim(line.substr(kHeader.size()));
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(version.data(), version.data() + version.size(), v);
  const bool number =
      !version.empty() && ec == std::errc() && ptr == version.data() + version.size();
  if (number && v > 1) {
    bad_file(path, fmt::format("was saved by a newer weave (schedule format {}; this weave reads "
                               "format 1): replay it with the weave that saved it",
                               printable(version, 20)));
  }
  if (!number || v != 1) {
    bad_file(path, fmt::format("has a malformed header '{}' (expected 'weave-schedule 1')",
                               printable(line)));
  }
}

}  // namespace

std::string encode_schedule(const Schedule& s) {
  std::string out =
      fmt::format("weave1:{}{}{}{}{}{}:{:016x}:", s.steps, s.livelock ? "L" : "",
                  s.spurious_wakeups ? "S" : "", s.races_off ? "N" : "", s.crashed ? "C" : "",
                  s.check > 1 ? fmt::format("@{}", s.check) : std::string(), s.hash);
  for (std::size_t i = 0; i < s.choices.size();) {
    std::size_t j = i;
    while (j < s.choices.size() && s.choices[j] == s.choices[i]) ++j;
    if (i != 0) out += '.';
    append_choice(out, s.choices[i]);
    if (j - i > 1) out += fmt::format("x{}", j - i);
    i = j;
  }
  return out;
}

Schedule parse_schedule(std::string_view token, std::string_view file) {
  const std::string_view t = trim(token);
  if (t.rfind("weave", 0) == 0 && t.rfind("weave1:", 0) != 0) {
    malformed(token, file,
              "an unsupported schedule version (this weave reads weave1; a newer weave may have "
              "saved it)");
  }
  if (t.rfind("weave1:", 0) != 0) malformed(token, file, "it does not start with 'weave1:'");
  std::string_view rest = t.substr(7);
  const auto c1 = rest.find(':');
  if (c1 == std::string_view::npos) malformed(token, file, "missing ':' after the step count");
  const auto c2 = rest.find(':', c1 + 1);
  if (c2 == std::string_view::npos) malformed(token, file, "missing ':' after the trace hash");
  Schedule s;
  std::string_view steps = rest.substr(0, c1);
  if (const auto at = steps.find('@'); at != std::string_view::npos) {
    const std::uint64_t n = parse_number(steps.substr(at + 1), 10, token, file);
    if (n == 0 || n > 1'000'000) malformed(token, file, "a check() number after '@' out of range");
    s.check = static_cast<std::uint32_t>(n);
    steps = steps.substr(0, at);
  }
  while (!steps.empty() && std::isalpha(static_cast<unsigned char>(steps.back()))) {
    bool* flag = steps.back() == 'L'   ? &s.livelock
                 : steps.back() == 'S' ? &s.spurious_wakeups
                 : steps.back() == 'N' ? &s.races_off
                 : steps.back() == 'C' ? &s.crashed
                                       : nullptr;
    if (flag == nullptr) {
      malformed(token, file,
                fmt::format("unknown flag '{}' after the step count (L, S, N and C are known)",
                            printable(steps.substr(steps.size() - 1))));
    }
    *flag = true;
    steps.remove_suffix(1);
  }
  s.steps = parse_number(steps, 10, token, file);
  if (s.livelock && s.steps == 0) malformed(token, file, "a livelock schedule of 0 steps");
  if (s.livelock && s.crashed) {
    malformed(token, file, "a run cannot end both in a livelock and a crash");
  }
  // A livelock ends one step beyond max_steps.
  if (s.steps > kMaxStepsLimit + 1) {
    malformed(token, file,
              fmt::format("it claims {} steps, more than a run may take ({}, the most "
                          "Config::max_steps allows)",
                          s.steps, kMaxStepsLimit));
  }
  s.hash = parse_number(rest.substr(c1 + 1, c2 - c1 - 1), 16, token, file);
  // Count first, then allocate: repeat counts could otherwise ask for gigabytes.
  const std::string_view choices = rest.substr(c2 + 1);
  const std::uint64_t most = kMaxChoicesPerStep * s.steps;
  std::uint64_t count = 0;
  for_each_choice(choices, token, file, [&](const ChoiceRun& run) {
    if (run.repeat > most - count) {
      malformed(token, file,
                fmt::format("its choices add up to more than a run of {} steps makes (at most {} "
                            "per step)",
                            s.steps, kMaxChoicesPerStep));
    }
    count += run.repeat;
  });
  s.choices.reserve(count);
  for_each_choice(choices, token, file, [&](const ChoiceRun& run) {
    s.choices.insert(s.choices.end(), run.repeat, run.choice);
  });
  return s;
}

std::string ScheduleArgument::field(std::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return v;
  }
  return {};
}

ScheduleArgument load_schedule_argument(std::string_view token_or_path) {
  ScheduleArgument out;
  const std::string_view t = trim(token_or_path);
  std::error_code ec;
  const bool token = t.rfind("weave", 0) == 0 && t.find('/') == std::string_view::npos &&
                     !std::filesystem::exists(std::string(t), ec);
  if (token || t.empty()) {
    out.token = std::string(t);
    out.schedule = parse_schedule(out.token);
    return out;
  }
  out.file = std::string(t);
  const std::string text = read_schedule_file(out.file);
  std::string_view rest = text;
  bool header = false;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const std::string_view line = trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    if (!header) {
      check_header(line, out.file);
      header = true;
      continue;
    }
    // A line without "key: " continues the value above it (a message may span lines).
    const auto colon = line.find(": ");
    const std::string_view key = line.substr(0, colon);
    if (colon == std::string_view::npos ||
        key.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") != std::string_view::npos) {
      continue;
    }
    out.fields.emplace_back(std::string(key), std::string(trim(line.substr(colon + 2))));
  }
  out.token = out.field("schedule");
  if (out.token.empty()) bad_file(out.file, "has no 'schedule: weave1:...' line");
  out.schedule = parse_schedule(out.token, out.file);
  return out;
}

}  // namespace weave::detail
