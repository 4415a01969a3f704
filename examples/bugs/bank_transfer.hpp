#pragma once
// Bank transfer: each transfer locks the source account, then the destination. Two transfers in
// opposite directions can each hold one lock and wait for the other: a lock-order deadlock.
// The fix takes both locks in one global order (by account number).
#include <mutex>
#include <weave/weave.hpp>

namespace examples::bugs::bank_transfer {

struct Account {
  Account(int number, int balance, const char* name) : id(number), lock(name), money(balance) {}
  int id;
  weave::Lock lock;
  weave::Shared<int> money;
};

inline void transfer_buggy(Account& from, Account& to, int amount) {
  from.lock.acquire();
  to.lock.acquire();
  from.money -= amount;
  to.money += amount;
  to.lock.release();
  from.lock.release();
}

inline void transfer_fixed(Account& from, Account& to, int amount) {
  Account& first = from.id < to.id ? from : to;
  Account& second = from.id < to.id ? to : from;
  first.lock.acquire();
  second.lock.acquire();
  from.money -= amount;
  to.money += amount;
  second.lock.release();
  first.lock.release();
}

template <class Transfer>
void run(Transfer transfer) {
  Account alice(1, 100, "alice"), bob(2, 100, "bob");
  weave::Thread t1(weave::ThreadOptions{"alice->bob"}, [&] { transfer(alice, bob, 30); });
  weave::Thread t2(weave::ThreadOptions{"bob->alice"}, [&] { transfer(bob, alice, 20); });
  t1.start();
  t2.start();
  t1.join();
  t2.join();
  WEAVE_ASSERT(alice.money.load() + bob.money.load() == 200);
}

inline void buggy() { run(transfer_buggy); }
inline void fixed() { run(transfer_fixed); }

}  // namespace examples::bugs::bank_transfer
