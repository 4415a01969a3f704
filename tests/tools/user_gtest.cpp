// The same user code under GoogleTest: `weave run` and `weave replay` take GoogleTest binaries too.
#include <weave/gtest.hpp>

#include "user_code.hpp"

TEST(Bank, TransfersDeadlock) { EXPECT_NO_BUG(user_code::transfer_both_ways); }

TEST(Bank, CountingIsSafe) { EXPECT_NO_BUG(user_code::count_together); }
