#include "weave/detail/lockdep.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <source_location>
#include <string>
#include <vector>

#include "weave/detail/lock_graph.hpp"
#include "weave/errors.hpp"
#include "weave/weave.hpp"

using namespace std::chrono_literals;

namespace {

// Turns lock-order checking on with an empty graph for one test, and off again after it.
// Declare it before the locks: they leave the graph when destroyed.
struct LockdepOn {
  LockdepOn() {
    weave::detail::lockdep_enable_for_testing(true);
    weave::detail::lockdep_reset_for_testing();
  }
  ~LockdepOn() {
    weave::detail::lockdep_reset_for_testing();
    weave::detail::lockdep_enable_for_testing(false);
  }
  LockdepOn(const LockdepOn&) = delete;
  LockdepOn& operator=(const LockdepOn&) = delete;
};

// Runs `body` on a named weave thread and joins it: the threads of a test run one after the
// other, so opposite orders never deadlock for real.
void on_thread(const char* name, std::function<void()> body) {
  weave::Thread t(weave::ThreadOptions{name}, std::move(body));
  t.start();
  t.join();
}

// Takes `first` then `second` and lets both go; `at` receives where each was taken.
template <class L1, class L2>
void take_both(L1& first, L2& second, std::source_location (&at)[2]) {
  at[0] = std::source_location::current();
  first.acquire(at[0]);
  at[1] = std::source_location::current();
  second.acquire(at[1]);
  second.release();
  first.release();
}

std::string report() { return weave::detail::lockdep_first_report(); }

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

std::string self_exe() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

// Runs the hidden "[lockdep-child]" test of this binary with `env` before it; returns its stderr.
std::string run_child(const std::string& env) {
  const auto err = std::filesystem::temp_directory_path() /
                   ("weave_lockdep_test_" + std::to_string(::getpid()) + ".txt");
  const std::string cmd = env + " WEAVE_LOCKDEP_CHILD=1 '" + self_exe() +
                          "' '[lockdep-child]' >/dev/null 2>'" + err.string() + "'";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(err);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(err);
  INFO(cmd << "\n" << text);
  REQUIRE(rc == 0);
  return text;
}

}  // namespace

TEST_CASE("lockdep: locks taken in opposite orders by two threads are reported once", "[lockdep]") {
  LockdepOn on;
  weave::Lock alpha{"alpha"};
  weave::Lock beta{"beta"};
  std::source_location first[2], second[2];
  on_thread("first", [&] {
    first[0] = std::source_location::current(), alpha.acquire();
    first[1] = std::source_location::current(), beta.acquire();
    beta.release();
    alpha.release();
  });
  REQUIRE(report().empty());
  on_thread("second", [&] {
    second[0] = std::source_location::current(), beta.acquire();
    second[1] = std::source_location::current(), alpha.acquire();
    alpha.release();
    beta.release();
  });
  const std::string r = report();
  INFO(r);
  REQUIRE(r.rfind("weave lockdep: LockOrderInversion: Lock alpha and Lock beta", 0) == 0);
  for (const auto& at : {first[0], first[1], second[0], second[1]}) {
    REQUIRE(r.find(weave::detail::where(at)) != std::string::npos);
  }
  CHECK(r.find("first acquired Lock beta at " + weave::detail::where(first[1]) +
               " while holding Lock alpha (acquired at " + weave::detail::where(first[0]) + ")") !=
        std::string::npos);
  CHECK(r.find("second acquired Lock alpha at " + weave::detail::where(second[1]) +
               " while holding Lock beta (acquired at " + weave::detail::where(second[0]) +
               ")  <-- closes the cycle") != std::string::npos);
  CHECK(r.find("Lock alpha created at " + std::string(__FILE__)) != std::string::npos);
  CHECK(r.find("one global order (alpha before beta)") != std::string::npos);

  // Only the first inversion in the process is reported.
  weave::RLock gamma{"gamma"};
  weave::Lock delta{"delta"};
  std::source_location third[2], fourth[2];
  on_thread("third", [&] { take_both(gamma, delta, third); });
  on_thread("fourth", [&] { take_both(delta, gamma, fourth); });
  CHECK(report() == r);
  CHECK(count(report(), "LockOrderInversion") == 1);
}

TEST_CASE("lockdep: a cycle through three locks is reported", "[lockdep]") {
  LockdepOn on;
  weave::Lock a{"a"}, b{"b"}, c{"c"};
  std::source_location at[2];
  on_thread("ab", [&] { take_both(a, b, at); });
  on_thread("bc", [&] { take_both(b, c, at); });
  REQUIRE(report().empty());
  on_thread("ca", [&] { take_both(c, a, at); });
  const std::string r = report();
  INFO(r);
  CHECK(r.find("Lock a, Lock b and Lock c are taken in opposite orders") != std::string::npos);
  CHECK(r.find("one global order (a before b before c)") != std::string::npos);
}

