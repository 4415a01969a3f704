#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "weave/weave.hpp"

using namespace std::chrono_literals;

namespace {

// Waits until `t` sits in a wait queue.
void wait_until_blocked(const weave::Thread& t) {
  while (t.state() != weave::ThreadState::Blocked) weave::sleep(1ms);
}

// What one thread's wait() ended with.
enum class Ended { Index, Broken, Other };
struct Result {
  Ended how = Ended::Other;
  std::size_t index = 0;
};

// A thread calling b.wait() (with a timeout when given) and keeping the result.
std::unique_ptr<weave::Thread> waiter(weave::Barrier& b, Result& out,
                                      weave::Duration timeout = weave::Duration::max()) {
  return std::make_unique<weave::Thread>([&b, &out, timeout] {
    try {
      out.index = b.wait(timeout);
      out.how = Ended::Index;
    } catch (const weave::BrokenBarrierError&) {
      out.how = Ended::Broken;
    } catch (...) {
      out.how = Ended::Other;
    }
  });
}

// Runs one full round of a barrier of `parties` from fresh threads; returns the indices sorted.
std::vector<std::size_t> full_round(weave::Barrier& b) {
  std::vector<Result> results(b.parties());
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (auto& r : results) threads.push_back(waiter(b, r));
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  std::vector<std::size_t> indices;
  for (const auto& r : results) {
    if (r.how == Ended::Index) indices.push_back(r.index);
  }
  std::sort(indices.begin(), indices.end());
  return indices;
}

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

}  // namespace

TEST_CASE("Barrier basics", "[barrier]") {
  int actions = 0;
  weave::Barrier b(
      1, [&] { ++actions; }, "solo");
  REQUIRE(b.parties() == 1);
  REQUIRE(b.n_waiting() == 0);
  REQUIRE_FALSE(b.broken());
  REQUIRE(b.object().name() == "solo");
  // One party: every wait is the last arrival and returns at once.
  REQUIRE(b.wait() == 0);
  REQUIRE(b.wait() == 0);
  REQUIRE(b.wait(1ms) == 0);  // no waiting, so no timeout
  REQUIRE(actions == 3);
  REQUIRE_FALSE(b.broken());
}

