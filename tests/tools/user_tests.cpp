// A user's test binary, as the tool meets it: one test with a deadlock (two threads take two
// named locks in opposite orders), one clean test and one without weave. tools_test.cpp drives
// `weave` over it and finds the lines marked "[deposit: ledger]" and "[audit: accounts]" in the
// traces it prints.
#include <mutex>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

namespace {

void transfer_both_ways() {
  weave::Lock accounts{"accounts"};
  weave::Lock ledger{"ledger"};
  weave::Thread deposit(weave::ThreadOptions{"deposit"}, [&] {
    std::lock_guard a(accounts);
    std::lock_guard l(ledger);  // [deposit: ledger]
  });
  weave::Thread audit(weave::ThreadOptions{"audit"}, [&] {
    std::lock_guard l(ledger);
    std::lock_guard a(accounts);  // [audit: accounts]
  });
  deposit.start();
  audit.start();
  deposit.join();
  audit.join();
}

void count_together() {
  weave::Lock counter_lock{"counter"};
  weave::Shared<int> counter{0, "counter"};
  weave::Thread helper([&] {
    std::lock_guard g(counter_lock);
    counter += 1;
  });
  helper.start();
  {
    std::lock_guard g(counter_lock);
    counter += 1;
  }
  helper.join();
  WEAVE_ASSERT(counter.load() == 2);
}

}  // namespace

TEST_CASE("transfers deadlock", "[bank]") {
  REQUIRE_THAT(weave::check(transfer_both_ways), weave::NoBug());
}

TEST_CASE("counting is safe", "[bank]") {
  REQUIRE_THAT(weave::check(count_together), weave::NoBug());
}

// A test that never calls weave::check: `weave replay` must say so.
TEST_CASE("plain arithmetic", "[plain]") { REQUIRE(2 + 2 == 4); }
