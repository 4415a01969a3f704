#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "weave/weave.hpp"

using namespace std::chrono_literals;

namespace {
// Waits until `t` sits in a wait queue.
void wait_until_blocked(const weave::Thread& t) {
  while (t.state() != weave::ThreadState::Blocked) weave::sleep(1ms);
}
}  // namespace

TEST_CASE("Event set, clear and is_set", "[event]") {
  weave::Event e("ready");
  REQUIRE_FALSE(e.is_set());
  e.set();
  REQUIRE(e.is_set());
  e.set();  // setting twice is fine
  REQUIRE(e.is_set());
  e.clear();
  REQUIRE_FALSE(e.is_set());
  e.clear();
  REQUIRE_FALSE(e.is_set());
  REQUIRE(e.object().name() == "ready");
  REQUIRE(e.object().kind() == weave::detail::ObjectKind::Event);
}

TEST_CASE("Event wait with a timeout", "[event][timeout]") {
  weave::Event e;
  REQUIRE_FALSE(e.wait(20ms));
  REQUIRE_FALSE(e.wait(0ms));
  e.set();
  REQUIRE(e.wait(0ms));
  REQUIRE(e.wait(20ms));
  e.wait();  // returns at once while set
  e.clear();
  REQUIRE_FALSE(e.wait(1ms));
}

TEST_CASE("Event set wakes every waiter and publishes what came before", "[event]") {
  weave::Event e;
  int data = 0;
  std::atomic<int> saw{0};
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < 4; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&, i] {
      bool woken = true;
      if (i % 2 == 0) {
        e.wait();
      } else {
        woken = e.wait(weave::Duration(std::chrono::hours(1)));
      }
      if (woken && data == 7) ++saw;  // set() happens before wait() returns
    }));
    threads.back()->start();
  }
  for (auto& t : threads) wait_until_blocked(*t);
  data = 7;
  e.set();
  for (auto& t : threads) t->join();
  REQUIRE(saw == 4);
}

TEST_CASE("Event waiters woken by set return true even if cleared at once", "[event]") {
  weave::Event e;
  std::atomic<int> woke{0};
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < 3; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&, i] {
      if (i == 0) {
        e.wait();
        ++woke;
      } else if (e.wait(weave::Duration(std::chrono::hours(1)))) {
        ++woke;
      }
    }));
    threads.back()->start();
  }
  for (auto& t : threads) wait_until_blocked(*t);
  e.set();
  e.clear();  // as Python: the waiters were already released
  for (auto& t : threads) t->join();
  REQUIRE(woke == 3);
  REQUIRE_FALSE(e.is_set());
}

TEST_CASE("Event is_set returning true publishes what came before set", "[event]") {
  weave::Event e;
  int data = 0;
  bool ok = false;
  weave::Thread t([&] {
    while (!e.is_set()) weave::yield();
    ok = data == 5;
  });
  t.start();
  data = 5;
  e.set();
  t.join();
  REQUIRE(ok);
}

TEST_CASE("Event stress: ping-pong between two threads", "[event][stress]") {
  constexpr int kRounds = 1000;
  weave::Event ping;
  weave::Event pong;
  int counter = 0;  // handed back and forth: the events order every access
  weave::Thread t([&] {
    for (int i = 0; i < kRounds; ++i) {
      ping.wait();
      ping.clear();
      ++counter;
      pong.set();
    }
  });
  t.start();
  for (int i = 0; i < kRounds; ++i) {
    ++counter;
    ping.set();
    pong.wait();
    pong.clear();
  }
  t.join();
  REQUIRE(counter == 2 * kRounds);
}
