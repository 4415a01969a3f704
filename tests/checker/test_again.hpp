#pragma once
// For in-process tests that compare the schedules of several check() calls, or that set
// WEAVE_REPLAY / WEAVE_SHRINK and call check() again: a schedule belongs to the n-th check() call
// of its test (its token's `@n`), so such a test plays "the test runs again", which starts that
// count over, as a new process running the test would.
#include <weave/catch2.hpp>
#include <weave/check.hpp>

inline void start_test_again() {
  weave::set_test_name(Catch::getResultCapture().getCurrentTestName());
}
