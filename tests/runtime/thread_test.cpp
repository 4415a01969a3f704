#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "weave/weave.hpp"

using namespace std::chrono_literals;

namespace {

// Polls `done` until it holds; fails the test instead of hanging when it never does. The bound is
// a safety net, not a timing assertion.
template <class P>
void wait_until(P done) {
  for (int i = 0; i < 10000 && !done(); ++i) std::this_thread::sleep_for(1ms);
  REQUIRE(done());
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Restores the previous excepthook when the test ends, however it ends.
class HookGuard {
 public:
  explicit HookGuard(weave::ExceptHook hook) : old_(weave::set_excepthook(std::move(hook))) {}
  HookGuard(const HookGuard&) = delete;
  HookGuard& operator=(const HookGuard&) = delete;
  ~HookGuard() { weave::set_excepthook(std::move(old_)); }

 private:
  weave::ExceptHook old_;
};

// What an excepthook saw, filled in on the failing thread and read after join().
struct HookRecord {
  std::mutex mutex;
  int calls = 0;
  std::string what;
  std::string thread_name;
  weave::Thread* thread = nullptr;
  bool has_exception = false;
};

weave::ExceptHook recording_hook(HookRecord& rec) {
  return [&rec](const weave::ExceptHookArgs& args) {
    std::lock_guard<std::mutex> lk(rec.mutex);
    ++rec.calls;
    rec.what = args.what;
    rec.thread_name = args.thread_name;
    rec.thread = args.thread;
    rec.has_exception = static_cast<bool>(args.exception);
  };
}

}  // namespace

// ---- targets and arguments -----------------------------------------------------------------

TEST_CASE("Thread runs its target with arguments and join waits for it", "[thread]") {
  int result = 0;
  weave::Thread t([](int a, int b, int* out) { *out = a + b; }, 2, 3, &result);
  REQUIRE(t.state() == weave::ThreadState::New);
  REQUIRE(t.ident() == 0);
  t.start();
  t.join();
  REQUIRE(result == 5);
  REQUIRE_FALSE(t.is_alive());
  REQUIRE(t.state() == weave::ThreadState::Terminated);
  REQUIRE(t.ident() != 0);
}

TEST_CASE("Thread arguments are copied when the Thread is made", "[thread][args]") {
  std::string text = "before";
  std::string seen;
  weave::Thread t([](std::string s, std::string* out) { *out = s; }, text, &seen);
  text = "after";  // the thread has its own copy
  t.start();
  t.join();
  REQUIRE(seen == "before");
  REQUIRE(text == "after");
}

TEST_CASE("std::ref passes an argument by reference", "[thread][args]") {
  int value = 1;
  std::vector<int> log;
  weave::Thread t(
      [](int& v, std::vector<int>& out) {
        v = 42;
        out.push_back(7);
      },
      std::ref(value), std::ref(log));
  t.start();
  t.join();
  REQUIRE(value == 42);
  REQUIRE(log == std::vector<int>{7});

  const std::string label = "const ref";
  std::size_t length = 0;
  weave::Thread c([](const std::string& s, std::size_t& n) { n = s.size(); }, std::cref(label),
                  std::ref(length));
  c.start();
  c.join();
  REQUIRE(length == label.size());
}

TEST_CASE("Move-only arguments and move-only targets", "[thread][args]") {
  int seen = 0;
  weave::Thread t([](std::unique_ptr<int> p, int* out) { *out = *p; }, std::make_unique<int>(7),
                  &seen);
  t.start();
  t.join();
  REQUIRE(seen == 7);

  auto owned = std::make_unique<int>(11);
  int seen2 = 0;
  weave::Thread m([p = std::move(owned), &seen2]() mutable { seen2 = *p; });
  m.start();
  m.join();
  REQUIRE(seen2 == 11);

  // An argument taken by rvalue reference gets the thread's own copy.
  std::string moved_into;
  weave::Thread r([](std::string&& s, std::string* out) { *out = std::move(s); },
                  std::string("rvalue"), &moved_into);
  r.start();
  r.join();
  REQUIRE(moved_into == "rvalue");
}

namespace {
struct Accumulator {
  int total = 0;
  void add(int n) { total += n; }
};
void free_function(int a, int* out) { *out = a * 2; }
}  // namespace

TEST_CASE("Targets may be free functions and member functions", "[thread][args]") {
  int out = 0;
  weave::Thread f(free_function, 21, &out);
  f.start();
  f.join();
  REQUIRE(out == 42);

  Accumulator acc;
  weave::Thread m(&Accumulator::add, &acc, 5);
  m.start();
  m.join();
  REQUIRE(acc.total == 5);
}

TEST_CASE("The target and its arguments are released when the thread ends", "[thread][args]") {
  auto payload = std::make_shared<int>(3);
  std::weak_ptr<int> watch = payload;
  int seen = 0;
  weave::Thread t([](std::shared_ptr<int> p, int* out) { *out = *p; }, std::move(payload), &seen);
  t.start();
  t.join();
  REQUIRE(seen == 3);
  // As Python deletes a thread's target and args after run(): the Thread object still exists,
  // but what it was given is gone.
  REQUIRE(watch.expired());
}

namespace {
class Counter : public weave::Thread {
 public:
  explicit Counter(int n) : Thread(weave::ThreadOptions{"counter"}), n_(n) {}
  int total = 0;
  std::string seen_name;