TEST_CASE("Barrier gives distinct indices and publishes every arrival", "[barrier]") {
  constexpr std::size_t kParties = 4;
  weave::Barrier b(kParties);
  std::array<int, kParties> slot{};
  std::array<Result, kParties> results{};
  std::array<int, kParties> sums{};
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (std::size_t i = 0; i < kParties; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&, i] {
      slot[i] = static_cast<int>(i) + 1;  // before the barrier
      results[i].index = b.wait();
      results[i].how = Ended::Index;
      for (int v : slot) sums[i] += v;  // every arrival happens before any departure
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  std::vector<std::size_t> indices;
  for (std::size_t i = 0; i < kParties; ++i) {
    REQUIRE(results[i].how == Ended::Index);
    indices.push_back(results[i].index);
    REQUIRE(sums[i] == 1 + 2 + 3 + 4);
  }
  std::sort(indices.begin(), indices.end());
  REQUIRE(indices == iota(kParties));
  REQUIRE(b.n_waiting() == 0);
}

TEST_CASE("Barrier n_waiting counts the threads of the round filling", "[barrier]") {
  weave::Barrier b(3);
  Result r1;
  Result r2;
  auto t1 = waiter(b, r1);
  auto t2 = waiter(b, r2);
  t1->start();
  wait_until_blocked(*t1);
  REQUIRE(b.n_waiting() == 1);
  t2->start();
  wait_until_blocked(*t2);
  REQUIRE(b.n_waiting() == 2);
  REQUIRE(b.wait() == 2);  // the last arrival
  t1->join();
  t2->join();
  REQUIRE(r1.how == Ended::Index);
  REQUIRE(r1.index == 0);
  REQUIRE(r2.index == 1);
  REQUIRE(b.n_waiting() == 0);
}

TEST_CASE("Barrier rounds: the last arrival runs the action once per round", "[barrier][stress]") {
  constexpr std::size_t kParties = 4;
  constexpr int kRounds = 300;
  std::array<int, kParties> arrived{};  // written before each wait, read only by the action
  int actions = 0;
  bool action_saw_all = true;
  std::vector<std::uint64_t> action_thread(kRounds, 0);
  weave::Barrier b(kParties, [&] {
    for (int a : arrived) action_saw_all = action_saw_all && a == actions;
    action_thread[actions] = weave::current_thread().ident();
    ++actions;
  });
  std::vector<std::array<std::size_t, kRounds>> index(kParties);
  std::vector<std::uint64_t> last_thread(kRounds, 0);
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (std::size_t i = 0; i < kParties; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&, i] {
      for (int r = 0; r < kRounds; ++r) {
        arrived[i] = r;
        // A fast thread comes straight back for the next round: it must not mix with this one.
        index[i][r] = (i % 2 == 0) ? b.wait() : b.wait(weave::Duration(std::chrono::hours(1)));
        if (index[i][r] == kParties - 1) last_thread[r] = weave::current_thread().ident();
      }
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  REQUIRE(actions == kRounds);
  REQUIRE(action_saw_all);
  for (int r = 0; r < kRounds; ++r) {
    std::vector<std::size_t> round;
    for (std::size_t i = 0; i < kParties; ++i) round.push_back(index[i][r]);
    std::sort(round.begin(), round.end());
    REQUIRE(round == iota(kParties));
    REQUIRE(action_thread[r] == last_thread[r]);
  }
  REQUIRE_FALSE(b.broken());
}

TEST_CASE("Barrier with more threads than parties never overlaps rounds", "[barrier][stress]") {
  constexpr int kThreads = 4;
  constexpr int kRounds = 500;
  std::atomic<bool> in_action{false};
  std::atomic<bool> overlapped{false};
  int actions = 0;
  // Threads may not pair up evenly, so the last round's action aborts the barrier: that round
  // still ends normally, and everyone arriving afterwards gets BrokenBarrierError and stops.
  weave::Barrier b(2, [&] {
    if (in_action.exchange(true)) overlapped = true;
    weave::yield();
    if (++actions == kRounds) b.abort();
    in_action = false;
  });
  std::array<std::atomic<int>, 2> by_index{};
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&] {
      for (;;) {
        try {
          ++by_index[b.wait()];
        } catch (const weave::BrokenBarrierError&) {
          return;
        }
      }
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  REQUIRE_FALSE(overlapped);
  REQUIRE(actions == kRounds);
  REQUIRE(by_index[0] == kRounds);
  REQUIRE(by_index[1] == kRounds);
  REQUIRE(b.broken());
}

TEST_CASE("Barrier timeout breaks it for everyone until reset", "[barrier][timeout]") {
  weave::Barrier b(3, {}, "meet");
  Result other;
  auto t = waiter(b, other);
  t->start();
  wait_until_blocked(*t);
  try {
    b.wait(20ms);
    FAIL("expected a BrokenBarrierError");
  } catch (const weave::BrokenBarrierError& e) {
    CHECK(std::string(e.what()).find("meet") != std::string::npos);
  }
  t->join();
  REQUIRE(other.how == Ended::Broken);
  REQUIRE(b.broken());
  REQUIRE(b.n_waiting() == 0);
  REQUIRE_THROWS_AS(b.wait(), weave::BrokenBarrierError);
  REQUIRE_THROWS_AS(b.wait(1h), weave::BrokenBarrierError);

  b.reset();
  REQUIRE_FALSE(b.broken());
  REQUIRE(full_round(b) == iota(3));
}

TEST_CASE("Barrier abort wakes the waiters with BrokenBarrierError", "[barrier]") {
  weave::Barrier b(3);
  Result r1;
  Result r2;
  auto t1 = waiter(b, r1);
  auto t2 = waiter(b, r2, weave::Duration(std::chrono::hours(1)));
  t1->start();
  t2->start();
  wait_until_blocked(*t1);
  wait_until_blocked(*t2);
  b.abort();
  t1->join();
  t2->join();
  REQUIRE(r1.how == Ended::Broken);
  REQUIRE(r2.how == Ended::Broken);
  REQUIRE(b.broken());
  REQUIRE_THROWS_AS(b.wait(), weave::BrokenBarrierError);
  b.abort();  // aborting again is harmless
  b.reset();
  REQUIRE(full_round(b) == iota(3));
}

TEST_CASE("Barrier reset breaks the round in progress and reopens it", "[barrier]") {
  weave::Barrier b(2);
  Result early;
  auto t = waiter(b, early);
  t->start();
  wait_until_blocked(*t);
  b.reset();
  t->join();
  REQUIRE(early.how == Ended::Broken);
  REQUIRE_FALSE(b.broken());
  REQUIRE(b.n_waiting() == 0);
  REQUIRE(full_round(b) == iota(2));
  b.reset();  // with nobody waiting: nothing to break
  REQUIRE_FALSE(b.broken());
  REQUIRE(full_round(b) == iota(2));
}

TEST_CASE("Barrier action exception breaks it and goes to the last arrival", "[barrier]") {
  int calls = 0;
  weave::Barrier b(3, [&] {
    ++calls;
    throw std::runtime_error("boom");
  });
  std::array<std::string, 3> what;
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (std::size_t i = 0; i < 3; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&, i] {
      try {
        b.wait();
        what[i] = "returned";
      } catch (const weave::BrokenBarrierError&) {
        what[i] = "broken";
      } catch (const std::runtime_error& e) {
        what[i] = e.what();
      }
    }));
    threads.back()->start();
    if (i < 2) wait_until_blocked(*threads.back());  // thread 2 arrives last
  }
  for (auto& t : threads) t->join();
  REQUIRE(what[0] == "broken");
  REQUIRE(what[1] == "broken");
  REQUIRE(what[2] == "boom");
  REQUIRE(calls == 1);
  REQUIRE(b.broken());
  REQUIRE_THROWS_AS(b.wait(), weave::BrokenBarrierError);
}

