#pragma once
// Where the user's code is on the calling thread's stack, for reports about code that has no
// std::source_location of its own (a destructor).
#include <cstdint>
#include <string>

namespace weave::detail {

struct SourceLine {
  std::string file;  // empty: unknown
  std::uint32_t line = 0;
};

// The innermost frame of the calling thread's stack that is neither weave's own code nor the
// standard library's, as a file and line: the stack is walked with backtrace() and the addresses
// are looked up with addr2line in the program's debug information. Slow (it runs a process): for
// reports only. Empty when it cannot be told (no debug information, no addr2line).
SourceLine user_caller();

}  // namespace weave::detail