 protected:
  void run() override {
    seen_name = weave::current_thread().name();
    for (int i = 1; i <= n_; ++i) total += i;
  }

 private:
  int n_;
};

class Plain : public weave::Thread {
 public:
  bool ran = false;

 protected:
  void run() override { ran = true; }
};
}  // namespace

TEST_CASE("A Thread subclass overrides run()", "[thread]") {
  Counter c(10);
  c.start();
  c.join();
  REQUIRE(c.total == 55);
  REQUIRE(c.name() == "counter");
  REQUIRE(c.seen_name == "counter");

  Plain p;
  REQUIRE(starts_with(p.name(), "Thread-"));
  REQUIRE_FALSE(p.daemon());
  p.start();
  p.join();
  REQUIRE(p.ran);
}

TEST_CASE("A Thread without target or override runs nothing", "[thread]") {
  weave::Thread t;
  t.start();
  t.join();
  REQUIRE(t.state() == weave::ThreadState::Terminated);
}

// ---- options, names and idents ---------------------------------------------------------------

TEST_CASE("ThreadOptions give the name and the daemon flag", "[thread][options]") {
  weave::Thread plain([] {});
  REQUIRE_FALSE(plain.daemon());

  weave::Thread d(weave::ThreadOptions{"background", true}, [] {});
  REQUIRE(d.name() == "background");
  REQUIRE(d.daemon());

  weave::Thread o(weave::ThreadOptions{.name = "opts-only", .daemon = false});
  REQUIRE(o.name() == "opts-only");
  REQUIRE_FALSE(o.daemon());

  // Both can still change before start().
  d.set_name("renamed");
  d.set_daemon(false);
  REQUIRE(d.name() == "renamed");
  REQUIRE_FALSE(d.daemon());
  std::string seen;
  weave::Thread n([&] { seen = weave::current_thread().name(); });
  n.set_name("late-name");
  n.set_daemon(true);
  REQUIRE(n.daemon());
  n.start();
  n.join();
  REQUIRE(seen == "late-name");
}

TEST_CASE("Names: MainThread, Thread-N and custom", "[thread][names]") {
  REQUIRE(weave::current_thread().name() == "MainThread");
  REQUIRE(weave::current_thread().is_alive());
  REQUIRE(weave::current_thread().state() == weave::ThreadState::Running);
  REQUIRE(&weave::current_thread() == &weave::current_thread());

  weave::Thread a([] {});
  weave::Thread b([] {});
  REQUIRE(starts_with(a.name(), "Thread-"));
  REQUIRE(starts_with(b.name(), "Thread-"));
  // Numbered in creation order.
  const int na = std::stoi(a.name().substr(7));
  const int nb = std::stoi(b.name().substr(7));
  REQUIRE(na > 0);
  REQUIRE(nb > na);

  std::string seen_unnamed;
  weave::Thread* seen_self = nullptr;
  weave::Thread u([&] {
    seen_unnamed = weave::current_thread().name();
    seen_self = &weave::current_thread();
  });
  u.start();
  u.join();
  REQUIRE(seen_unnamed == u.name());
  REQUIRE(seen_self == &u);

  std::string seen;
  weave::Thread named(weave::ThreadOptions{"worker"},
                      [&] { seen = weave::current_thread().name(); });
  named.start();
  named.join();
  REQUIRE(seen == "worker");
}

TEST_CASE("A thread weave did not start is adopted as a Dummy daemon", "[thread][names]") {
  std::string name;
  bool daemon = false;
  bool alive = false;
  std::uint64_t ident = 0;
  std::thread raw([&] {
    weave::Thread& me = weave::current_thread();
    name = me.name();
    daemon = me.daemon();
    alive = me.is_alive();
    ident = me.ident();
  });
  raw.join();
  REQUIRE(starts_with(name, "Dummy-"));
  REQUIRE(daemon);
  REQUIRE(alive);
  REQUIRE(ident != 0);
  REQUIRE(ident != weave::current_thread().ident());
}

TEST_CASE("ident is 0 before start, then distinct and seen by the thread itself", "[thread]") {
  std::atomic<bool> go{false};
  std::uint64_t inside_a = 0;
  std::uint64_t inside_b = 0;
  weave::Thread a([&] {
    inside_a = weave::current_thread().ident();
    while (!go.load()) std::this_thread::yield();
  });
  weave::Thread b([&] {
    inside_b = weave::current_thread().ident();
    while (!go.load()) std::this_thread::yield();
  });
  REQUIRE(a.ident() == 0);
  REQUIRE(b.ident() == 0);
  a.start();
  b.start();
  const std::uint64_t main_ident = weave::current_thread().ident();
  REQUIRE(main_ident != 0);
  REQUIRE(a.ident() != 0);
  REQUIRE(b.ident() != 0);
  REQUIRE(a.ident() != b.ident());  // both alive at once
  REQUIRE(a.ident() != main_ident);
  REQUIRE(b.ident() != main_ident);
  go = true;
  a.join();
  b.join();
  REQUIRE(inside_a == a.ident());
  REQUIRE(inside_b == b.ident());
}

// ---- states ---------------------------------------------------------------------------------

TEST_CASE("States: New, Runnable, Running, Blocked, Terminated", "[thread][state]") {
  weave::Lock gate{"gate"};
  std::atomic<int> phase{0};
  std::atomic<bool> finish{false};
  std::atomic<int> state_inside{-1};
  weave::Thread t([&] {
    state_inside = static_cast<int>(weave::current_thread().state());
    phase = 1;
    gate.acquire();  // held by the test: Blocked until it lets go
    phase = 2;
    while (!finish.load()) std::this_thread::yield();  // busy, so Running
    gate.release();
  });
  REQUIRE(t.state() == weave::ThreadState::New);
  REQUIRE_FALSE(t.is_alive());
  REQUIRE(std::string(weave::to_string(t.state())) == "New");

  gate.acquire();
  t.start();
  {
    const weave::ThreadState s = t.state();
    // Runnable until the OS thread begins; it may already have moved on.
    REQUIRE((s == weave::ThreadState::Runnable || s == weave::ThreadState::Running ||
             s == weave::ThreadState::Blocked));
  }
  REQUIRE(t.is_alive());
  wait_until([&] { return t.state() == weave::ThreadState::Blocked; });
  REQUIRE(phase.load() == 1);
  REQUIRE(state_inside.load() == static_cast<int>(weave::ThreadState::Running));
  REQUIRE(t.is_alive());

  gate.release();
  wait_until([&] { return phase.load() == 2; });
  REQUIRE(t.state() == weave::ThreadState::Running);
  finish = true;
  t.join();
  REQUIRE(t.state() == weave::ThreadState::Terminated);
  REQUIRE_FALSE(t.is_alive());
  REQUIRE_FALSE(gate.locked());
}

TEST_CASE("to_string names every state", "[thread][state]") {
  REQUIRE(std::string(weave::to_string(weave::ThreadState::New)) == "New");
  REQUIRE(std::string(weave::to_string(weave::ThreadState::Runnable)) == "Runnable");
  REQUIRE(std::string(weave::to_string(weave::ThreadState::Running)) == "Running");
  REQUIRE(std::string(weave::to_string(weave::ThreadState::Blocked)) == "Blocked");
  REQUIRE(std::string(weave::to_string(weave::ThreadState::Terminated)) == "Terminated");
}

TEST_CASE("A sleeping or joining thread is Blocked", "[thread][state]") {
  std::atomic<bool> stop{false};
  weave::Thread sleeper([&] {
    while (!stop.load()) weave::sleep(1ms);
  });
  weave::Thread joiner([&] { sleeper.join(); });
  sleeper.start();
  joiner.start();
  wait_until([&] { return sleeper.state() == weave::ThreadState::Blocked; });
  wait_until([&] { return joiner.state() == weave::ThreadState::Blocked; });
  stop = true;
  joiner.join();
  REQUIRE_FALSE(sleeper.is_alive());
  sleeper.join();  // joining again is fine
}

// ---- join -----------------------------------------------------------------------------------

TEST_CASE("join with a timeout returns false while the thread runs", "[thread][timeout]") {
  std::atomic<bool> go{false};
  weave::Thread t([&] {
    while (!go.load()) weave::sleep(1ms);
  });
  t.start();
  REQUIRE_FALSE(t.join(20ms));
  REQUIRE_FALSE(t.join(0ms));
  REQUIRE(t.is_alive());
  go = true;
  REQUIRE(t.join(10s));
  REQUIRE_FALSE(t.is_alive());
  REQUIRE(t.join(0ms));  // already finished
  t.join();
}

TEST_CASE("Several threads may join the same thread", "[thread]") {
  std::atomic<bool> go{false};
  int data = 0;
  weave::Thread worker([&] {
    while (!go.load()) weave::sleep(1ms);
    data = 99;
  });
  std::vector<int> seen(3, 0);
  std::vector<std::unique_ptr<weave::Thread>> joiners;
  for (int i = 0; i < 3; ++i) {
    joiners.push_back(std::make_unique<weave::Thread>([&, i] {
      worker.join();
      seen[i] = data;  // join makes the worker's writes visible
    }));
  }
  worker.start();
  for (auto& j : joiners) j->start();
  go = true;
  for (auto& j : joiners) j->join();
  REQUIRE(seen == std::vector<int>{99, 99, 99});
}

TEST_CASE("start() publishes earlier writes; join() publishes the thread's", "[thread]") {
  // Plain ints: ThreadSanitizer checks the happens-before edges.
  std::vector<int> in(100);
  for (int i = 0; i < 100; ++i) in[i] = i;
  long sum = 0;
  weave::Thread t([&] {
    for (int v : in) sum += v;
    in.clear();
  });
  t.start();
  t.join();
  REQUIRE(sum == 4950);
  REQUIRE(in.empty());
}

// ---- destruction, daemons, active_count -----------------------------------------------------

TEST_CASE("The destructor joins a started, unjoined, non-daemon thread", "[thread][dtor]") {
  std::atomic<bool> done{false};
  {
    weave::Thread t([&] {
      weave::sleep(30ms);
      done = true;
    });
    t.start();
  }
  REQUIRE(done.load());

  // Also after a join with a timeout that ran out.
  std::atomic<bool> done2{false};
  {
    weave::Thread t([&] {
      weave::sleep(30ms);
      done2 = true;
    });
    t.start();
    (void)t.join(0ms);
  }
  REQUIRE(done2.load());
}

namespace {
// The pattern for a subclass that may be destroyed while it runs: join in its own destructor,
// while its members (and its run()) still exist.
class SelfJoining : public weave::Thread {
 public:
  explicit SelfJoining(std::atomic<bool>& done) : done_(done) {}
  ~SelfJoining() override {
    if (ident() != 0) join();
  }

