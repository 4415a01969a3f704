#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "weave/weave.hpp"

using namespace std::chrono_literals;

namespace {
// Waits until `t` sits in a wait queue.
void wait_until_blocked(const weave::Thread& t) {
  while (t.state() != weave::ThreadState::Blocked) weave::sleep(1ms);
}
constexpr auto kLong = std::chrono::hours(1);  // a timer that must never get to fire
}  // namespace

TEST_CASE("Timer calls its function after the interval", "[timer]") {
  int data = 0;
  bool fired = false;
  std::string thread_name;
  weave::Timer t(10ms, [&] {
    fired = data == 3;  // start() happens before the function
    thread_name = weave::current_thread().name();
  });
  REQUIRE_FALSE(t.is_alive());
  data = 3;
  t.start();
  t.join();
  REQUIRE(fired);
  REQUIRE(thread_name == t.name());
  REQUIRE(t.name().rfind("Thread-", 0) == 0);
  REQUIRE_FALSE(t.is_alive());
}

TEST_CASE("Timer with no interval fires at once; names and callables", "[timer]") {
  std::atomic<int> calls{0};
  weave::Timer t(
      0ms, [&] { ++calls; }, "tick");
  REQUIRE(t.name() == "tick");
  t.start();
  t.join();
  REQUIRE(calls == 1);

  // Any callable, even one returning a value or only movable.
  auto owned = std::make_unique<int>(5);
  int seen = 0;
  weave::Timer m(1us, [p = std::move(owned), &seen]() mutable { return seen = *p; });
  m.start();
  m.join();
  REQUIRE(seen == 5);
}

TEST_CASE("Timer cancel before start prevents firing", "[timer][cancel]") {
  bool fired = false;
  weave::Timer t(1ms, [&] { fired = true; });
  t.cancel();
  t.start();
  t.join();
  REQUIRE_FALSE(fired);
}

TEST_CASE("Timer cancel while it waits prevents firing", "[timer][cancel]") {
  bool fired = false;
  weave::Timer t(kLong, [&] { fired = true; });
  t.start();
  wait_until_blocked(t);
  REQUIRE(t.is_alive());
  t.cancel();
  REQUIRE(t.join(weave::Duration(std::chrono::seconds(60))));
  REQUIRE_FALSE(fired);
  t.cancel();  // after the end: harmless
}

TEST_CASE("Timer cancel after it fired changes nothing", "[timer][cancel]") {
  int calls = 0;
  weave::Timer t(0ms, [&] { ++calls; });
  t.start();
  t.join();
  t.cancel();
  REQUIRE(calls == 1);
}

TEST_CASE("Timer is a Thread: starting twice is a UsageError", "[timer][misuse]") {
  weave::Timer t(0ms, [] {});
  weave::Thread& as_thread = t;
  REQUIRE_THROWS_AS(as_thread.join(), weave::UsageError);
  as_thread.start();
  REQUIRE_THROWS_AS(t.start(), weave::UsageError);
  as_thread.join();
}

TEST_CASE("Timer destruction waits for a running timer; a daemon one is cancelled",
          "[timer][cancel]") {
  std::atomic<bool> fired{false};
  {
    weave::Timer t(5ms, [&] { fired = true; });
    t.start();
  }  // joined here: the function ran
  REQUIRE(fired);

  std::atomic<bool> daemon_fired{false};
  {
    weave::Timer t(kLong, [&] { daemon_fired = true; });
    t.set_daemon(true);
    t.start();
    wait_until_blocked(t);
  }  // cancelled and joined here, without waiting an hour
  REQUIRE_FALSE(daemon_fired);
}

TEST_CASE("Timer stress: many timers, half cancelled", "[timer][stress]") {
  constexpr int kTimers = 16;
  std::atomic<int> fired{0};
  std::vector<std::unique_ptr<weave::Timer>> timers;
  for (int i = 0; i < kTimers; ++i) {
    const weave::Duration interval = (i % 2 == 0) ? weave::Duration(1ms) : weave::Duration(kLong);
    timers.push_back(std::make_unique<weave::Timer>(interval, [&] { ++fired; }));
    timers.back()->start();
  }
  for (int i = 1; i < kTimers; i += 2) timers[i]->cancel();
  for (auto& t : timers) t->join();
  REQUIRE(fired == kTimers / 2);
}
