// DFS and DPOR: exhaustive search within bounds, soundness of DPOR against DFS on a corpus of
// small programs (same final states, same bug kinds), preemption bounds, and reduction.
#include <algorithm>
#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

using namespace weave;
using namespace std::chrono_literals;

namespace {

using Finals = std::set<std::string>;

struct Program {
  const char* name;
  std::function<void(Finals&)> body;
  bool spurious = false;
};

// Each program records its final state when it gets to its end.
std::vector<Program> corpus() {
  std::vector<Program> p;
  p.push_back({"lost update", [](Finals& f) {
                 Shared<int> x(0, "x");
                 Thread a([&] { x = x + 1; }), b([&] { x = x + 1; });
                 a.start();
                 b.start();
                 a.join();
                 b.join();
                 WEAVE_ASSERT(x.load() == 2);
                 f.insert(std::to_string(x.load()));
               }});
  p.push_back({"locked counter", [](Finals& f) {
                 Lock m("m");
                 Shared<int> x(0, "x");
                 auto inc = [&] {
                   std::lock_guard g(m);
                   x = x + 1;
                 };
                 Thread a(inc), b(inc);
                 a.start();
                 b.start();
                 a.join();
                 b.join();
                 f.insert(std::to_string(x.load()));
               }});
  p.push_back({"message passing", [](Finals& f) {
                 Shared<int> data(0, "data"), flag(0, "flag");
                 int r1 = -1, r2 = -1;
                 Thread a([&] {
                   data = 1;
                   flag = 1;
                 });
                 Thread b([&] {
                   r1 = flag;
                   r2 = data;
                 });
                 a.start();
                 b.start();
                 a.join();
                 b.join();
                 f.insert(std::to_string(r1) + std::to_string(r2));
               }});
  p.push_back({"store buffering", [](Finals& f) {
                 Shared<int> x(0, "x"), y(0, "y");
                 int r1 = -1, r2 = -1;
                 Thread a([&] {
                   x = 1;
                   r1 = y;
                 });
                 Thread b([&] {
                   y = 1;
                   r2 = x;
                 });
                 a.start();
                 b.start();
                 a.join();
                 b.join();
                 f.insert(std::to_string(r1) + std::to_string(r2));
               }});
  p.push_back({"lock order deadlock", [](Finals& f) {
                 Lock a("a"), b("b");
                 Thread t1([&] {
                   std::lock_guard g1(a);
                   std::lock_guard g2(b);
                 });
                 Thread t2([&] {
                   std::lock_guard g1(b);
                   std::lock_guard g2(a);
                 });
                 t1.start();
                 t2.start();
                 t1.join();
                 t2.join();
                 f.insert("done");
               }});
  p.push_back({"condition hand-off", [](Finals& f) {
                 Lock m("m");
                 Condition cv(m, "cv");
                 Shared<int> ready(0, "ready"), value(0, "value");
                 int seen = -1;
                 Thread consumer([&] {
                   std::lock_guard g(m);
                   cv.wait_for([&] { return ready.load() == 1; });
                   seen = value;
                 });
                 Thread producer([&] {
                   value = 42;
                   std::lock_guard g(m);
                   ready = 1;
                   cv.notify();
                 });
                 consumer.start();
                 producer.start();
                 consumer.join();
                 producer.join();
                 f.insert(std::to_string(seen));
               }});
  p.push_back({"waiting without a predicate", [](Finals& f) {
                 Lock m("m");
                 Condition cv(m, "cv");
                 Thread waiter([&] {
                   std::lock_guard g(m);
                   cv.wait();
                 });
                 Thread notifier([&] {
                   std::lock_guard g(m);
                   cv.notify();
                 });
                 waiter.start();
                 notifier.start();
                 waiter.join();
                 notifier.join();
                 f.insert("woken");
               }});
  p.push_back({"stolen wakeup", [](Finals& f) {
                 // A woken waiter must take the condition's lock back; a thief may get it first.
                 Condition ready("ready");
                 std::deque<int> items;
                 Thread waiter([&] {
                   std::lock_guard g(ready);
                   if (items.empty()) ready.wait();
                   WEAVE_ASSERT(!items.empty());
                   items.pop_front();
                 });
                 Thread thief([&] {
                   std::lock_guard g(ready);
                   if (!items.empty()) items.pop_front();
                 });
                 waiter.start();
                 thief.start();
                 {
                   std::lock_guard g(ready);
                   items.push_back(1);
                   ready.notify();
                 }
                 waiter.join();
                 thief.join();
                 f.insert(std::to_string(items.size()));
               }});
  p.push_back({"spurious wakeup",
               [](Finals& f) {
                 Lock m("m");
                 Condition cv(m, "cv");
                 Shared<int> ready(0, "ready");
                 int seen = -1;
                 Thread waiter([&] {
                   std::lock_guard g(m);
                   if (ready.load() == 0) cv.wait();
                   seen = ready;
                 });
                 Thread setter([&] {
                   std::lock_guard g(m);
                   ready = 1;
                   cv.notify();
                 });
                 waiter.start();
                 setter.start();
                 waiter.join();
                 setter.join();
                 WEAVE_ASSERT(seen == 1);
                 f.insert(std::to_string(seen));
               },
               /*spurious=*/true});
  p.push_back({"queue order", [](Finals& f) {
                 Queue<int> q(0, "q");
                 Thread producer([&] { q.put(1); });
                 producer.start();
                 q.put(2);
                 std::string got = std::to_string(q.get());
                 got += std::to_string(q.get());
                 producer.join();
                 f.insert(got);
               }});
  p.push_back({"semaphore turns", [](Finals& f) {
                 Semaphore s(1, "s");
                 Shared<int> order(0, "order");
                 auto turn = [&](int id) {
                   s.acquire();
                   order = order * 10 + id;
                   s.release();
                 };
                 Thread a([&] { turn(1); }), b([&] { turn(2); });
                 a.start();
                 b.start();
                 a.join();
                 b.join();
                 f.insert(std::to_string(order.load()));
               }});
  p.push_back({"event with a timeout", [](Finals& f) {
                 Event e("e");
                 bool got = false;
                 Thread waiter([&] { got = e.wait(5ms); });
                 Thread setter([&] { e.set(); });
                 waiter.start();
                 setter.start();
                 waiter.join();
                 setter.join();
                 f.insert(got ? "set" : "timed out");
               }});
  p.push_back({"join with a timeout", [](Finals& f) {
                 Shared<int> x(0, "x");
                 Thread a([&] { x = 1; });
                 a.start();
                 const bool joined = a.join(5ms);
                 const int seen = x.load();
                 a.join();
                 f.insert(std::string(joined ? "joined " : "timed out ") + std::to_string(seen));
               }});
  p.push_back({"future result with a timeout", [](Finals& f) {
                 ThreadPoolExecutor pool(1, "pool");
                 auto fut = pool.submit([] { return 7; });
                 std::string got;
                 try {
                   got = std::to_string(fut.result(5ms));
                 } catch (const TimeoutError&) {
                   got = "timed out";
                 }
                 f.insert(got);
                 pool.shutdown();
               }});
  p.push_back({"barrier", [](Finals& f) {
                 Barrier bar(2, {}, "bar");
                 Shared<int> x(0, "x"), y(0, "y");
                 int rx = -1, ry = -1;
                 Thread a([&] {
                   x = 1;
                   bar.wait();
                   ry = y;
                 });
                 Thread b([&] {
                   y = 1;
                   bar.wait();
                   rx = x;
                 });
                 a.start();
                 b.start();
                 a.join();
                 b.join();
                 f.insert(std::to_string(rx) + std::to_string(ry));
               }});
  p.push_back({"atomic counter and a plain read", [](Finals& f) {
                 Atomic<int> n(0, "n");
                 int seen = -1;
                 Thread a([&] { n.fetch_add(1); });
                 Thread c([&] { seen = n.load(); });
                 a.start();
                 c.start();
                 n.fetch_add(1);
                 a.join();
                 c.join();
                 f.insert(std::to_string(seen) + "/" + std::to_string(n.load()));
               }});
  p.push_back({"executor future", [](Finals& f) {
                 Shared<int> x(0, "x");
                 ThreadPoolExecutor pool(1, "pool");
                 auto fut = pool.submit([&] { return x.load(); });
                 x = 5;
                 f.insert(std::to_string(fut.result()));
                 pool.shutdown();
               }});
  p.push_back({"cancel a submitted task", [](Finals& f) {
                 ThreadPoolExecutor pool(1, "pool");
                 auto fut = pool.submit([] { return 7; });
                 const bool cancelled = fut.cancel();
                 f.insert(cancelled ? "cancelled" : "ran " + std::to_string(fut.result()));
                 pool.shutdown();
               }});
  p.push_back({"done callbacks added from two threads", [](Finals& f) {
                 ThreadPoolExecutor pool(1, "pool");
                 Lock l("order");
                 std::string order;
                 auto fut = pool.submit([] { return 7; });
                 Thread a([&] {
                   fut.add_done_callback([&](const Future<int>&) {
                     std::lock_guard g(l);
                     order += "a";
                   });
                 });
                 a.start();
                 fut.add_done_callback([&](const Future<int>&) {
                   std::lock_guard g(l);
                   order += "m";
                 });
                 a.join();
                 pool.shutdown();
                 f.insert(order);
               }});
  // Queries of state other threads change are scheduling points: they see either side.
  p.push_back({"is_alive and active_count after start", [](Finals& f) {
                 Thread t([] {});
                 t.start();
                 const bool alive = t.is_alive();
                 const std::size_t count = active_count();
                 t.join();
                 f.insert(std::string(alive ? "alive " : "dead ") + std::to_string(count));
               }});
  p.push_back({"locked and qsize while another thread works", [](Finals& f) {
                 Lock l("l");
                 Queue<int> q(0, "q");
                 Thread t([&] {
                   std::lock_guard g(l);
                   q.put(1);
                 });
                 t.start();
                 const bool held = l.locked();
                 const std::size_t n = q.qsize();
                 t.join();
                 f.insert(std::string(held ? "held " : "free ") + std::to_string(n));
               }});
  // A yield is a hint: the yielding thread may still go on before the others (found by
  // tests/checker/differential_test.cpp's kind of program: DPOR missed "w").
  p.push_back({"set after a yield, cleared, waited for", [](Finals& f) {
                 Event e("e");
                 std::string seen;
                 Thread t1([&] { e.set(); });
                 Thread t2([&] {
                   weave::yield();
                   e.set();
                   seen = e.wait(5ms) ? "W" : "w";
                 });
                 t1.start();
                 t2.start();
                 e.clear();
                 t1.join();
                 t2.join();
                 f.insert(seen);
               }});
  // Blocking and waking change what Thread::state() says (a key of its own for DPOR).
  p.push_back({"state of a thread that may block", [](Finals& f) {
                 Lock l("l");
                 l.acquire();
                 Thread t([&] {
                   l.acquire();
                   l.release();
                 });
                 t.start();
                 const ThreadState seen = t.state();
                 l.release();
                 t.join();
                 f.insert(to_string(seen));
               }});
  p.push_back({"thread joins another", [](Finals& f) {
                 Shared<int> x(0, "x");
                 Thread a([&] { x = 1; });
                 Thread b([&] {
                   a.join();
                   x = x + 10;
                 });
                 a.start();
                 b.start();
                 b.join();
                 f.insert(std::to_string(x.load()));
               }});
  return p;
}

struct Outcome {
  Result result;
  Finals finals;
  std::set<BugKind> kinds;
};

Outcome explore(const Program& p, Strategy s, int bound = -1) {
  Outcome o;
  Config c;
  c.strategy = s;
  c.iterations = 1'000'000;
  c.preemption_bound = bound;
  c.stop_on_first_bug = false;
  c.detect_races = false;  // let racy programs run to their end: their final states are compared
  c.spurious_wakeups = p.spurious;
  o.result = check([&] { p.body(o.finals); }, c);
  o.kinds.insert(o.result.kinds_found.begin(), o.result.kinds_found.end());
  return o;
}

}  // namespace

