#include "weave/settings.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "weave/errors.hpp"

namespace weave {

namespace {

// "WEAVE_SEED=-1" or "--seed -1": the setting as the user wrote it.
std::string as_written(std::string_view setting, std::string_view text) {
  return fmt::format("{}{}{}", setting, setting.substr(0, 2) == "--" ? " " : "=", printable(text));
}

bool whole_number(std::string_view text, std::uint64_t& out) {
  // from_chars takes no sign and no spaces for an unsigned type, and says when the value does
  // not fit instead of wrapping it.
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

// The length of the UTF-8 sequence that starts `s`, or 0 when it is not one.
std::size_t utf8_length(std::string_view s) {
  const auto b = static_cast<unsigned char>(s[0]);
  const std::size_t n = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0;
  if (n == 0 || s.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::uint64_t parse_count(std::string_view setting, std::string_view text, std::uint64_t min,
                          std::uint64_t max) {
  std::uint64_t v = 0;
  if (!whole_number(text, v) || v < min || v > max) {
    throw UsageError(fmt::format("{}: expected a whole number from {} to {}",
                                 as_written(setting, text), min, max));
  }
  return v;
}

Duration parse_duration(std::string_view setting, std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [unit, ec] = std::from_chars(text.data(), end, value);
  const std::string_view suffix(unit, static_cast<std::size_t>(end - unit));
  double seconds_per_unit = 0;
  if (suffix.empty() || suffix == "s") {
    seconds_per_unit = 1;
  } else if (suffix == "ms") {
    seconds_per_unit = 1e-3;
  } else if (suffix == "m" || suffix == "min") {
    seconds_per_unit = 60;
  } else if (suffix == "h") {
    seconds_per_unit = 3600;
  }
  if (ec != std::errc() || unit == text.data() || seconds_per_unit == 0 || !(value > 0) ||
      !std::isfinite(value)) {
    throw UsageError(
        fmt::format("{}: expected a duration such as 500ms, 30s, 5m or 1h (a bare number is "
                    "seconds)",
                    as_written(setting, text)));
  }
  return std::chrono::duration<double>(value * seconds_per_unit);
}

Shard parse_shard(std::string_view setting, std::string_view text) {
  const auto slash = text.find('/');
  Shard s;
  const bool ok = slash != std::string_view::npos && whole_number(text.substr(0, slash), s.index) &&
                  whole_number(text.substr(slash + 1), s.count) && s.index < s.count;
  if (!ok) {
    throw UsageError(fmt::format(
        "{}: expected i/n with 0 <= i < n (part i, counted from 0, of n parts; e.g. 0/4 ... 3/4)",
        as_written(setting, text)));
  }
  return s;
}

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  std::size_t i = 0;
  for (std::size_t shown = 0; i < text.size(); ++shown) {
    if (shown == max) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = c >= 0x80 ? utf8_length(text.substr(i)) : 0;
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
    } else if (n > 0) {
      out += text.substr(i, n);
      i += n;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

}  // namespace weave
