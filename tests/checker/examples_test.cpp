// The buggy examples: the checker finds each bug (under Random and PCT), and each fix is clean.
#include <weave/catch2.hpp>

#include "bugs/bugs.hpp"

TEST_CASE("Buggy examples are caught and their fixes are clean", "[checker][examples]") {
  for (const auto& ex : examples::bugs::kExamples) {
    for (auto strategy : {weave::Strategy::Random, weave::Strategy::PCT}) {
      INFO(ex.name << " under " << (strategy == weave::Strategy::PCT ? "PCT" : "Random"));
      weave::Config c;
      c.strategy = strategy;
      c.seed = 42;
      c.iterations = 2000;
      c.spurious_wakeups = ex.spurious_wakeups;
      REQUIRE_THAT(weave::check(ex.buggy, c), weave::FindsBug(ex.expected));
      c.iterations = 300;
      REQUIRE_THAT(weave::check(ex.fixed, c), weave::NoBug());
    }
  }
}

TEST_CASE("The spurious-wakeup example is clean when wakeups are never spurious",
          "[checker][examples]") {
  weave::Config c;
  c.seed = 42;
  c.iterations = 500;
  REQUIRE_THAT(weave::check(examples::bugs::spurious_wakeup::buggy, c), weave::NoBug());
  c.detect_races = false;  // and the lost update needs the assertion when races go unreported
  REQUIRE_THAT(weave::check(examples::bugs::lost_update::buggy, c),
               weave::FindsBug(weave::BugKind::AssertionFailure));
}

TEST_CASE("Example reports name the example's threads and objects", "[checker][examples]") {
  weave::Config c;
  c.seed = 42;
  auto r = weave::check(examples::bugs::bank_transfer::buggy, c);
  REQUIRE_THAT(r, weave::FindsBug(weave::BugKind::Deadlock));
  const std::string report = r.report();
  CHECK(report.find("alice->bob") != std::string::npos);
  CHECK(report.find("Lock alice") != std::string::npos);
  CHECK(report.find("Lock bob") != std::string::npos);
  CHECK(report.find("bank_transfer.hpp:") != std::string::npos);
  auto p = weave::check(examples::bugs::pool_starvation::buggy, c);
  REQUIRE_THAT(p, weave::FindsBug(weave::BugKind::Deadlock));
  CHECK(p.report().find("pool_0") != std::string::npos);
}

TEST_CASE("DPOR and POS catch every buggy example, DFS the shallow ones", "[checker][examples]") {
  for (const auto& ex : examples::bugs::kExamples) {
    INFO(ex.name);
    weave::Config c;
    c.seed = 42;
    c.iterations = 5000;
    c.spurious_wakeups = ex.spurious_wakeups;
    c.strategy = weave::Strategy::DPOR;
    CHECK_THAT(weave::check(ex.buggy, c), weave::FindsBug(ex.expected));
    c.strategy = weave::Strategy::POS;
    CHECK_THAT(weave::check(ex.buggy, c), weave::FindsBug(ex.expected));
  }
  // Depth-first search changes the last decisions first: a bug that needs an early switch is out
  // of its reach within a few thousand schedules, unless a preemption bound keeps it shallow.
  weave::Config c;
  c.strategy = weave::Strategy::DFS;
  c.iterations = 5000;
  c.preemption_bound = 2;
  CHECK_THAT(weave::check(examples::bugs::bank_transfer::buggy, c),
             weave::FindsBug(weave::BugKind::Deadlock));
  CHECK_THAT(weave::check(examples::bugs::lost_update::buggy, c),
             weave::FindsBug(weave::BugKind::DataRace));
  CHECK_THAT(weave::check(examples::bugs::late_waiter::buggy, c),
             weave::FindsBug(weave::BugKind::LostNotification));
}

TEST_CASE("DPOR explores the fixed examples completely", "[checker][examples]") {
  for (const auto& ex : examples::bugs::kExamples) {
    if (std::string(ex.name) == "producer_consumer") continue;  // tens of thousands: see README
    INFO(ex.name);
    weave::Config c;
    c.strategy = weave::Strategy::DPOR;
    c.iterations = 20000;
    c.spurious_wakeups = ex.spurious_wakeups;
    const weave::Result r = weave::check(ex.fixed, c);
    CHECK_THAT(r, weave::NoBug());
    CHECK(r.exhausted);
  }
}