TEST_CASE("DPOR reaches every final state and bug kind that DFS reaches", "[systematic]") {
  for (const Program& p : corpus()) {
    {
      INFO(p.name);
      const Outcome dfs = explore(p, Strategy::DFS);
      const Outcome dpor = explore(p, Strategy::DPOR);
      CAPTURE(dfs.result.schedules, dpor.result.schedules, dfs.result.coverage,
              dpor.result.coverage);
      CHECK(dfs.result.exhausted);
      CHECK(dpor.result.exhausted);
      CHECK(!dfs.finals.empty() + !dfs.kinds.empty() > 0);
      CHECK(dpor.finals == dfs.finals);
      CHECK(dpor.kinds == dfs.kinds);
      CHECK(dpor.result.schedules <= dfs.result.schedules);
      WARN(p.name << ": DFS " << dfs.result.schedules << ", DPOR " << dpor.result.schedules);
    }
  }
}

TEST_CASE("DFS and DPOR find the expected outcomes of the corpus", "[systematic]") {
  // The corpus itself is checked, so that the comparison above compares something.
  const auto programs = corpus();
  const auto find = [&](const std::string& name) {
    return *std::find_if(programs.begin(), programs.end(),
                         [&](const Program& p) { return p.name == name; });
  };
  for (Strategy s : {Strategy::DFS, Strategy::DPOR}) {
    INFO((s == Strategy::DFS ? "DFS" : "DPOR"));
    CHECK(explore(find("lost update"), s).finals == Finals{"2"});
    CHECK(explore(find("lost update"), s).kinds == std::set{BugKind::AssertionFailure});
    CHECK(explore(find("locked counter"), s).finals == Finals{"2"});
    CHECK(explore(find("message passing"), s).finals == Finals{"00", "01", "11"});
    CHECK(explore(find("store buffering"), s).finals == Finals{"01", "10", "11"});
    // The schedules that do not deadlock show the inverted lock order.
    CHECK(explore(find("lock order deadlock"), s).kinds ==
          std::set{BugKind::Deadlock, BugKind::LockOrderInversion});
    CHECK(explore(find("condition hand-off"), s).finals == Finals{"42"});
    CHECK(explore(find("waiting without a predicate"), s).kinds ==
          std::set{BugKind::LostNotification});
    CHECK(explore(find("spurious wakeup"), s).kinds == std::set{BugKind::AssertionFailure});
    CHECK(explore(find("stolen wakeup"), s).kinds.count(BugKind::AssertionFailure) == 1);
    CHECK(explore(find("queue order"), s).finals == Finals{"12", "21"});
    CHECK(explore(find("semaphore turns"), s).finals == Finals{"12", "21"});
    CHECK(explore(find("event with a timeout"), s).finals == Finals{"set", "timed out"});
    CHECK(explore(find("barrier"), s).finals == Finals{"11"});
    CHECK(explore(find("atomic counter and a plain read"), s).finals ==
          Finals{"0/2", "1/2", "2/2"});
    CHECK(explore(find("executor future"), s).finals == Finals{"0", "5"});
    CHECK(explore(find("cancel a submitted task"), s).finals == Finals{"cancelled", "ran 7"});
    CHECK(explore(find("done callbacks added from two threads"), s).finals == Finals{"am", "ma"});
    CHECK(explore(find("thread joins another"), s).finals == Finals{"11"});
    CHECK(explore(find("state of a thread that may block"), s).finals ==
          Finals{"Runnable", "Running", "Blocked"});
    CHECK(explore(find("set after a yield, cleared, waited for"), s).finals == Finals{"W", "w"});
    CHECK(explore(find("is_alive and active_count after start"), s).finals ==
          Finals{"alive 2", "alive 1", "dead 1"});
    CHECK(explore(find("locked and qsize while another thread works"), s).finals ==
          Finals{"free 0", "free 1", "held 0", "held 1"});
    CHECK(explore(find("join with a timeout"), s).finals ==
          Finals{"joined 1", "timed out 0", "timed out 1"});
    CHECK(explore(find("future result with a timeout"), s).finals == Finals{"7", "timed out"});
  }
}

