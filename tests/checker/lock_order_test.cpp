// The lock-order detector: a lock-order graph per check (across all schedules), an edge A -> B
// when a thread acquires B while holding A. A cycle whose edges come from different threads and
// are not all guarded by one common lock is a LockOrderInversion, even when no explored schedule
// deadlocked. A schedule that does deadlock is still reported as a Deadlock.
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <source_location>
#include <string>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

#include "detect_support.hpp"

using weave::BugKind;
using weave::FindsBug;
using weave::NoBug;

namespace {

using namespace detect_support;

weave::Config cfg(weave::Strategy s = weave::Strategy::PCT, std::uint64_t iterations = 200,
                  std::uint64_t seed = 2718) {
  return make_config(s, iterations, seed);
}

std::string here(std::uint32_t line) { return file_line("lock_order_test.cpp", line); }

}  // namespace

TEST_CASE("LockOrderInversion: opposite orders in threads that never overlap",
          "[checker][lock-order]") {
  std::uint32_t first_a = 0, first_b = 0, second_b = 0, second_a = 0;
  auto body = [&] {
    weave::Lock accounts{"accounts"}, audit{"audit"};
    weave::Thread first(weave::ThreadOptions{"first"}, [&] {
      accounts.acquire(at(first_a));
      audit.acquire(at(first_b));  // accounts -> audit
      audit.release();
      accounts.release();
    });
    weave::Thread second(weave::ThreadOptions{"second"}, [&] {
      audit.acquire(at(second_b));
      accounts.acquire(at(second_a));  // audit -> accounts
      accounts.release();
      audit.release();
    });
    first.start();
    first.join();  // `second` starts only after `first` ended: no schedule can deadlock
    second.start();
    second.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 100));
    REQUIRE_THAT(r, FindsBug(BugKind::LockOrderInversion));
    const std::string& msg = r.bug->message;
    const std::string report = r.report();
    CHECK(contains(msg, "LockOrderInversion"));
    CHECK(contains(msg, "accounts"));
    CHECK(contains(msg, "audit"));
    // Each edge with its thread and source lines.
    CHECK(contains(msg, "first"));
    CHECK(contains(msg, "second"));
    CHECK(contains(msg, here(first_b)));
    CHECK(contains(msg, here(second_a)));
    CHECK(contains(report, here(first_b)));
    CHECK(contains(report, here(second_a)));
    CHECK(contains(report, here(first_a)));
    CHECK(contains(report, here(second_b)));
  }
}

TEST_CASE("LockOrderInversion: opposite orders kept apart by an Event", "[checker][lock-order]") {
  auto body = [] {
    weave::Lock a{"a"}, b{"b"};
    weave::Event first_done{"first_done"};
    weave::Thread first(weave::ThreadOptions{"first"}, [&] {
      {
        std::lock_guard ga(a);
        std::lock_guard gb(b);
      }
      first_done.set();
    });
    weave::Thread second(weave::ThreadOptions{"second"}, [&] {
      first_done.wait();
      std::lock_guard gb(b);
      std::lock_guard ga(a);
    });
    first.start();
    second.start();
    first.join();
    second.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 100));
    REQUIRE_THAT(r, FindsBug(BugKind::LockOrderInversion));
    CHECK(contains(r.report(), "Lock a"));
    CHECK(contains(r.report(), "Lock b"));
  }
}

TEST_CASE("LockOrderInversion: a three-lock cycle across three threads", "[checker][lock-order]") {
  auto body = [] {
    weave::Lock a{"lock_a"}, b{"lock_b"}, c{"lock_c"};
    auto pair = [](weave::Lock& x, weave::Lock& y) {
      std::lock_guard gx(x);
      std::lock_guard gy(y);
    };
    weave::Thread t1([&] { pair(a, b); });
    weave::Thread t2([&] { pair(b, c); });
    weave::Thread t3([&] { pair(c, a); });
    t1.start();
    t1.join();
    t2.start();
    t2.join();
    t3.start();
    t3.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 50));
    REQUIRE_THAT(r, FindsBug(BugKind::LockOrderInversion));
    const std::string report = r.report();
    CHECK(contains(report, "lock_a"));
    CHECK(contains(report, "lock_b"));
    CHECK(contains(report, "lock_c"));
  }
}

TEST_CASE("LockOrderInversion: RLocks count too", "[checker][lock-order]") {
  auto body = [] {
    weave::RLock a{"ra"}, b{"rb"};
    weave::Thread t1([&] {
      std::lock_guard ga(a);
      std::lock_guard gb(b);
    });
    weave::Thread t2([&] {
      std::lock_guard gb(b);
      std::lock_guard ga(a);
    });
    t1.start();
    t1.join();
    t2.start();
    t2.join();
  };
  for (auto s : kStrategies) {
    REQUIRE_THAT(weave::check(body, cfg(s, 50)), FindsBug(BugKind::LockOrderInversion));
  }
}

