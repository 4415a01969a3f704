// The same user code under GoogleTest: `weave run` and `weave replay` take GoogleTest binaries too.
#include <weave/gtest.hpp>

#include "user_code.hpp"

TEST(Bank, TransfersDeadlock) { EXPECT_NO_BUG(user_code::transfer_both_ways); }

TEST(Bank, CountingIsSafe) { EXPECT_NO_BUG(user_code::count_together); }

// check() called directly, twice; the second call deadlocks. Its report's replay command must
// select this test the GoogleTest way and replay the second call.
TEST(Twice, CountThenTransfer) {
  const weave::Result counted = weave::check(user_code::count_together);
  EXPECT_TRUE(weave::no_bug(counted));
  const weave::Result transferred = weave::check(user_code::transfer_both_ways);
  EXPECT_TRUE(weave::no_bug(transferred));
}
