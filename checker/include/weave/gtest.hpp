#pragma once
// weave/gtest.hpp — GoogleTest assertions for weave::check.
//
//   EXPECT_NO_BUG(body);                          EXPECT_NO_BUG(body, config);
//   ASSERT_NO_BUG(body[, config]);
//   EXPECT_FINDS_BUG(body, weave::BugKind::Deadlock[, config]);
//   ASSERT_FINDS_BUG(body, kind[, config]);
//
// Each runs weave::check(body, config); a failure prints the full report, with its trace and the
// command that replays the failing schedule in this test. To assert on a Result you already have:
//
//   EXPECT_TRUE(weave::no_bug(result));   EXPECT_TRUE(weave::finds_bug(result, kind));
//
// Including this header also registers a listener that names saved schedules after the running
// test (Suite.Name). Link weave::gtest.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>

#include "weave/check.hpp"

namespace weave {

namespace gtest_detail {

inline std::string test_name(const ::testing::TestInfo& info) {
  return std::string(info.test_suite_name()) + "." + info.name();
}

// Names saved schedules and replay commands after the running test (a replay command runs it
// with --gtest_filter=Suite.Name), as the Catch2 integration does.
class TestNameListener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo& info) override {
    set_test_name(test_name(info), "--gtest_filter=" + test_name(info));
  }
  void OnTestEnd(const ::testing::TestInfo&) override { set_test_name({}); }
};

// Registered once per program, before main (GoogleTest owns the listener from then on).
inline const bool listener_registered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new TestNameListener);
  return true;
}();

}  // namespace gtest_detail

// Success when `result` has no bug; otherwise a failure whose message is the report.
inline ::testing::AssertionResult no_bug(const Result& result) {
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << result.report();
}

// Success when `result` has a bug of `kind`; otherwise a failure saying what was found instead.
inline ::testing::AssertionResult finds_bug(const Result& result, BugKind kind) {
  if (result.bug && result.bug->kind == kind) return ::testing::AssertionSuccess();
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << "expected weave to find a bug of kind " << to_string(kind) << ", but ";
  if (result.ok()) {
    failure << "it found none (seed " << result.seed << ")\n";
  } else {
    failure << "it found a " << to_string(result.bug->kind) << ":\n";
  }
  return failure << result.report();
}

namespace gtest_detail {

// What the macros hand to GoogleTest's predicate-format assertions: the arguments of a macro
// become function arguments, so a body whose lambda has commas in it stays one argument.
inline Result run(std::function<void()> body, Config config = {}) {
  return check(std::move(body), std::move(config));
}

struct Expected {
  Result result;
  BugKind kind;
};
inline Expected run_expecting(std::function<void()> body, BugKind kind, Config config = {}) {
  return {check(std::move(body), std::move(config)), kind};
}

inline ::testing::AssertionResult no_bug_format(const char*, const Result& result) {
  return no_bug(result);
}
inline ::testing::AssertionResult finds_bug_format(const char*, const Expected& expected) {
  return finds_bug(expected.result, expected.kind);
}

}  // namespace gtest_detail

}  // namespace weave

// EXPECT_NO_BUG(body[, config]): weave::check finds no bug (a non-fatal failure otherwise).
#define EXPECT_NO_BUG(...) \
  EXPECT_PRED_FORMAT1(::weave::gtest_detail::no_bug_format, ::weave::gtest_detail::run(__VA_ARGS__))
// ASSERT_NO_BUG(body[, config]): as EXPECT_NO_BUG, and a failure ends the test.
#define ASSERT_NO_BUG(...) \
  ASSERT_PRED_FORMAT1(::weave::gtest_detail::no_bug_format, ::weave::gtest_detail::run(__VA_ARGS__))
// EXPECT_FINDS_BUG(body, kind[, config]): weave::check finds a bug of `kind`.
#define EXPECT_FINDS_BUG(...)                                  \
  EXPECT_PRED_FORMAT1(::weave::gtest_detail::finds_bug_format, \
                      ::weave::gtest_detail::run_expecting(__VA_ARGS__))
// ASSERT_FINDS_BUG(body, kind[, config]): as EXPECT_FINDS_BUG, and a failure ends the test.
#define ASSERT_FINDS_BUG(...)                                  \
  ASSERT_PRED_FORMAT1(::weave::gtest_detail::finds_bug_format, \
                      ::weave::gtest_detail::run_expecting(__VA_ARGS__))