TEST_CASE("DPOR reaches every outcome of a wait for the first of two futures", "[systematic]") {
  // Too big for DFS to finish (two pool workers); which futures wait() returns as done depends
  // on whether each completes before the waiter registers, before it wakes, or after.
  const Program p{
      "first completed of two futures", [](Finals& f) {
        ThreadPoolExecutor pool(2, "pool");
        auto one = pool.submit([] { return 1; });
        auto two = pool.submit([] { return 2; });
        const auto r = wait(std::vector{one, two}, Duration::max(), ReturnWhen::FirstCompleted);
        std::string done;
        for (const auto& fut : r.done) done += std::to_string(fut.result());
        f.insert(done);
        pool.shutdown();
      }};
  const Outcome dpor = explore(p, Strategy::DPOR);
  CHECK(dpor.result.exhausted);
  CHECK(dpor.finals == Finals{"1", "2", "12"});
  CHECK(dpor.kinds.empty());
}

TEST_CASE("A correct program is explored exhaustively and reported clean", "[systematic]") {
  const auto programs = corpus();
  for (Strategy s : {Strategy::DFS, Strategy::DPOR}) {
    const Outcome o = explore(programs[1], s);  // locked counter
    CHECK(o.result.ok());
    CHECK(o.result.exhausted);
    CHECK(o.result.schedules > 1);
    CHECK_THAT(o.result.report(), Catch::Contains("every schedule was explored"));
    CHECK_THAT(o.result.report(), Catch::Contains("every schedule within the bounds"));
  }
}

