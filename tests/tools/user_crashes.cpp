// A user's Catch2 test binary whose checked code crashes (user_crash_code.hpp): a reader that
// follows a null pointer under one interleaving, and sellers that abort() when they oversell.
// tools_test drives it through `weave run` and `weave replay`; ctest never runs it itself.
// USER_CRASHES_FIXED=1 runs the fixed reader (the same steps, no crash).
#include <cstdlib>
#include <string_view>
#include <weave/catch2.hpp>

#include "user_crash_code.hpp"

TEST_CASE("reader meets a null pointer", "[crash]") {
  const char* fixed = std::getenv("USER_CRASHES_FIXED");
  const bool fixed_reader = fixed != nullptr && std::string_view(fixed) == "1";
  REQUIRE_THAT(weave::check([fixed_reader] { user_crash_code::null_after_race(fixed_reader); }),
               weave::NoBug());
}

TEST_CASE("sellers oversell", "[crash]") {
  REQUIRE_THAT(weave::check(user_crash_code::oversell), weave::NoBug());
}