TEST_CASE("lockdep: locks always taken in one order are not reported", "[lockdep]") {
  LockdepOn on;
  weave::Lock alpha{"alpha"};
  weave::Lock beta{"beta"};
  std::source_location at[2];
  on_thread("first", [&] { take_both(alpha, beta, at); });
  on_thread("second", [&] { take_both(alpha, beta, at); });
  {
    std::scoped_lock both(alpha, beta);  // std::lock: a blocking lock, then try_locks
  }
  { std::scoped_lock both(beta, alpha); }
  CHECK(report().empty());
}

TEST_CASE("lockdep: opposite orders within one thread are not reported", "[lockdep]") {
  // One thread alone cannot deadlock on two locks it takes one after the other (as the checker).
  LockdepOn on;
  weave::Lock alpha{"alpha"};
  weave::Lock beta{"beta"};
  std::source_location at[2];
  on_thread("only", [&] {
    take_both(alpha, beta, at);
    take_both(beta, alpha, at);
  });
  CHECK(report().empty());
}

TEST_CASE("lockdep: an edge one thread made still counts when another thread makes it again",
          "[lockdep]") {
  // first takes alpha then beta, and beta then alpha (alone, no deadlock); then second takes
  // alpha then beta: with first's beta -> alpha that can deadlock, although the edge alpha -> beta
  // was in the graph already.
  LockdepOn on;
  weave::Lock alpha{"alpha"};
  weave::Lock beta{"beta"};
  std::source_location at[2];
  on_thread("first", [&] {
    take_both(alpha, beta, at);
    take_both(beta, alpha, at);
  });
  CHECK(report().empty());
  on_thread("second", [&] { take_both(alpha, beta, at); });
  const std::string r = report();
  INFO(r);
  CHECK(count(r, "LockOrderInversion") == 1);
  CHECK(r.find("first acquired Lock alpha at " + weave::detail::where(at[1]) +
               " while holding Lock beta") != std::string::npos);
  CHECK(r.find("second acquired Lock beta at " + weave::detail::where(at[1]) +
               " while holding Lock alpha") != std::string::npos);
}

TEST_CASE("lockdep: opposite orders under one gate lock are not reported", "[lockdep]") {
  LockdepOn on;
  weave::Lock gate{"gate"};
  weave::Lock alpha{"alpha"};
  weave::Lock beta{"beta"};
  std::source_location at[2];
  on_thread("first", [&] {
    std::lock_guard g(gate);
    take_both(alpha, beta, at);
  });
  on_thread("second", [&] {
    std::lock_guard g(gate);
    take_both(beta, alpha, at);
  });
  CHECK(report().empty());

  // The same order once more without the gate: now the two can deadlock.
  on_thread("third", [&] { take_both(beta, alpha, at); });
  const std::string r = report();
  INFO(r);
  CHECK(r.find("LockOrderInversion: Lock alpha and Lock beta") != std::string::npos);
  CHECK(r.find("third acquired Lock alpha") != std::string::npos);
}

TEST_CASE("lockdep: RLock re-entry makes no edge", "[lockdep]") {
  LockdepOn on;
  weave::RLock outer{"outer"};
  weave::Lock inner{"inner"};
  on_thread("reenter", [&] {
    outer.acquire();
    inner.acquire();
    outer.acquire();  // re-entry while holding inner: not inner -> outer
    outer.release();
    inner.release();
    outer.release();
  });
  CHECK(report().empty());
}

TEST_CASE("lockdep: a try_acquire makes no edge but its lock counts as held", "[lockdep]") {
  LockdepOn on;
  weave::Lock alpha{"alpha"};
  weave::Lock beta{"beta"};
  std::source_location at[2];
  on_thread("first", [&] { take_both(alpha, beta, at); });
  bool tried = false;
  on_thread("trier", [&] {
    beta.acquire();
    tried = alpha.try_acquire();  // cannot block, so cannot deadlock
    if (tried) alpha.release();
    beta.release();
  });
  REQUIRE(tried);
  CHECK(report().empty());

  on_thread("holder", [&] {
    tried = beta.try_acquire();
    alpha.acquire();  // may block while holding beta: beta -> alpha
    alpha.release();
    if (tried) beta.release();
  });
  REQUIRE(tried);
  const std::string r = report();
  INFO(r);
  CHECK(r.find("holder acquired Lock alpha") != std::string::npos);
}

