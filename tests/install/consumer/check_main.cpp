// A program outside weave that uses the checker as a user would: it explores a correct locked
// counter (no bug may be found) and a lost update (the checker must find it).
#include <cstdio>
#include <weave/check.hpp>

#include "two_adders.hpp"

int main() {
  const weave::Result good = weave::check([] { two_adders(true); }, two_adders_config());
  const weave::Result bad = weave::check([] { two_adders(false); }, two_adders_config());
  std::printf("consumer_check: locked ok=%d, unlocked ok=%d\n", good.ok(), bad.ok());
  if (!good.ok()) std::printf("%s\n", good.report().c_str());
  return good.ok() && !bad.ok() ? 0 : 1;
}
