// Listeners need Catch2's external interfaces.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "weave/catch2.hpp"

#include <fmt/format.h>

namespace weave {

namespace {
// Names saved schedules and replay commands after the running test case.
class TestNameListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& info) override { set_test_name(info.name); }
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
