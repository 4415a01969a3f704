// Lifetimes: a primitive destroyed while a thread still holds it or waits on it is a Misuse that
// names the object, where it was created, where it was destroyed and who still uses it (the
// checker neither crashes nor reads freed memory); daemon threads never run once the body has
// returned; an OS thread the checker does not run (a std::thread in the body) that uses a facade
// object is a Misuse naming the object, the line and the fix.
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

#include "detect_support.hpp"

using namespace weave;
using namespace std::chrono_literals;
using detect_support::contains;
using detect_support::file_line;

namespace {

Config config_for(Strategy s, std::uint64_t iterations = 30) {
  Config c;
  c.strategy = s;
  c.seed = 5;
  c.iterations = iterations;
  return c;
}

// Runs `use` in a daemon thread "user" (a daemon: its Thread object does not join it), waits until
// it blocks, then destroys the object (`destroy` returns the line it destroys it at).
struct Case {
  const char* name;
  std::function<void(std::uint32_t& created, std::uint32_t& destroyed)> body;
};

template <class P, class Make, class Use>
Case blocked_on(const char* name, Make make, Use use) {
  return {name, [make, use](std::uint32_t& created, std::uint32_t& destroyed) {
            std::unique_ptr<P> p = make(created);
            Thread user(ThreadOptions{"user", true}, [&] { use(*p); });
            user.start();
            while (user.state() != ThreadState::Blocked) weave::yield();
            destroyed = __LINE__, p.reset();
          }};
}

std::vector<Case> destroyed_while_waited_on() {
  std::vector<Case> c;
  c.push_back(blocked_on<Lock>(
      "Lock",
      [](std::uint32_t& line) {
        auto p = std::unique_ptr<Lock>((line = __LINE__, new Lock("victim")));
        p->acquire();
        return p;
      },
      [](Lock& l) { l.acquire(); }));
  c.push_back(blocked_on<RLock>(
      "RLock",
      [](std::uint32_t& line) {
        auto p = std::unique_ptr<RLock>((line = __LINE__, new RLock("victim")));
        p->acquire();
        return p;
      },
      [](RLock& l) { l.acquire(); }));
  c.push_back(blocked_on<Condition>(
      "Condition",
      [](std::uint32_t& line) {
        return std::unique_ptr<Condition>((line = __LINE__, new Condition("victim")));
      },
      [](Condition& cond) {
        std::unique_lock g(cond);
        cond.wait();
      }));
  c.push_back(blocked_on<Semaphore>(
      "Semaphore",
      [](std::uint32_t& line) {
        return std::unique_ptr<Semaphore>((line = __LINE__, new Semaphore(0, "victim")));
      },
      [](Semaphore& s) { s.acquire(); }));
  c.push_back(blocked_on<BoundedSemaphore>(
      "BoundedSemaphore",
      [](std::uint32_t& line) {
        auto p =
            std::unique_ptr<BoundedSemaphore>((line = __LINE__, new BoundedSemaphore(1, "victim")));
        p->acquire();
        return p;
      },
      [](BoundedSemaphore& s) { s.acquire(); }));
  c.push_back(blocked_on<Event>(
      "Event",
      [](std::uint32_t& line) {
        return std::unique_ptr<Event>((line = __LINE__, new Event("victim")));
      },
      [](Event& e) { e.wait(); }));
  c.push_back(blocked_on<Barrier>(
      "Barrier",
      [](std::uint32_t& line) {
        return std::unique_ptr<Barrier>((line = __LINE__, new Barrier(2, {}, "victim")));
      },
      [](Barrier& b) { b.wait(); }));
  c.push_back(blocked_on<Queue<std::string>>(
      "Queue (get)",
      [](std::uint32_t& line) {
        return std::unique_ptr<Queue<std::string>>(
            (line = __LINE__, new Queue<std::string>(1, "victim")));
      },
      [](Queue<std::string>& q) { q.get(); }));
  c.push_back(blocked_on<Queue<std::string>>(
      "Queue (put)",
      [](std::uint32_t& line) {
        auto p = std::unique_ptr<Queue<std::string>>(
            (line = __LINE__, new Queue<std::string>(1, "victim")));
        p->put("full");
        return p;
      },
      [](Queue<std::string>& q) { q.put("more"); }));
  c.push_back(blocked_on<Thread>(
      "Thread (a daemon's, joined by another)",
      [](std::uint32_t& line) {
        auto p = std::unique_ptr<Thread>(new Thread(ThreadOptions{"victim", true}, [] {
          for (;;) weave::sleep(1s);
        }));
        line = __LINE__, p->start();
        return p;
      },
      [](Thread& t) { t.join(); }));
  return c;
}

}  // namespace