TEST_CASE("Barrier timeout running out during the action does not break the round",
          "[barrier][timeout]") {
  // The waiter's deadline is at most `timeout` after we see it blocked; the action outlasts it.
  constexpr auto kTimeout = 300ms;
  std::chrono::steady_clock::time_point blocked_at;
  weave::Barrier b(2, [&] { std::this_thread::sleep_until(blocked_at + kTimeout + 20ms); });
  Result first;
  auto t = waiter(b, first, kTimeout);
  t->start();
  wait_until_blocked(*t);
  blocked_at = std::chrono::steady_clock::now();
  REQUIRE(b.wait() == 1);
  t->join();
  REQUIRE(first.how == Ended::Index);
  REQUIRE(first.index == 0);
  REQUIRE_FALSE(b.broken());
}

TEST_CASE("Barrier newcomers wait while the action runs and join the next round", "[barrier]") {
  weave::Event in_action;
  weave::Event proceed;
  std::atomic<int> actions{0};
  weave::Barrier b(2, [&] {
    ++actions;
    in_action.set();
    proceed.wait();
  });
  Result r1;
  Result r2;
  Result late;
  auto t1 = waiter(b, r1);
  auto t2 = waiter(b, r2);
  auto t3 = waiter(b, late);
  t1->start();
  wait_until_blocked(*t1);
  t2->start();  // the last arrival: runs the action, which holds on
  in_action.wait();
  t3->start();
  wait_until_blocked(*t3);
  REQUIRE(b.n_waiting() == 0);  // the full round is leaving; t3 is not in it
  proceed.set();
  t1->join();
  t2->join();
  REQUIRE(r1.how == Ended::Index);
  REQUIRE(r1.index == 0);
  REQUIRE(r2.index == 1);
  while (b.n_waiting() != 1) weave::sleep(1ms);  // t3 is the first of the next round
  REQUIRE(b.wait() == 1);
  t3->join();
  REQUIRE(late.how == Ended::Index);
  REQUIRE(late.index == 0);
  REQUIRE(actions == 2);
}

TEST_CASE("Barrier abort while the action runs: the round ends, the barrier is broken",
          "[barrier]") {
  weave::Event in_action;
  weave::Event proceed;
  weave::Barrier b(2, [&] {
    in_action.set();
    proceed.wait();
  });
  Result r1;
  Result r2;
  Result late;
  auto t1 = waiter(b, r1);
  auto t2 = waiter(b, r2);
  auto t3 = waiter(b, late);
  t1->start();
  wait_until_blocked(*t1);
  t2->start();
  in_action.wait();
  t3->start();
  wait_until_blocked(*t3);
  b.abort();
  t3->join();  // released at once, broken, while the action still runs
  REQUIRE(late.how == Ended::Broken);
  proceed.set();
  t1->join();
  t2->join();
  REQUIRE(r1.how == Ended::Index);  // everyone had arrived: that round is complete
  REQUIRE(r2.how == Ended::Index);
  REQUIRE(b.broken());
}

TEST_CASE("Barrier with no parties is a UsageError", "[barrier][misuse]") {
  REQUIRE_THROWS_AS(weave::Barrier(0), weave::UsageError);
  try {
    weave::Barrier b(0, {}, "nobody");
    FAIL("expected a UsageError");
  } catch (const weave::UsageError& e) {
    const std::string what = e.what();
    CHECK(what.find("nobody") != std::string::npos);
    CHECK(what.find("barrier_test.cpp") != std::string::npos);
  }
}
