// Fair waiting: idiomatic ways of waiting for another thread — polling a flag with yield(), a bare
// spin on an Atomic, a query (is_set, state, qsize, locked), sleep and timed-wait polling, a
// try_acquire spin, a loop that takes a lock to look, a busy loop with progress of its own — end
// under every strategy, no false Livelock (the waiting thread lets the others run: spin detection
// and priority lowering, CHESS-style; the fair suffix). Programs that cannot end under any fair
// schedule stay Livelocks, and the report names the looping thread and what it repeats.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

#include "detect_support.hpp"

using namespace weave;
using namespace std::chrono_literals;
using detect_support::contains;

namespace {

constexpr Strategy kAll[] = {Strategy::Random, Strategy::PCT, Strategy::POS, Strategy::DFS,
                             Strategy::DPOR};

Config config_for(Strategy s) {
  Config c;
  c.strategy = s;
  c.seed = 11;
  c.iterations = 60;
  c.max_steps = 20'000;  // the fair suffix starts at 2 000 steps
  return c;
}

struct Pattern {
  const char* name;
  std::function<void()> body;
};

// In each, MainThread waits for worker to set `flag` (or to be blocked), the way people write it.
std::vector<Pattern> waiting_patterns() {
  std::vector<Pattern> p;
  p.push_back({"yield polling", [] {
                 Atomic<int> flag{0, "flag"};
                 Thread worker(ThreadOptions{"worker"}, [&] { flag.store(1); });
                 worker.start();
                 while (flag.load() == 0) weave::yield();
                 worker.join();
               }});
  p.push_back({"bare spin on an Atomic", [] {
                 Atomic<int> flag{0, "flag"};
                 Thread worker(ThreadOptions{"worker"}, [&] { flag.store(1); });
                 worker.start();
                 while (flag.load() == 0) {
                 }
                 worker.join();
               }});
  p.push_back({"is_set polling", [] {
                 Event ready{"ready"};
                 Thread worker(ThreadOptions{"worker"}, [&] { ready.set(); });
                 worker.start();
                 while (!ready.is_set()) {
                 }
                 worker.join();
               }});
  p.push_back({"sleep polling", [] {
                 Atomic<int> flag{0, "flag"};
                 Thread worker(ThreadOptions{"worker"}, [&] { flag.store(1); });
                 worker.start();
                 while (flag.load() == 0) weave::sleep(1ms);
                 worker.join();
               }});
  p.push_back({"timed Event wait polling", [] {
                 Event ready{"ready"};
                 Thread worker(ThreadOptions{"worker"}, [&] { ready.set(); });
                 worker.start();
                 while (!ready.wait(10ms)) {
                 }
                 worker.join();
               }});
  p.push_back({"timed Condition wait polling", [] {
                 Condition cond{"cond"};
                 bool done = false;
                 Thread worker(ThreadOptions{"worker"}, [&] {
                   std::lock_guard g(cond);
                   done = true;
                 });
                 worker.start();
                 {
                   std::unique_lock g(cond);
                   while (!done) cond.wait(10ms);
                 }
                 worker.join();
               }});
  p.push_back({"try_acquire spin", [] {
                 Semaphore permits{0, "permits"};
                 Thread worker(ThreadOptions{"worker"}, [&] { permits.release(); });
                 worker.start();
                 while (!permits.try_acquire()) {
                 }
                 worker.join();
               }});
  p.push_back({"taking a lock to look", [] {
                 Lock l{"l"};
                 bool done = false;
                 Thread worker(ThreadOptions{"worker"}, [&] {
                   std::lock_guard g(l);
                   done = true;
                 });
                 worker.start();
                 for (;;) {
                   std::lock_guard g(l);
                   if (done) break;
                 }
                 worker.join();
               }});
  p.push_back({"waiting until a thread is Blocked", [] {
                 Lock l{"l"};
                 l.acquire();
                 Thread worker(ThreadOptions{"worker"}, [&] {
                   l.acquire();
                   l.release();
                 });
                 worker.start();
                 while (worker.state() != ThreadState::Blocked) weave::yield();
                 l.release();
                 worker.join();
               }});
  p.push_back({"qsize polling", [] {
                 Queue<int> q{0, "q"};
                 Thread worker(ThreadOptions{"worker"}, [&] { q.put(1); });
                 worker.start();
                 while (q.qsize() == 0) {
                 }
                 worker.join();
               }});
  p.push_back({"busy loop with progress of its own", [] {
                 Atomic<int> flag{0, "flag"}, polls{0, "polls"};
                 Thread worker(ThreadOptions{"worker"}, [&] { flag.store(1); });
                 worker.start();
                 while (flag.load() == 0) polls.fetch_add(1);
                 worker.join();
               }});
  return p;
}

}  // namespace

