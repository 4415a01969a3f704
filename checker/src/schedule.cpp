#include "schedule.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "strategy/strategy.hpp"
#include "weave/check.hpp"

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

[[noreturn]] void malformed(std::string_view text, const std::string& why) {
  std::string shown(text.substr(0, 80));
  if (text.size() > 80) shown += "...";
  throw ReplayError(
      fmt::format("malformed schedule '{}': {} (expected weave1:<steps>:<hash>:<choices>, e.g. "
                  "weave1:42:9f3a61c2d4e5f607:0x4.1.t0.2x3)",
                  shown, why));
}

std::uint64_t parse_number(std::string_view text, std::string_view field, int base,
                           std::string_view whole) {
  std::uint64_t v = 0;
  const char* end = field.data() + field.size();
  auto [ptr, ec] = std::from_chars(field.data(), end, v, base);
  if (field.empty() || ec != std::errc() || ptr != end) {
    malformed(whole, fmt::format("'{}' is not a number", field));
  }
  (void)text;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
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

Schedule parse_schedule(std::string_view text) {
  std::string_view t = trim(text);
  // A schedule file: take its "schedule:" line.
  if (t.rfind("weave1:", 0) != 0) {
    const auto at = t.find("\nschedule:");
    if (t.rfind("schedule:", 0) == 0) {
      t = t.substr(9);
    } else if (at != std::string_view::npos) {
      t = t.substr(at + 10);
    } else {
      malformed(text, "it does not start with 'weave1:'");
    }
    t = trim(t.substr(0, t.find('\n')));
  }
  if (t.rfind("weave", 0) == 0 && t.rfind("weave1:", 0) != 0) {
    malformed(text, "unsupported schedule version (this weave reads weave1)");
  }
  if (t.rfind("weave1:", 0) != 0) malformed(text, "it does not start with 'weave1:'");
  std::string_view rest = t.substr(7);
  const auto c1 = rest.find(':');
  if (c1 == std::string_view::npos) malformed(text, "missing ':' after the step count");
  const auto c2 = rest.find(':', c1 + 1);
  if (c2 == std::string_view::npos) malformed(text, "missing ':' after the trace hash");
  Schedule s;
  std::string_view steps = rest.substr(0, c1);
  if (const auto at = steps.find('@'); at != std::string_view::npos) {
    const std::uint64_t n = parse_number(t, steps.substr(at + 1), 10, text);
    if (n == 0 || n > 1'000'000) malformed(text, "a check() number after '@' out of range");
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
      malformed(text,
                fmt::format("unknown flag '{}' after the step count (L, S, N and C are known)",
                            steps.back()));
    }
    *flag = true;
    steps.remove_suffix(1);
  }
  s.steps = parse_number(t, steps, 10, text);
  if (s.livelock && s.steps == 0) malformed(text, "a livelock schedule of 0 steps");
  if (s.livelock && s.crashed) malformed(text, "a run cannot end both in a livelock and a crash");
  s.hash = parse_number(t, rest.substr(c1 + 1, c2 - c1 - 1), 16, text);
  std::string_view choices = rest.substr(c2 + 1);
  while (!choices.empty()) {
    const auto dot = choices.find('.');
    std::string_view item = choices.substr(0, dot);
    choices = dot == std::string_view::npos ? std::string_view{} : choices.substr(dot + 1);
    if (item.empty()) malformed(text, "an empty choice (two '.' in a row?)");
    std::uint32_t flag = 0;
    if (item.front() == 't') {
      flag = kTimeoutBit;
      item.remove_prefix(1);
    } else if (item.front() == 'r') {
      flag = kDrawBit;
      item.remove_prefix(1);
    }
    std::uint64_t repeat = 1;
    const auto x = item.find('x');
    if (x != std::string_view::npos) {
      repeat = parse_number(t, item.substr(x + 1), 10, text);
      item = item.substr(0, x);
      if (repeat == 0 || repeat > 100'000'000) malformed(text, "a repeat count out of range");
    }
    const std::uint64_t value = parse_number(t, item, 10, text);
    if (value >= kDrawBit) malformed(text, fmt::format("choice {} is out of range", value));
    s.choices.insert(s.choices.end(), repeat, static_cast<std::uint32_t>(value) | flag);
  }
  return s;
}

std::string load_schedule_argument(std::string_view token_or_path) {
  const std::string_view t = trim(token_or_path);
  if (t.rfind("weave", 0) == 0 && t.find('/') == std::string_view::npos) return std::string(t);
  std::ifstream in{std::string(t)};
  if (!in) {
    throw ReplayError(
        fmt::format("cannot read schedule '{}': it is neither a schedule token (weave1:...) nor a "
                    "readable file",
                    t));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace weave::detail
