#pragma once
// The code under test in the user's test binaries (user_tests.cpp for Catch2, user_gtest.cpp for
// GoogleTest): a deadlock (two threads take two named locks in opposite orders) and a clean
// counter. tools_test.cpp finds the lines marked "[deposit: ledger]" and "[audit: accounts]" in
// the traces the tool prints.
#include <mutex>
#include <weave/weave.hpp>

namespace user_code {

inline void transfer_both_ways() {
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

inline void count_together() {
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

}  // namespace user_code