TEST_CASE("lockdep: a Condition wait takes its lock back as an acquisition", "[lockdep]") {
  LockdepOn on;
  weave::Lock outer{"outer"};
  weave::Condition ready{"ready"};
  bool notified = true;
  on_thread("waiter", [&] {
    std::lock_guard o(outer);
    std::unique_lock g(ready, std::try_to_lock);  // no edge yet
    notified = ready.wait(1ms);                   // takes it back holding outer: an edge
  });
  REQUIRE_FALSE(notified);
  CHECK(report().empty());
  on_thread("inverter", [&] {
    std::lock_guard g(ready);
    std::lock_guard o(outer);
  });
  const std::string r = report();
  INFO(r);
  CHECK(r.find("Lock outer and RLock ready.lock") != std::string::npos);
  CHECK(r.find("waiter acquired RLock ready.lock") != std::string::npos);
}

TEST_CASE("lockdep: a destroyed lock leaves the graph", "[lockdep]") {
  LockdepOn on;
  weave::Lock keep{"keep"};
  std::source_location at[2];
  for (int i = 0; i < 3; ++i) {
    weave::Lock temp{"temp"};
    on_thread("first", [&] { take_both(keep, temp, at); });
  }
  weave::Lock other{"other"};
  on_thread("second", [&] { take_both(other, keep, at); });
  CHECK(report().empty());
}

