#pragma once
// weave/assert.hpp — WEAVE_ASSERT(cond).
//
// Under the checker a false condition is an AssertionFailure bug, reported with the expression,
// the trace and a replay command. On OS threads it throws weave::AssertionError. Always evaluated
// (not compiled out by NDEBUG).
#include <source_location>

#include "weave/errors.hpp"

namespace weave::detail {
[[noreturn]] void assertion_failed(const char* expr, const std::source_location& loc);
}  // namespace weave::detail

#define WEAVE_ASSERT(cond)                                                              \
  ((cond) ? static_cast<void>(0)                                                        \
          : ::weave::detail::assertion_failed(#cond, std::source_location::current()))
