// The same user code under GoogleTest: `weave run` and `weave replay` take GoogleTest binaries too.
#include <gtest/gtest.h>

#include <weave/check.hpp>

#include "user_code.hpp"

TEST(Bank, TransfersDeadlock) {
  const weave::Result r = weave::check(user_code::transfer_both_ways);
  EXPECT_TRUE(r.ok()) << r.report();
}

TEST(Bank, CountingIsSafe) {
  const weave::Result r = weave::check(user_code::count_together);
  EXPECT_TRUE(r.ok()) << r.report();
}