TEST_CASE("lockdep: threads taking locks at once, in one order, are not reported", "[lockdep]") {
  LockdepOn on;
  weave::Lock a{"a"}, b{"b"};
  weave::RLock c{"c"};
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int t = 0; t < 4; ++t) {
    threads.push_back(std::make_unique<weave::Thread>([&] {
      for (int i = 0; i < 500; ++i) {
        std::scoped_lock ab(a, b);
        weave::Lock temp;  // made and destroyed while the others check
        std::lock_guard g(temp);
        std::lock_guard cc(c);
        std::lock_guard again(c);
      }
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  CHECK(report().empty());
}

namespace {
// How a report says that `thread` took Lock `lock` at `at` holding Lock `held`, taken at `held_at`.
std::string acquired(const std::string& thread, const std::string& lock,
                     const std::source_location& at, const std::string& held,
                     const std::source_location& held_at) {
  return thread + " acquired Lock " + lock + " at " + weave::detail::where(at) +
         " while holding Lock " + held + " (acquired at " + weave::detail::where(held_at) + ")";
}

// The report once a thread "second" has taken `first`, then `then`.
std::string report_after_second(weave::Lock& first, weave::Lock& then) {
  std::source_location at[2];
  on_thread("second", [&] { take_both(first, then, at); });
  return report();
}
}  // namespace

TEST_CASE("lockdep: after an out-of-order release the locks still held keep their order",
          "[lockdep]") {
  // first takes a, x and b, lets x go, and takes c: it held a when it took c.
  LockdepOn on;
  weave::Lock a{"a"}, x{"x"}, b{"b"}, c{"c"};
  std::source_location at_a, at_c;
  on_thread("first", [&] {
    at_a = std::source_location::current(), a.acquire(at_a);
    x.acquire();
    b.acquire();
    x.release();
    at_c = std::source_location::current(), c.acquire(at_c);
    c.release();
    b.release();
    a.release();
  });
  const std::string r = report_after_second(c, a);
  INFO(r);
  CHECK(r.rfind("weave lockdep: LockOrderInversion: Lock a and Lock c are taken", 0) == 0);
  CHECK(r.find(acquired("first", "c", at_c, "a", at_a)) != std::string::npos);
}

TEST_CASE("lockdep: a lock destroyed while nested between two others keeps their order",
          "[lockdep]") {
  // The graph keeps a -> tmp -> b, not a -> b; when tmp goes, a -> b must stay.
  LockdepOn on;
  weave::Lock a{"a"}, b{"b"};
  std::source_location at_a, at_b;
  on_thread("first", [&] {
    at_a = std::source_location::current(), a.acquire(at_a);
    {
      weave::Lock tmp{"tmp"};
      std::lock_guard t(tmp);
      at_b = std::source_location::current(), b.acquire(at_b);
      b.release();
    }
    a.release();
  });
  const std::string r = report_after_second(b, a);
  INFO(r);
  CHECK(r.rfind("weave lockdep: LockOrderInversion: Lock a and Lock b are taken", 0) == 0);
  CHECK(r.find(acquired("first", "b", at_b, "a", at_a)) != std::string::npos);
  CHECK(r.find("Lock tmp") == std::string::npos);
}

namespace {
// Takes every lock in `locks` at `at`, in order, and lets them go in the opposite order (or, with
// `fifo`, in the same order).
void take_all(std::deque<weave::Lock>& locks, const std::source_location& at, bool fifo = false) {
  for (auto& l : locks) l.acquire(at);
  if (fifo) {
    for (auto& l : locks) l.release();
  } else {
    for (auto l = locks.rbegin(); l != locks.rend(); ++l) l->release();
  }
}
}  // namespace

TEST_CASE("lockdep: a thread can hold thousands of locks: one edge per lock it takes",
          "[lockdep]") {
  // Each acquisition is ordered after the lock taken just before it only (the others are ordered
  // before that one already): n - 1 edges, not n * (n - 1) / 2, each with one held stack.
  LockdepOn on;
  const std::size_t n = GENERATE(300, 10000);
  std::deque<weave::Lock> locks(n);
  const auto here = std::source_location::current();
  on_thread("first", [&] { take_all(locks, here); });
  auto size = weave::detail::lockdep_graph_size_for_testing();
  REQUIRE(size.locks == n);
  REQUIRE(size.edges == n - 1);
  REQUIRE(size.acquisitions == n - 1);
  CHECK(size.stacks == n - 1);
  on_thread("first", [&] { take_all(locks, here, true); });  // another thread
  size = weave::detail::lockdep_graph_size_for_testing();
  CHECK(size.edges == n - 1);
  CHECK(size.acquisitions == 2 * (n - 1));  // two threads may close a cycle that one cannot
  CHECK(size.stacks == n - 1);              // both held the same stacks
  // A third thread in the same order adds nothing: two others did it with the same guards.
  on_thread("third", [&] { take_all(locks, here); });
  size = weave::detail::lockdep_graph_size_for_testing();
  CHECK(size.acquisitions == 2 * (n - 1));
  CHECK(report().empty());
}

TEST_CASE("lockdep: an inversion among thousands of held locks is found, a gated one is not",
          "[lockdep]") {
  LockdepOn on;
  weave::Lock gate{"gate"};
  std::deque<weave::Lock> locks;
  for (int i = 0; i < 10000; ++i) locks.emplace_back("l" + std::to_string(i));
  const auto here = std::source_location::current();
  on_thread("nest", [&] {
    std::lock_guard g(gate);
    take_all(locks, here);
  });
  on_thread("gated", [&] {
    std::lock_guard g(gate);
    std::lock_guard last(locks[9999]);
    std::lock_guard middle(locks[5000]);
  });
  CHECK(report().empty());
  std::source_location at[2];
  on_thread("inverter", [&] { take_both(locks[9999], locks[5000], at); });
  const std::string r = report();
  INFO(r);
  // The graph stores l5000 -> l9999 as a path through the 4999 locks between; the report names
  // what the thread did.
  CHECK(r.rfind("weave lockdep: LockOrderInversion: Lock l5000 and Lock l9999 are taken", 0) == 0);
  CHECK(r.find(acquired("nest", "l9999", here, "l5000", here)) != std::string::npos);
  CHECK(r.find("inverter acquired Lock l5000 at " + weave::detail::where(at[1]) +
               " while holding Lock l9999") != std::string::npos);
  CHECK(count(r, " acquired ") == 2);
}

TEST_CASE("lockdep: off unless WEAVE_LOCKDEP is set", "[lockdep]") {
  CHECK(count(run_child("env -u WEAVE_LOCKDEP"), "weave lockdep") == 0);
  CHECK(count(run_child("WEAVE_LOCKDEP=0"), "weave lockdep") == 0);
  const std::string on = run_child("WEAVE_LOCKDEP=1");
  CHECK(count(on, "weave lockdep: LockOrderInversion: Lock alpha and Lock beta") == 1);
  CHECK(count(on, "weave lockdep") == 1);
}

// Run by the test above in a child process, with and without WEAVE_LOCKDEP: two inversions.
TEST_CASE("lockdep child: two inversions", "[.][lockdep-child]") {
  if (std::getenv("WEAVE_LOCKDEP_CHILD") == nullptr) return;  // only when run by the test above
  weave::Lock alpha{"alpha"};
  weave::Lock beta{"beta"};
  std::source_location at[2];
  on_thread("first", [&] { take_both(alpha, beta, at); });
  on_thread("second", [&] { take_both(beta, alpha, at); });
  on_thread("third", [&] { take_both(beta, alpha, at); });
  weave::Lock gamma{"gamma"};
  on_thread("fourth", [&] { take_both(alpha, gamma, at); });
  on_thread("fifth", [&] { take_both(gamma, alpha, at); });
}
