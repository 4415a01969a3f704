#pragma once
// examples/rlock_reentry — an RLock taken again by the thread that already holds it.
//
// Demonstrates: weave::RLock. Every public method of Bank locks the bank, so each is safe on its
// own; transfer() holds the lock across its check and both of its steps (so no other thread sees
// the money in flight) and calls withdraw() and deposit(), which lock again. With a plain Lock the
// second acquire would block forever on the thread's own lock; an RLock counts the nested
// acquires and is free again only after as many releases.
#include <cstddef>
#include <deque>
#include <mutex>
#include <ostream>
#include <string>

#include "common/printer.hpp"
#include "weave/lock.hpp"
#include "weave/shared.hpp"
#include "weave/thread.hpp"

namespace examples::rlock_reentry {

class Bank {
 public:
  Bank(std::size_t accounts, long opening_balance) {
    for (std::size_t i = 0; i < accounts; ++i) {
      balances_.emplace_back(opening_balance, "account-" + std::to_string(i));
    }
  }

  std::size_t accounts() const { return balances_.size(); }

  // The balance of one account.
  long balance(std::size_t account) {
    std::lock_guard<weave::RLock> hold(lock_);
    return balances_.at(account).load();
  }

  // Adds `amount` to one account.
  void deposit(std::size_t account, long amount) {
    std::lock_guard<weave::RLock> hold(lock_);
    balances_.at(account) += amount;
  }

  // Takes `amount` from one account; false (and no change) when it holds less.
  bool withdraw(std::size_t account, long amount) {
    std::lock_guard<weave::RLock> hold(lock_);
    if (balances_.at(account).load() < amount) return false;
    balances_.at(account) -= amount;
    return true;
  }

  // Moves `amount` between accounts, all or nothing; false when `from` holds less.
  bool transfer(std::size_t from, std::size_t to, long amount) {
    std::lock_guard<weave::RLock> hold(lock_);  // held across both steps
    if (!withdraw(from, amount)) return false;  // re-enters lock_
    deposit(to, amount);                        // re-enters lock_
    return true;
  }

  // The sum of all balances, read in one go.
  long total() {
    std::lock_guard<weave::RLock> hold(lock_);
    long sum = 0;
    for (std::size_t i = 0; i < balances_.size(); ++i) sum += balance(i);  // re-enters lock_
    return sum;
  }

 private:
  weave::RLock lock_{"bank"};
  std::deque<weave::Shared<long>> balances_;
};

// `accounts` tellers in a ring: teller i moves 1 from account i to account i+1, `transfers`
// times. Every account opens with 100, so no transfer is refused when transfers <= 100.
inline void run(std::ostream& out, int accounts = 4, int transfers = 100) {
  Printer printer(out);
  Bank bank(static_cast<std::size_t>(accounts), 100);
  printer.line("opening total: ", bank.total());
  printer.line("transfer of 1000 from account 0 refused: ",
               bank.transfer(0, 1, 1000) ? "no" : "yes");

  auto teller = [&](std::size_t from) {
    const std::size_t to = (from + 1) % bank.accounts();
    int done = 0;
    for (int i = 0; i < transfers; ++i) done += bank.transfer(from, to, 1) ? 1 : 0;
    printer.line("teller-", from, " moved ", done, " from account ", from, " to account ", to);
  };
  std::deque<weave::Thread> tellers;
  for (std::size_t i = 0; i < bank.accounts(); ++i) tellers.emplace_back(teller, i);
  for (weave::Thread& t : tellers) t.start();
  for (weave::Thread& t : tellers) t.join();

  for (std::size_t i = 0; i < bank.accounts(); ++i) {
    printer.line("account ", i, ": ", bank.balance(i));
  }
  printer.line("closing total: ", bank.total());
}

}  // namespace examples::rlock_reentry
