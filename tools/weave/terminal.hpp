#pragma once
// The terminal: its width, and a status line that redraws in place (only on a terminal; logs and
// pipes get plain lines).
#include <chrono>
#include <cstddef>
#include <string>

namespace weave::tool {

// Columns of the terminal on stdout; 0 when stdout is not a terminal.
std::size_t terminal_columns();

// A cap for one thread's column in a trace table with `threads` columns (0: no cap, not a
// terminal).
std::size_t column_cap(std::size_t threads);

class StatusLine {
 public:
  StatusLine();  // active when stderr is a terminal
  ~StatusLine();
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  // Redraws the line, at most every 100 ms unless `force`.
  void show(const std::string& text, bool force = false);
  // Clears it, so that a normal line can be printed.
  void clear();
  // Whether it is drawn at all (stderr is a terminal).
  bool active() const { return active_; }

 private:
  bool active_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace weave::tool