TEST_CASE("Misuse: a primitive destroyed while a thread waits on it", "[checker][lifetime]") {
  for (const Case& c : destroyed_while_waited_on()) {
    // Every primitive under one strategy, one of them under the others.
    const bool lock = std::string(c.name) == "Lock";
    for (Strategy s : {Strategy::Random, Strategy::PCT, Strategy::DFS, Strategy::DPOR}) {
      if (!lock && s != Strategy::Random) continue;
      INFO(c.name << " under " << to_string(s));
      std::uint32_t created = 0, destroyed = 0;
      const Result r = check([&] { c.body(created, destroyed); }, config_for(s));
      REQUIRE_THAT(r, FindsBug(BugKind::Misuse));
      const Bug& bug = *r.bug;
      CHECK(contains(bug.message, "victim"));
      CHECK(contains(bug.message, "created at " + file_line(__FILE__, created)));
      CHECK(contains(bug.message, "destroyed by MainThread at " + file_line(__FILE__, destroyed)));
      CHECK(contains(bug.message, "user waits on it in "));
      CHECK(contains(bug.involved, "user waits on it"));
      REQUIRE(bug.failing_step == bug.trace.size());
      CHECK(bug.trace.back().operation == "destroy");
      CHECK(bug.trace.back().line == destroyed);
      CHECK(bug.trace.back().note == "failed");
      // And it replays: same bug, same trace.
      const Result again = replay([&] { c.body(created, destroyed); }, bug.schedule);
      REQUIRE_THAT(again, FindsBug(BugKind::Misuse));
      CHECK(again.bug->trace.size() == bug.trace.size());
      CHECK(again.bug->message == bug.message);
    }
  }
}

TEST_CASE("Misuse: a Lock destroyed while held, by another thread or by the destroyer",
          "[checker][lifetime]") {
  SECTION("held by another thread") {
    std::uint32_t taken = 0, destroyed = 0;
    const Result r = check(
        [&] {
          auto l = std::unique_ptr<Lock>(new Lock("victim"));
          Event held{"held"}, never{"never"};
          Thread holder(ThreadOptions{"holder", true}, [&] {
            taken = __LINE__, l->acquire();
            held.set();
            never.wait();
          });
          holder.start();
          held.wait();
          destroyed = __LINE__, l.reset();
        },
        config_for(Strategy::PCT));
    REQUIRE_THAT(r, FindsBug(BugKind::Misuse));
    CHECK(contains(r.bug->message, "holder holds it (it took it at " + file_line(__FILE__, taken)));
    CHECK(contains(r.bug->message, file_line(__FILE__, destroyed)));
  }
  SECTION("held by the destroyer") {
    std::uint32_t destroyed = 0;
    const Result r = check(
        [&] {
          auto l = std::unique_ptr<Lock>(new Lock("victim"));
          l->acquire();
          destroyed = __LINE__, l.reset();
        },
        config_for(Strategy::Random, 1));
    REQUIRE_THAT(r, FindsBug(BugKind::Misuse));
    CHECK(contains(r.bug->message, "MainThread itself holds it"));
    CHECK(contains(r.bug->message, file_line(__FILE__, destroyed)));
  }
}

TEST_CASE("Primitives destroyed when nobody uses them any more are fine", "[checker][lifetime]") {
  const Result r = check(
      [] {
        for (int i = 0; i < 3; ++i) {
          Lock l("l");
          Condition c(l, "c");
          Semaphore s(1, "s");
          Event e("e");
          Queue<int> q(0, "q");
          Barrier b(2, {}, "b");
          Thread t([&] {
            std::lock_guard g(l);
            s.acquire();
            q.put(1);
            e.set();
            b.wait();
          });
          t.start();
          e.wait();
          q.get();
          s.release();
          b.wait();
          t.join();
        }
      },
      config_for(Strategy::PCT, 50));
  CHECK_THAT(r, NoBug());
}

