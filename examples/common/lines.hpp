#pragma once
// examples/common/lines.hpp — splitting an example's output into lines, for its test.
//
// Threads interleave, so a test compares the multiset of lines (sorted_lines) or picks the lines
// of one thread (lines_starting_with) rather than the text as a whole.
#include <algorithm>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace examples {

// The lines of `text`, in order, without their newlines.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The lines of `text`, sorted: equal for two outputs with the same lines in any order.
inline std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines = lines_of(text);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// The lines of `text` that start with `prefix`, in order.
inline std::vector<std::string> lines_starting_with(const std::string& text,
                                                    std::string_view prefix) {
  std::vector<std::string> picked;
  for (std::string& line : lines_of(text)) {
    if (line.starts_with(prefix)) picked.push_back(std::move(line));
  }
  return picked;
}

// `lines`, sorted.
inline std::vector<std::string> sorted(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace examples