 protected:
  void run() override {
    weave::sleep(10ms);
    text_ = "ran";
    done_ = text_ == "ran";
  }

 private:
  std::atomic<bool>& done_;
  std::string text_;
};
}  // namespace

TEST_CASE("A subclass that joins in its own destructor runs its run()", "[thread][dtor]") {
  for (int i = 0; i < 20; ++i) {
    std::atomic<bool> done{false};
    {
      SelfJoining s(done);
      s.start();
    }
    REQUIRE(done.load());
  }
  std::atomic<bool> unused{false};
  { SelfJoining never_started(unused); }
  REQUIRE_FALSE(unused.load());
}

TEST_CASE("Destroying an unstarted or joined Thread does not block", "[thread][dtor]") {
  {
    weave::Thread never([] {});
  }
  {
    weave::Thread t([] {});
    t.start();
    t.join();
  }
  SUCCEED();
}

TEST_CASE("A daemon thread is not joined by its destructor", "[thread][daemon]") {
  const std::size_t before = weave::active_count();
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
  std::atomic<bool> finished{false};
  {
    weave::Thread d(weave::ThreadOptions{"daemon", true}, [&] {
      entered = true;
      while (!release.load()) std::this_thread::sleep_for(1ms);
      finished = true;
    });
    d.start();
    // Wait until the thread is inside its target before letting the Thread object go.
    wait_until([&] { return entered.load(); });
  }
  // The destructor returned while the thread still runs.
  REQUIRE_FALSE(finished.load());
  REQUIRE(weave::active_count() == before + 1);
  release = true;
  wait_until([&] { return finished.load(); });
  wait_until([&] { return weave::active_count() == before; });
}

TEST_CASE("active_count rises with started threads and falls as they end", "[thread][count]") {
  const std::size_t base = weave::active_count();
  REQUIRE(base >= 1);  // the main thread
  std::atomic<bool> release_a{false};
  std::atomic<bool> release_b{false};
  weave::Thread a([&] {
    while (!release_a.load()) weave::sleep(1ms);
  });
  weave::Thread b([&] {
    while (!release_b.load()) weave::sleep(1ms);
  });
  REQUIRE(weave::active_count() == base);  // made, not started
  a.start();
  REQUIRE(weave::active_count() == base + 1);
  b.start();
  REQUIRE(weave::active_count() == base + 2);
  release_a = true;
  a.join();
  REQUIRE(weave::active_count() == base + 1);  // exact once join() returns
  release_b = true;
  b.join();
  REQUIRE(weave::active_count() == base);
}

// ---- exceptions -----------------------------------------------------------------------------

TEST_CASE("excepthook receives the thread and what(); the thread ends, the process goes on",
          "[thread][excepthook]") {
  HookRecord rec;
  HookGuard guard(recording_hook(rec));
  bool after_throw = false;
  weave::Thread t(weave::ThreadOptions{"thrower"}, [&] {
    throw std::runtime_error("boom");
    after_throw = true;  // never reached
  });
  t.start();
  t.join();
  REQUIRE(t.state() == weave::ThreadState::Terminated);
  REQUIRE_FALSE(after_throw);
  std::lock_guard<std::mutex> lk(rec.mutex);
  REQUIRE(rec.calls == 1);
  REQUIRE(rec.what == "boom");
  REQUIRE(rec.thread_name == "thrower");
  REQUIRE(rec.thread == &t);
  REQUIRE(rec.has_exception);
}

TEST_CASE("excepthook: a non-std exception is an unknown exception", "[thread][excepthook]") {
  HookRecord rec;
  HookGuard guard(recording_hook(rec));
  weave::Thread t([] { throw 42; });
  t.start();
  t.join();
  std::lock_guard<std::mutex> lk(rec.mutex);
  REQUIRE(rec.calls == 1);
  REQUIRE(rec.what == "unknown exception");
  REQUIRE(rec.thread_name == t.name());
}

TEST_CASE("excepthook: a subclass's exception and UsageErrors go there too",
          "[thread][excepthook]") {
  class Failing : public weave::Thread {
   protected:
    void run() override { throw std::logic_error("from run"); }
  };
  HookRecord rec;
  HookGuard guard(recording_hook(rec));
  Failing f;
  f.start();
  f.join();
  {
    std::lock_guard<std::mutex> lk(rec.mutex);
    REQUIRE(rec.calls == 1);
    REQUIRE(rec.what == "from run");
    REQUIRE(rec.thread == &f);
  }
  weave::Lock lock{"never-held"};
  weave::Thread m([&] { lock.release(); });
  m.start();
  m.join();
  std::lock_guard<std::mutex> lk(rec.mutex);
  REQUIRE(rec.calls == 2);
  REQUIRE(contains(rec.what, "never-held"));
}

TEST_CASE("set_excepthook returns the previous hook; an empty one restores the default",
          "[thread][excepthook]") {
  int first_calls = 0;
  weave::ExceptHook previous = weave::set_excepthook([&](const weave::ExceptHookArgs&) {
    ++first_calls;  // only ever called on the failing thread, joined before it is read
  });
  weave::ExceptHook mine = weave::set_excepthook({});
  REQUIRE(static_cast<bool>(mine));
  weave::ExceptHook again = weave::set_excepthook(std::move(mine));
  REQUIRE_FALSE(static_cast<bool>(again));  // the default is reported as an empty hook
  weave::Thread t([] { throw std::runtime_error("x"); });
  t.start();
  t.join();
  REQUIRE(first_calls == 1);
  weave::set_excepthook(std::move(previous));
}

TEST_CASE("The default excepthook prints and the process goes on", "[thread][excepthook]") {
  HookGuard guard(weave::ExceptHook{});  // the default: writes to stderr
  weave::Thread t(weave::ThreadOptions{"default-hook"},
                  [] { throw std::runtime_error("expected in this test: printed to stderr"); });
  t.start();
  t.join();
  REQUIRE_FALSE(t.is_alive());
  weave::Thread u([] { throw 1; });
  u.start();
  u.join();
  REQUIRE_FALSE(u.is_alive());
}

TEST_CASE("An excepthook that throws does not take the process down", "[thread][excepthook]") {
  HookGuard guard([](const weave::ExceptHookArgs&) { throw std::runtime_error("hook fails"); });
  weave::Thread t([] { throw std::runtime_error("first"); });
  t.start();
  t.join();
  REQUIRE(t.state() == weave::ThreadState::Terminated);
}

// ---- sleep and yield ------------------------------------------------------------------------

TEST_CASE("sleep waits at least as long as asked; yield returns", "[thread][sleep]") {
  const auto t0 = std::chrono::steady_clock::now();
  weave::sleep(15ms);
  REQUIRE(std::chrono::steady_clock::now() - t0 >= 15ms);
  weave::sleep(0ms);
  weave::sleep(std::chrono::duration<double, std::milli>(0.5));
  weave::yield();
  REQUIRE(weave::current_thread().state() == weave::ThreadState::Running);
}

// ---- misuse ---------------------------------------------------------------------------------

TEST_CASE("Thread misuse is a UsageError", "[thread][misuse]") {
  weave::Thread t(weave::ThreadOptions{"misused"}, [] {});
  REQUIRE_THROWS_AS(t.join(), weave::UsageError);
  REQUIRE_THROWS_AS(t.join(10ms), weave::UsageError);
  REQUIRE_THROWS_WITH(t.join(),
                      Catch::Contains("misused") && Catch::Contains("before it is started"));
  t.start();
  REQUIRE_THROWS_AS(t.start(), weave::UsageError);
  REQUIRE_THROWS_WITH(t.start(), Catch::Contains("misused") && Catch::Contains("started twice"));
  REQUIRE_THROWS_AS(t.set_daemon(true), weave::UsageError);
  REQUIRE_THROWS_WITH(t.set_daemon(false), Catch::Contains("misused"));
  REQUIRE_FALSE(t.daemon());  // unchanged
  t.join();
  REQUIRE_THROWS_AS(t.start(), weave::UsageError);  // also after it ended
  REQUIRE_THROWS_AS(t.set_daemon(true), weave::UsageError);

  std::string what;
  bool is_usage = false;
  weave::Thread self(weave::ThreadOptions{"selfish"}, [&] {
    try {
      weave::current_thread().join();
    } catch (const weave::UsageError& e) {
      is_usage = true;
      what = e.what();
    }
  });
  self.start();
  self.join();
  REQUIRE(is_usage);
  REQUIRE(contains(what, "cannot join itself"));
  REQUIRE(contains(what, "selfish"));
}

TEST_CASE("The main thread cannot join itself", "[thread][misuse]") {
  REQUIRE_THROWS_AS(weave::current_thread().join(), weave::UsageError);
  REQUIRE_THROWS_AS(weave::current_thread().join(1ms), weave::UsageError);
  REQUIRE_THROWS_AS(weave::current_thread().start(), weave::UsageError);
}

TEST_CASE("UsageError is a weave::Error and carries the caller's location", "[thread][misuse]") {
  weave::Thread t([] {});
  try {
    t.join();
    FAIL("join of an unstarted thread did not throw");
  } catch (const weave::Error& e) {
    REQUIRE(dynamic_cast<const weave::UsageError*>(&e) != nullptr);
    REQUIRE(contains(e.what(), "thread_test.cpp:"));
  }
}