TEST_CASE("Misuse: a daemon still waiting on a Queue the body destroyed", "[checker][lifetime]") {
  const Result r = check(
      [] {
        Queue<std::string> q(0, "jobs");
        Thread worker(ThreadOptions{"worker", true}, [&] {
          for (;;) (void)q.get();
        });
        worker.start();
        q.put("job");
        weave::sleep(1ms);  // the worker takes the job and waits for the next one
      },
      config_for(Strategy::Random, 50));
  REQUIRE_THAT(r, FindsBug(BugKind::Misuse));
  CHECK(contains(r.bug->message, "Queue jobs"));
  CHECK(contains(r.bug->message, "worker waits on it in get"));
}

TEST_CASE("Daemon threads never run once the body has returned", "[checker][lifetime][daemon]") {
  // A non-daemon thread outlives the body (its Thread object is kept outside), so MainThread
  // joins it after the body returned; the daemon, meanwhile, must not run again.
  std::vector<std::unique_ptr<Thread>> late;
  bool body_over = false, ran_after_body = false;
  std::uint64_t daemon_steps = 0;
  const Result r = check(
      [&] {
        body_over = false;
        auto count = std::make_shared<Atomic<int>>(0, "count");
        Thread daemon(ThreadOptions{"daemon", true},
                      [count, &body_over, &ran_after_body, &daemon_steps] {
                        for (;;) {
                          if (body_over) ran_after_body = true;
                          ++daemon_steps;
                          count->fetch_add(1);
                          weave::yield();
                        }
                      });
        daemon.start();
        late.push_back(std::make_unique<Thread>(ThreadOptions{"late"}, [] {
          for (int i = 0; i < 5; ++i) weave::yield();
        }));
        late.back()->start();
        weave::yield();
        body_over = true;
      },
      config_for(Strategy::Random, 40));
  late.clear();  // their execution is over: nothing to join
  CHECK_THAT(r, NoBug());
  CHECK(daemon_steps > 0);  // it did run while the body ran
  CHECK_FALSE(ran_after_body);
}

TEST_CASE("Misuse: a std::thread in the checked body uses a facade object", "[checker][foreign]") {
  std::string caught;
  std::uint32_t used = 0, created = 0;
  const Result r = check(
      [&] {
        created = __LINE__, (void)0;
        Lock l("accounts");
        std::thread raw([&] {
          try {
            used = __LINE__, l.acquire();
          } catch (const UsageError& e) {
            caught = e.what();
          }
        });
        raw.join();
      },
      config_for(Strategy::PCT, 3));
  REQUIRE_THAT(r, FindsBug(BugKind::Misuse));
  CHECK(contains(r.bug->message, "Lock accounts (created at " + file_line(__FILE__, created + 1)));
  CHECK(contains(r.bug->message, "was used at " + file_line(__FILE__, used)));
  CHECK(contains(r.bug->message, "std::thread"));
  CHECK(contains(r.bug->message, "weave::Thread"));
  CHECK(caught == r.bug->message);
}

TEST_CASE("Misuse: a std::jthread that already ran weave code on OS threads, then a checked lock",
          "[checker][foreign]") {
  // The jthread takes an OS-thread Lock first (so it is known to weave and the Lock fast path is
  // open to it), then the checked execution's Lock: still refused.
  Lock outside("outside");
  std::string caught;
  const Result r = check(
      [&] {
        Lock inside("inside");
        {
          std::jthread raw([&] {
            outside.acquire();
            outside.release();
            try {
              inside.acquire();
            } catch (const UsageError& e) {
              caught = e.what();
            }
          });
        }
      },
      config_for(Strategy::Random, 2));
  REQUIRE_THAT(r, FindsBug(BugKind::Misuse));
  CHECK(contains(r.bug->message, "Lock inside"));
  CHECK(contains(caught, "Lock inside"));
}

TEST_CASE("A facade object made inside a check and used after it is not taken for a foreign use",
          "[checker][foreign]") {
  std::unique_ptr<Thread> kept;
  const Result r = check(
      [&] {
        kept = std::make_unique<Thread>([] {});
        kept->start();
        kept->join();
      },
      config_for(Strategy::Random, 1));
  CHECK_THAT(r, NoBug());
  kept.reset();  // nothing to join: no error
  CHECK(detail::take_foreign_use().empty());
}