TEST_CASE("Waiting for another thread ends under every strategy: no false Livelock",
          "[checker][fairness]") {
  for (const Pattern& p : waiting_patterns()) {
    for (Strategy s : kAll) {
      INFO(p.name << " under " << to_string(s));
      const Result r = check(p.body, config_for(s));
      CHECK_THAT(r, NoBug());
      CHECK(r.schedules > 0);
    }
  }
}

TEST_CASE("Thread::state() says Blocked under the checker, as on OS threads",
          "[checker][fairness]") {
  for (Strategy s : kAll) {
    INFO(to_string(s));
    bool saw_blocked = false;
    const Result r = check(
        [&] {
          Lock l{"l"};
          l.acquire();
          Thread worker(ThreadOptions{"worker"}, [&] {
            l.acquire();
            l.release();
          });
          worker.start();
          while (worker.state() != ThreadState::Blocked) weave::yield();
          saw_blocked = true;
          WEAVE_ASSERT(worker.is_alive());
          l.release();
          worker.join();
          WEAVE_ASSERT(worker.state() == ThreadState::Terminated);
        },
        config_for(s));
    CHECK_THAT(r, NoBug());
    CHECK(saw_blocked);
  }
}

TEST_CASE("A loop nobody can end is a Livelock naming the thread and what it repeats",
          "[checker][fairness][livelock]") {
  for (Strategy s : kAll) {
    INFO(to_string(s));
    Config c = config_for(s);
    c.max_steps = 3'000;
    const Result r = check(
        [] {
          Atomic<int> stop{0, "stop"};
          Thread spinner(ThreadOptions{"spinner"}, [&] {
            while (stop.load() == 0) weave::yield();
          });
          Thread idle(ThreadOptions{"idle"}, [] {});
          spinner.start();
          idle.start();
          idle.join();
          spinner.join();  // nobody sets stop
        },
        c);
    REQUIRE_THAT(r, FindsBug(BugKind::Livelock));
    CHECK(contains(r.bug->message, "3000 steps"));
    CHECK(contains(r.bug->message, "spinner repeats"));
    CHECK(contains(r.bug->message, "Atomic stop at"));
    CHECK(contains(r.bug->message, "no thread changed anything"));
    CHECK(contains(r.bug->involved, "spinner ran"));
    CHECK(contains(r.bug->involved, "yield at"));
  }
}

TEST_CASE("A busy loop that makes progress but never lets the other thread finish is a Livelock",
          "[checker][fairness][livelock]") {
  // The worker waits for MainThread, which waits for the worker: no fair schedule ends it.
  for (Strategy s : kAll) {
    INFO(to_string(s));
    Config c = config_for(s);
    c.max_steps = 3'000;
    const Result r = check(
        [] {
          Atomic<int> a{0, "a"}, b{0, "b"};
          Thread worker(ThreadOptions{"worker"}, [&] {
            while (b.load() == 0) a.fetch_add(1);
          });
          worker.start();
          while (a.load() < 1'000'000) b.store(0);
          worker.join();
        },
        c);
    REQUIRE_THAT(r, FindsBug(BugKind::Livelock));
    CHECK(contains(r.bug->involved, "worker ran"));
    CHECK(contains(r.bug->involved, "MainThread ran"));
  }
}
