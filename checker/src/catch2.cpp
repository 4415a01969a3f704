// Listeners need Catch2's external interfaces.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "weave/catch2.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "tool_protocol.hpp"

namespace weave {

namespace {
// A test spec that matches just `name`: Catch2 reads ',' as "or", brackets as tags and a
// backslash as an escape, so those are escaped; so is a leading '~' (exclude) or '"' (quote).
std::string exact_test_spec(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool leading = out.empty() && (c == '~' || c == '"');
    if (leading || c == ',' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Names saved schedules and replay commands after the running test case.
class TestNameListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    set_test_name(info.name, exact_test_spec(info.name));
    (void)detail::take_replay_command();
  }
  // Catch2 wraps a failure's text at its console width, and a wrapped command cannot be pasted:
  // when an assertion fails after a check() found a bug, the command goes to stderr whole.
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    const std::string command = detail::take_replay_command();
    if (!command.empty() && !stats.assertionResult.isOk()) {
      std::fprintf(stderr, "weave: replay this failure with:\n  %s\n", command.c_str());
      std::fflush(stderr);
    }
    return TestEventListenerBase::assertionEnded(stats);
  }
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    set_test_name({});
    TestEventListenerBase::testCaseEnded(stats);
  }
};
}  // namespace

CATCH_REGISTER_LISTENER(TestNameListener)

std::string NoBugMatcher::describe() const { return "has no bug"; }

std::string FindsBugMatcher::describe() const {
  return fmt::format("finds a bug of kind {}", to_string(kind_));
}

NoBugMatcher NoBug() { return NoBugMatcher(); }
FindsBugMatcher FindsBug(BugKind kind) { return FindsBugMatcher(kind); }

}  // namespace weave