TEST_CASE("LockOrderInversion: a gate lock that guards only one edge does not help",
          "[checker][lock-order]") {
  auto body = [] {
    weave::Lock gate{"gate"}, a{"a"}, b{"b"};
    weave::Thread t1([&] {
      std::lock_guard gg(gate);
      std::lock_guard ga(a);
      std::lock_guard gb(b);
    });
    weave::Thread t2([&] {  // no gate here
      std::lock_guard gb(b);
      std::lock_guard ga(a);
    });
    t1.start();
    t1.join();
    t2.start();
    t2.join();
  };
  for (auto s : kStrategies) {
    REQUIRE_THAT(weave::check(body, cfg(s, 50)), FindsBug(BugKind::LockOrderInversion));
  }
}

TEST_CASE("LockOrderInversion: different gate locks for the two edges do not help",
          "[checker][lock-order]") {
  auto body = [] {
    weave::Lock g1{"g1"}, g2{"g2"}, a{"a"}, b{"b"};
    weave::Thread t1([&] {
      std::lock_guard gg(g1);
      std::lock_guard ga(a);
      std::lock_guard gb(b);
    });
    weave::Thread t2([&] {
      std::lock_guard gg(g2);
      std::lock_guard gb(b);
      std::lock_guard ga(a);
    });
    t1.start();
    t1.join();
    t2.start();
    t2.join();
  };
  for (auto s : kStrategies) {
    REQUIRE_THAT(weave::check(body, cfg(s, 50)), FindsBug(BugKind::LockOrderInversion));
  }
}

TEST_CASE("LockOrderInversion: the graph spans schedules (each order in different schedules)",
          "[checker][lock-order]") {
  // In every schedule exactly one of the two threads takes its pair of locks: no single
  // schedule holds both orders, but the check as a whole does.
  auto body = [] {
    weave::Lock a{"a"}, b{"b"};
    weave::Atomic<int> token(0, "token");
    weave::Thread t1(weave::ThreadOptions{"forward"}, [&] {
      if (token.exchange(1) == 0) {
        std::lock_guard ga(a);
        std::lock_guard gb(b);
      }
    });
    weave::Thread t2(weave::ThreadOptions{"backward"}, [&] {
      if (token.exchange(1) == 0) {
        std::lock_guard gb(b);
        std::lock_guard ga(a);
      }
    });
    t1.start();
    t2.start();
    t1.join();
    t2.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 100));
    REQUIRE_THAT(r, FindsBug(BugKind::LockOrderInversion));
    CHECK(contains(r.report(), "forward"));
    CHECK(contains(r.report(), "backward"));
  }
  // One schedule alone shows no inversion.
  auto one = cfg(weave::Strategy::PCT, 1);
  REQUIRE_THAT(weave::check(body, one), NoBug());
}

TEST_CASE("LockOrderInversion: consistent order everywhere is clean", "[checker][lock-order]") {
  auto body = [] {
    weave::Lock a{"a"}, b{"b"}, c{"c"};
    weave::Shared<int> x(0, "x");
    auto work = [&] {
      std::lock_guard ga(a);
      std::lock_guard gb(b);
      std::lock_guard gc(c);
      x += 1;
    };
    auto partial = [&] {  // a subset, same order
      std::lock_guard ga(a);
      std::lock_guard gc(c);
      x += 1;
    };
    weave::Thread t1(work), t2(partial);
    t1.start();
    t2.start();
    work();
    t1.join();
    t2.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 200));
    REQUIRE_THAT(r, NoBug());
    CHECK(r.schedules == 200);
  }
}

TEST_CASE("LockOrderInversion: opposite orders all taken under one gate lock are clean",
          "[checker][lock-order]") {
  auto body = [] {
    weave::Lock gate{"gate"}, a{"a"}, b{"b"};
    weave::Thread t1([&] {
      std::lock_guard gg(gate);
      std::lock_guard ga(a);
      std::lock_guard gb(b);
    });
    weave::Thread t2([&] {
      std::lock_guard gg(gate);
      std::lock_guard gb(b);
      std::lock_guard ga(a);
    });
    t1.start();
    t2.start();
    t1.join();
    t2.join();
  };
  for (auto s : kStrategies) REQUIRE_THAT(weave::check(body, cfg(s, 200)), NoBug());
}

TEST_CASE("LockOrderInversion: opposite orders within one thread are clean",
          "[checker][lock-order]") {
  auto body = [] {
    weave::Lock a{"a"}, b{"b"};
    weave::Thread t([&] {
      {
        std::lock_guard ga(a);
        std::lock_guard gb(b);
      }
      {
        std::lock_guard gb(b);
        std::lock_guard ga(a);
      }
    });
    t.start();
    t.join();
  };
  for (auto s : kStrategies) REQUIRE_THAT(weave::check(body, cfg(s, 50)), NoBug());
}