TEST_CASE("A bug that needs one preemption is missed at bound 0 and found at bound 1",
          "[systematic]") {
  const Program lost = corpus()[0];
  for (Strategy s : {Strategy::DFS, Strategy::DPOR}) {
    INFO((s == Strategy::DFS ? "DFS" : "DPOR"));
    const Outcome at0 = explore(lost, s, 0);
    CHECK(at0.result.ok());
    CHECK(at0.result.exhausted);
    CHECK_THAT(at0.result.coverage, Catch::Contains("preemption bound 0"));
    const Outcome at1 = explore(lost, s, 1);
    REQUIRE(at1.result.bug);
    CHECK(at1.result.bug->kind == BugKind::AssertionFailure);
    CHECK(at1.result.exhausted);
    // The preemption bound explores a subset: more schedules with a larger bound.
    CHECK(at0.result.schedules < at1.result.schedules);
  }
}

namespace {
// Two threads that each update their own variable three times.
void independent_threads() {
  std::vector<std::unique_ptr<Shared<int>>> vars;
  for (int i = 0; i < 2; ++i) vars.push_back(std::make_unique<Shared<int>>(0));
  std::vector<std::unique_ptr<Thread>> threads;
  for (int i = 0; i < 2; ++i) {
    threads.push_back(std::make_unique<Thread>([&, i] {
      for (int k = 0; k < 3; ++k) *vars[i] = *vars[i] + 1;
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
}
}  // namespace

TEST_CASE("DPOR explores at least 100x fewer schedules than DFS on independent threads",
          "[systematic]") {
  Config c;
  c.iterations = 10'000'000;
  c.strategy = Strategy::DFS;
  const Result dfs = check(independent_threads, c);
  c.strategy = Strategy::DPOR;
  const Result dpor = check(independent_threads, c);
  REQUIRE(dfs.ok());
  REQUIRE(dpor.ok());
  REQUIRE(dfs.exhausted);
  REQUIRE(dpor.exhausted);
  CAPTURE(dfs.schedules, dpor.schedules);
  CHECK(dpor.schedules * 100 <= dfs.schedules);
}

TEST_CASE("DPOR finds a lost update as a data race, and replays it", "[systematic]") {
  Config c;
  c.strategy = Strategy::DPOR;
  const auto body = [] {
    Shared<int> x(0, "counter");
    Thread a([&] { x = x + 1; }), b([&] { x = x + 1; });
    a.start();
    b.start();
    a.join();
    b.join();
    WEAVE_ASSERT(x.load() == 2);
  };
  const Result r = check(body, c);
  REQUIRE_THAT(r, FindsBug(BugKind::DataRace));
  CHECK(r.bug->nondeterminism.empty());
  const Result again = replay(body, r.bug->schedule);
  REQUIRE(again.bug);
  CHECK(again.bug->kind == BugKind::DataRace);
  c.detect_races = false;
  REQUIRE_THAT(check(body, c), FindsBug(BugKind::AssertionFailure));
}

TEST_CASE("Systematic search stops at Config::iterations and says it is not complete",
          "[systematic]") {
  Config c;
  c.strategy = Strategy::DFS;
  c.iterations = 5;
  const Result r = check(independent_threads, c);
  CHECK(r.schedules == 5);
  CHECK_FALSE(r.exhausted);
  CHECK_THAT(r.coverage, Catch::Contains("stopped before it was complete"));
}

TEST_CASE("A spin loop with yield ends under DFS and DPOR: a yielding thread waits its turn",
          "[systematic]") {
  for (Strategy s : {Strategy::DFS, Strategy::DPOR}) {
    Config c;
    c.strategy = s;
    c.iterations = 100000;
    const Result r = check(
        [] {
          Atomic<int> flag(0, "flag");
          Thread spinner([&] {
            while (flag.load() == 0) weave::yield();
          });
          spinner.start();
          flag.store(1);
          spinner.join();
        },
        c);
    CHECK_THAT(r, NoBug());
    CHECK(r.exhausted);
  }
}

TEST_CASE("Every result says what the search covered", "[systematic]") {
  Config c;
  c.seed = 3;
  c.iterations = 200;
  c.strategy = Strategy::PCT;
  const Result pct = check(independent_threads, c);
  CHECK_THAT(pct.coverage, Catch::Contains("PCT depth 3: 200 schedules") &&
                               Catch::Contains("missed with probability at most"));
  CHECK_THAT(pct.report(), Catch::Contains(pct.coverage));
  c.strategy = Strategy::DPOR;
  c.preemption_bound = 1;
  const Result dpor = check(independent_threads, c);
  CHECK_THAT(dpor.coverage, Catch::Contains("DPOR: ") && Catch::Contains("preemption bound 1") &&
                                Catch::Contains("every schedule within the bounds"));
  c.strategy = Strategy::Random;
  CHECK_THAT(check(independent_threads, c).coverage, Catch::Contains("random: 200 schedules"));
}
