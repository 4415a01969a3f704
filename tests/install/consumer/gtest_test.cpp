// A GoogleTest binary outside weave (weave::gtest), registered with weave_add_tests.
#include <weave/gtest.hpp>

#include "two_adders.hpp"

TEST(Consumer, LockedCounterHasNoBug) {
  EXPECT_NO_BUG([] { two_adders(true); }, two_adders_config());
}

TEST(Consumer, UnlockedCounterRaces) {
  EXPECT_FINDS_BUG([] { two_adders(false); }, weave::BugKind::DataRace, two_adders_config());
}