TEST_CASE("LockOrderInversion: reentrant acquisition of an RLock is no edge",
          "[checker][lock-order]") {
  auto body = [] {
    weave::RLock r{"r"};
    weave::Lock l{"l"};
    weave::Thread t([&] {
      std::lock_guard g1(r);
      std::lock_guard g2(l);
      std::lock_guard g3(r);  // r again, while holding l: reentrant, not an l -> r edge
    });
    t.start();
    t.join();
    std::lock_guard g1(r);
    std::lock_guard g2(l);
  };
  for (auto s : kStrategies) REQUIRE_THAT(weave::check(body, cfg(s, 50)), NoBug());
}

TEST_CASE("LockOrderInversion: locks taken one after the other (not nested) are clean",
          "[checker][lock-order]") {
  auto body = [] {
    weave::Lock a{"a"}, b{"b"};
    weave::Thread t([&] {
      { std::lock_guard ga(a); }
      { std::lock_guard gb(b); }
    });
    t.start();
    { std::lock_guard gb(b); }
    { std::lock_guard ga(a); }
    t.join();
  };
  for (auto s : kStrategies) REQUIRE_THAT(weave::check(body, cfg(s, 100)), NoBug());
}

TEST_CASE("LockOrderInversion: a schedule that deadlocks is still reported as Deadlock",
          "[checker][lock-order]") {
  auto body = [] {
    weave::Lock a{"a"}, b{"b"};
    weave::Thread t([&] {
      std::lock_guard gb(b);
      std::lock_guard ga(a);
    });
    t.start();
    {
      std::lock_guard ga(a);
      std::lock_guard gb(b);
    }
    t.join();
  };
  for (auto s : kStrategies) {
    REQUIRE_THAT(weave::check(body, cfg(s, 300)), FindsBug(BugKind::Deadlock));
  }
}

TEST_CASE("LockOrderInversion: found -> replayed to the same bug",
          "[checker][lock-order][replay]") {
  auto body = [] {
    weave::Lock a{"a"}, b{"b"};
    weave::Thread t1([&] {
      std::lock_guard ga(a);
      std::lock_guard gb(b);
    });
    weave::Thread t2([&] {
      std::lock_guard gb(b);
      std::lock_guard ga(a);
    });
    t1.start();
    t1.join();
    t2.start();
    t2.join();
  };
  for (auto s : kStrategies) {
    auto found = weave::check(body, cfg(s, 50));
    REQUIRE_THAT(found, FindsBug(BugKind::LockOrderInversion));
    auto again = weave::replay(body, found.bug->schedule);
    REQUIRE_THAT(again, FindsBug(BugKind::LockOrderInversion));
    CHECK(again.bug->trace.size() == found.bug->trace.size());
    CHECK(again.bug->nondeterminism.empty());
  }
}

TEST_CASE("LockOrderInversion: threads holding thousands of locks", "[checker][lock-order]") {
  // `nest` takes the gate and 10,000 locks in order; `other` then takes two of them, in the same
  // order or in the opposite one, with or without the gate.
  auto body = [](bool opposite, bool gated) {
    return [=] {
      weave::Lock gate{"gate"};
      std::deque<weave::Lock> locks;
      for (int i = 0; i < 10000; ++i) locks.emplace_back("l" + std::to_string(i));
      weave::Thread nest(weave::ThreadOptions{"nest"}, [&] {
        std::lock_guard g(gate);
        for (auto& l : locks) l.acquire();
        for (auto l = locks.rbegin(); l != locks.rend(); ++l) l->release();
      });
      weave::Thread other(weave::ThreadOptions{"other"}, [&] {
        std::optional<std::lock_guard<weave::Lock>> g;
        if (gated) g.emplace(gate);
        std::lock_guard first(locks[opposite ? 9999 : 5000]);
        std::lock_guard second(locks[opposite ? 5000 : 9999]);
      });
      nest.start();
      nest.join();
      other.start();
      other.join();
    };
  };
  const weave::Config c = cfg(weave::Strategy::Random, 3);
  REQUIRE_THAT(weave::check(body(false, false), c), NoBug());
  REQUIRE_THAT(weave::check(body(true, true), c), NoBug());
  auto r = weave::check(body(true, false), c);
  REQUIRE_THAT(r, FindsBug(BugKind::LockOrderInversion));
  // Stored as a path through the 4999 locks between, reported as what `nest` did.
  CHECK(contains(r.bug->message,
                 "LockOrderInversion: Lock l5000 and Lock l9999 are taken in opposite orders"));
  CHECK(contains(r.bug->message, "nest takes l9999 while holding l5000"));
  CHECK(contains(r.bug->message, "other takes l5000 while holding l9999"));
  CHECK_FALSE(contains(r.bug->involved, "l5001"));
}
