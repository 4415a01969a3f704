// Virtual time: sleeps and timeouts never wait on the wall clock, and timed waits explore both
// outcomes.
#include <chrono>
#include <set>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

using namespace std::chrono_literals;

TEST_CASE("sleep advances virtual time only", "[checker][time]") {
  // A thousand hours of sleeping in every schedule: on the wall clock this would never end.
  weave::Config c;
  c.iterations = 200;
  c.seed = 1;
  auto r = weave::check(
      [] {
        weave::Shared<int> naps{0};
        weave::Thread sleeper([&] {
          for (int i = 0; i < 10; ++i) {
            weave::sleep(std::chrono::hours(100));
            naps += 1;
          }
        });
        sleeper.start();
        weave::sleep(std::chrono::hours(1));
        sleeper.join();
        WEAVE_ASSERT(naps.load() == 10);
      },
      c);
  REQUIRE_THAT(r, weave::NoBug());
  CHECK(r.schedules == 200);
}

TEST_CASE("A timed join may time out or succeed: both are explored", "[checker][time]") {
  std::set<bool> outcomes;
  weave::Config c;
  c.iterations = 200;
  c.seed = 2;
  c.strategy = weave::Strategy::Random;
  auto r = weave::check(
      [&] {
        weave::Thread t([] { weave::yield(); });
        t.start();
        outcomes.insert(t.join(10ms));
        t.join();
      },
      c);
  REQUIRE_THAT(r, weave::NoBug());
  CHECK(outcomes == std::set<bool>{false, true});
}

TEST_CASE("When every thread waits, the earliest timeout fires", "[checker][time]") {
  auto r = weave::check(
      [] {
        weave::Lock l{"held"};
        l.acquire();
        weave::Thread t([&] {
          // Nobody will release: only the timeout can end this wait.
          WEAVE_ASSERT(!l.acquire(50ms));
        });
        t.start();
        t.join();
        l.release();
      },
      [] {
        weave::Config c;
        c.iterations = 50;
        c.seed = 3;
        return c;
      }());
  REQUIRE_THAT(r, weave::NoBug());
}

TEST_CASE("A Timer fires in virtual time, and cancel stops it", "[checker][time][timer]") {
  std::set<int> fired;
  weave::Config c;
  c.iterations = 100;
  c.seed = 4;
  auto r = weave::check(
      [&] {
        weave::Shared<int> hits{0};
        weave::Timer t(std::chrono::seconds(30), [&] { hits += 1; });
        t.start();
        t.join();
        fired.insert(hits.load());
        weave::Timer cancelled(std::chrono::seconds(30), [&] { hits += 100; });
        cancelled.cancel();
        cancelled.start();
        cancelled.join();
        WEAVE_ASSERT(hits.load() == 1);
      },
      c);
  REQUIRE_THAT(r, weave::NoBug());
  CHECK(fired == std::set<int>{1});
}

TEST_CASE("Polling with timed waits lets the awaited thread finish, under PCT too",
          "[checker][time]") {
  // PCT must not let a high-priority poller's timeouts starve the thread it polls for.
  auto body = [] {
    weave::Shared<int> done{0, "done"};
    weave::Event ready{"ready"};
    weave::Thread worker(weave::ThreadOptions{"worker"}, [&] {
      for (int i = 0; i < 5; ++i) weave::yield();
      ready.set();
    });
    worker.start();
    while (!ready.wait(5ms)) {
    }
    while (!worker.join(5ms)) {
    }
    done.store(1);
  };
  for (auto s : {weave::Strategy::PCT, weave::Strategy::Random}) {
    weave::Config c;
    c.strategy = s;
    c.seed = 5;
    c.iterations = 200;
    c.max_steps = 5000;
    REQUIRE_THAT(weave::check(body, c), weave::NoBug());
  }
}
