// A Catch2 binary outside weave (weave::catch2), registered with weave_add_tests.
#define CATCH_CONFIG_MAIN
#include <weave/catch2.hpp>

#include "two_adders.hpp"

TEST_CASE("consumer: locked counter, no bug", "[consumer]") {
  REQUIRE_THAT(weave::check([] { two_adders(true); }, two_adders_config()), weave::NoBug());
}

TEST_CASE("consumer: unlocked counter [races]") {
  REQUIRE_THAT(weave::check([] { two_adders(false); }, two_adders_config()),
               weave::FindsBug(weave::BugKind::DataRace));
}
