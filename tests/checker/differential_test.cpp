// DPOR against DFS on random small programs: two or three threads, each running one to three
// operations drawn from locks, events, a semaphore, a bounded queue, a condition, a shared
// variable and the queries of their state (every blocking call has a timeout, so each program
// ends). Where DFS finishes its search, DPOR must reach exactly the same final states and bug
// kinds. The programs are fixed by their seeds: the test is the same on every run.
#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

using namespace weave;
using namespace std::chrono_literals;

namespace {

enum Op {
  WriteX,
  LockedAdd,
  EventSet,
  EventWait,
  EventClear,
  SemAcquire,
  SemRelease,
  QueuePut,
  QueueGet,
  QueueSize,
  IsSet,
  Locked,
  ReadX,
  CondNotify,
  CondWait,
  YieldOp,
  kOps
};
const char* const kNames[] = {"WriteX",     "LockedAdd",  "EventSet", "EventWait",
                              "EventClear", "SemAcq",     "SemRel",   "QueuePut",
                              "QueueGet",   "QueueSize",  "IsSet",    "Locked",
                              "ReadX",      "CondNotify", "CondWait", "Yield"};

struct World {
  Lock lock{"l"};
  Event event{"e"};
  Semaphore sem{0, "s"};
  Queue<int> queue{1, "q"};
  Shared<int> x{0, "x"};
  Condition cond{lock, "c"};
};

// Runs `ops` as thread `id`; returns what it saw.
std::string run_ops(const std::vector<int>& ops, int id, World& w) {
  std::string seen;
  for (int op : ops) {
    switch (op) {
      case WriteX:
        w.x = w.x.load() * 2 + id;
        break;
      case LockedAdd: {
        std::lock_guard g(w.lock);
        w.x = w.x.load() + id;
        break;
      }
      case EventSet:
        w.event.set();
        break;
      case EventWait:
        seen += w.event.wait(5ms) ? "W" : "w";
        break;
      case EventClear:
        w.event.clear();
        break;
      case SemAcquire:
        seen += w.sem.acquire(5ms) ? "A" : "a";
        break;
      case SemRelease:
        w.sem.release();
        break;
      case QueuePut:
        seen += w.queue.put_nowait(id) ? "P" : "p";
        break;
      case QueueGet: {
        const auto v = w.queue.get(5ms);
        seen += v ? std::to_string(*v) : "g";
        break;
      }
      case QueueSize:
        seen += std::to_string(w.queue.qsize());
        break;
      case IsSet:
        seen += w.event.is_set() ? "S" : "s";
        break;
      case Locked:
        seen += w.lock.locked() ? "L" : "l";
        break;
      case ReadX:
        seen += "x" + std::to_string(w.x.load());
        break;
      case CondNotify: {
        std::lock_guard g(w.cond);
        w.cond.notify();
        break;
      }
      case CondWait: {
        std::lock_guard g(w.cond);
        seen += w.cond.wait(5ms) ? "C" : "c";
        break;
      }
      case YieldOp:
        weave::yield();
        break;
    }
  }
  return seen;
}

using Program = std::vector<std::vector<int>>;  // per thread (0: MainThread), its operations

Program program(unsigned seed) {
  std::mt19937 rng(seed);
  Program p(2 + rng() % 2);
  for (auto& ops : p) {
    const unsigned n = 1 + rng() % 3;
    for (unsigned i = 0; i < n; ++i) ops.push_back(static_cast<int>(rng() % kOps));
  }
  return p;
}

std::string describe(const Program& p) {
  std::string out;
  for (std::size_t t = 0; t < p.size(); ++t) {
    out += "\n  thread " + std::to_string(t) + ":";
    for (int op : p[t]) out += std::string(" ") + kNames[op];
  }
  return out;
}

struct Outcome {
  std::set<std::string> finals;  // what each thread saw, and x; "bug: Kind" for each bug kind
  Result result;
};

Outcome explore(const Program& p, Strategy s) {
  Outcome o;
  Config c;
  c.strategy = s;
  c.iterations = 100'000;
  c.stop_on_first_bug = false;
  c.detect_races = false;  // racy programs run to their end: their final states are compared
  o.result = check(
      [&] {
        World w;
        std::vector<std::string> seen(p.size());
        std::vector<std::unique_ptr<Thread>> threads;
        for (std::size_t t = 1; t < p.size(); ++t) {
          threads.push_back(std::make_unique<Thread>(
              [&, t] { seen[t] = run_ops(p[t], static_cast<int>(t), w); }));
        }
        for (auto& t : threads) t->start();
        seen[0] = run_ops(p[0], 0, w);
        for (auto& t : threads) t->join();
        std::string final_state;
        for (const std::string& s : seen) final_state += s + "|";
        o.finals.insert(final_state + std::to_string(w.x.load()));
      },
      c);
  for (BugKind k : o.result.kinds_found) o.finals.insert(std::string("bug: ") + to_string(k));
  return o;
}

}  // namespace

TEST_CASE("DPOR reaches the final states DFS reaches in 60 random programs", "[systematic]") {
  int compared = 0;
  for (unsigned seed = 1; seed <= 60; ++seed) {
    const Program p = program(seed);
    const Outcome dfs = explore(p, Strategy::DFS);
    if (!dfs.result.exhausted) continue;  // too big for DFS to be the reference
    const Outcome dpor = explore(p, Strategy::DPOR);
    INFO("seed " << seed << describe(p));
    CAPTURE(dfs.result.schedules, dpor.result.schedules);
    CHECK(dpor.result.exhausted);
    CHECK(dpor.finals == dfs.finals);
    CHECK(dpor.result.schedules <= dfs.result.schedules);
    ++compared;
  }
  // Most of them are small enough to compare (the seeds are fixed: this does not vary).
  CHECK(compared >= 25);
  WARN(compared << " of 60 random programs compared");
}
