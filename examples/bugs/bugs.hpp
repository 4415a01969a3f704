#pragma once
// The catalogue of buggy examples, each with its fix and the bug the checker should find.
#include <weave/check.hpp>

#include "bugs/bank_transfer.hpp"
#include "bugs/barrier_party.hpp"
#include "bugs/dining_philosophers.hpp"
#include "bugs/late_waiter.hpp"
#include "bugs/lock_order.hpp"
#include "bugs/lost_update.hpp"
#include "bugs/pool_starvation.hpp"
#include "bugs/producer_consumer.hpp"
#include "bugs/spurious_wakeup.hpp"

namespace examples::bugs {

struct Example {
  const char* name;
  const char* what;
  void (*buggy)();
  void (*fixed)();
  weave::BugKind expected;
  bool spurious_wakeups = false;  // check with Config::spurious_wakeups on
};

inline const Example kExamples[] = {
    {"bank_transfer", "two transfers lock accounts in opposite orders", bank_transfer::buggy,
     bank_transfer::fixed, weave::BugKind::Deadlock},
    {"lost_update", "an unprotected counter incremented by two threads", lost_update::buggy,
     lost_update::fixed, weave::BugKind::DataRace},
    {"producer_consumer", "two consumers waiting with `if` instead of `while`",
     producer_consumer::buggy, producer_consumer::fixed, weave::BugKind::AssertionFailure},
    {"dining_philosophers", "three philosophers take their left fork first",
     dining_philosophers::buggy, dining_philosophers::fixed, weave::BugKind::Deadlock},
    {"pool_starvation", "a task waits for a task queued behind it on a one-worker pool",
     pool_starvation::buggy, pool_starvation::fixed, weave::BugKind::Deadlock},
    {"barrier_party", "a three-party Barrier reached by only two threads", barrier_party::buggy,
     barrier_party::fixed, weave::BugKind::Deadlock},
    {"late_waiter", "a notify sent before the waiter waits", late_waiter::buggy, late_waiter::fixed,
     weave::BugKind::LostNotification},
    {"spurious_wakeup", "a worker waits with `if` and wakes without a notify",
     spurious_wakeup::buggy, spurious_wakeup::fixed, weave::BugKind::AssertionFailure, true},
    {"lock_order", "two code paths lock cache and stats in opposite orders", lock_order::buggy,
     lock_order::fixed, weave::BugKind::LockOrderInversion},
};

}  // namespace examples::bugs
