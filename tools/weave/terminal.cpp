#include "terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace weave::tool {

std::size_t terminal_columns() {
  if (isatty(STDOUT_FILENO) == 0) return 0;
  winsize w{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) != 0 || w.ws_col == 0) return 80;
  return w.ws_col;
}

std::size_t column_cap(std::size_t threads) {
  const std::size_t cols = terminal_columns();
  if (cols == 0 || threads == 0) return 0;
  // "   step  " then " | " between columns.
  const std::size_t room = cols > 10 + 3 * threads ? cols - 10 - 3 * threads : 0;
  return std::max<std::size_t>(room / threads, 12);
}

StatusLine::StatusLine() : active_(isatty(STDERR_FILENO) != 0) {}

StatusLine::~StatusLine() { clear(); }

void StatusLine::show(const std::string& text, bool force) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && shown_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  std::fprintf(stderr, "\r\033[K%s", text.c_str());
  std::fflush(stderr);
  shown_ = true;
}

void StatusLine::clear() {
  if (!active_ || !shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace weave::tool
