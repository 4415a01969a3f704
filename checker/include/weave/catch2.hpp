#pragma once
// weave/catch2.hpp — Catch2 (v2) matchers for weave::check results.
//
//   REQUIRE_THAT(weave::check(body), weave::NoBug());
//   REQUIRE_THAT(weave::check(body), weave::FindsBug(weave::BugKind::Deadlock));
//
// A failing match prints the full report (trace and replay command). Linking weave::catch2 also
// registers a listener that names saved schedules after the running test case.
#include <catch2/catch.hpp>
#include <string>

#include "weave/check.hpp"

namespace weave {

class NoBugMatcher : public Catch::MatcherBase<Result> {
 public:
  bool match(const Result& r) const override { return r.ok(); }
  std::string describe() const override;
};

class FindsBugMatcher : public Catch::MatcherBase<Result> {
 public:
  explicit FindsBugMatcher(BugKind kind) : kind_(kind) {}
  bool match(const Result& r) const override { return r.bug && r.bug->kind == kind_; }
  std::string describe() const override;

 private:
  BugKind kind_;
};

// Matches a Result without a bug.
NoBugMatcher NoBug();
// Matches a Result whose bug is of `kind`.
FindsBugMatcher FindsBug(BugKind kind);

}  // namespace weave

namespace Catch {
template <>
struct StringMaker<weave::Result> {
  static std::string convert(const weave::Result& r) { return "\n" + r.report(); }
};
}  // namespace Catch
