#include "rlock_reentry/rlock_reentry.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/lines.hpp"

TEST_CASE("rlock_reentry: nested locking transfers keep the total and every balance",
          "[examples]") {
  std::ostringstream out;
  examples::rlock_reentry::run(out, 4, 100);

  const std::vector<std::string> lines = examples::lines_of(out.str());
  REQUIRE(lines.size() == 11);
  REQUIRE(lines[0] == "opening total: 400");
  REQUIRE(lines[1] == "transfer of 1000 from account 0 refused: yes");
  REQUIRE(examples::sorted({lines.begin() + 2, lines.begin() + 6}) ==
          std::vector<std::string>{
              "teller-0 moved 100 from account 0 to account 1",
              "teller-1 moved 100 from account 1 to account 2",
              "teller-2 moved 100 from account 2 to account 3",
              "teller-3 moved 100 from account 3 to account 0",
          });
  REQUIRE(std::vector<std::string>(lines.begin() + 6, lines.end()) ==
          std::vector<std::string>{"account 0: 100", "account 1: 100", "account 2: 100",
                                   "account 3: 100", "closing total: 400"});
}

TEST_CASE("rlock_reentry: a Bank refuses an overdraft and is unlocked afterwards", "[examples]") {
  examples::rlock_reentry::Bank bank(2, 10);
  REQUIRE_FALSE(bank.transfer(0, 1, 11));
  REQUIRE(bank.transfer(0, 1, 10));
  REQUIRE(bank.balance(0) == 0);
  REQUIRE(bank.balance(1) == 20);
  // Another thread can take the lock, so every nested acquire was released.
  bool transferred = false;
  weave::Thread other([&] { transferred = bank.transfer(1, 0, 5); });
  other.start();
  other.join();
  REQUIRE(transferred);
  REQUIRE(bank.total() == 20);
}
