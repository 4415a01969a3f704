// ThreadPoolExecutor: submit, map, shutdown, worker threads; and Futures made by it.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "weave/weave.hpp"

using namespace std::chrono_literals;

namespace {
// A one-shot latch: wait() blocks until open().
class Gate {
 public:
  void open() {
    std::lock_guard<weave::Condition> lk(cond_);
    open_ = true;
    cond_.notify_all();
  }
  void wait() {
    std::lock_guard<weave::Condition> lk(cond_);
    cond_.wait_for([&] { return open_; });
  }

 private:
  weave::Condition cond_;
  bool open_ = false;
};

struct Boom : std::runtime_error {
  explicit Boom(const std::string& what) : std::runtime_error(what) {}
};
}  // namespace

TEST_CASE("submit runs a call with arguments and its Future gives the result", "[executor]") {
  weave::ThreadPoolExecutor pool(2);
  weave::Future<int> sum = pool.submit([](int a, int b) { return a + b; }, 2, 3);
  weave::Future<std::string> hello = pool.submit([] { return std::string("hello"); });
  REQUIRE(sum.result() == 5);
  REQUIRE(hello.result() == "hello");
  REQUIRE(sum.done());
  REQUIRE_FALSE(sum.running());
  REQUIRE(sum.exception() == nullptr);

  // Move-only arguments, and a reference through std::ref.
  auto owned =
      pool.submit([](std::unique_ptr<int> p) { return *p * 2; }, std::make_unique<int>(21));
  REQUIRE(owned.result() == 42);
  int target = 0;
  pool.submit([](int& t) { t = 9; }, std::ref(target)).result();
  REQUIRE(target == 9);
}

TEST_CASE("A task's exception is rethrown by result", "[executor]") {
  weave::ThreadPoolExecutor pool(1);
  auto f = pool.submit([]() -> int { throw Boom("task failed"); });
  REQUIRE_THROWS_AS(f.result(), Boom);
  REQUIRE_THROWS_WITH(f.result(), "task failed");
  REQUIRE(f.exception() != nullptr);
  REQUIRE_FALSE(f.cancelled());
  // The worker survives it.
  REQUIRE(pool.submit([] { return 1; }).result() == 1);
}

TEST_CASE("A void task gives a Future<void>", "[executor]") {
  weave::ThreadPoolExecutor pool(1);
  std::atomic<int> ran{0};
  weave::Future<void> f = pool.submit([&] { ran = 1; });
  f.result();
  REQUIRE(ran == 1);
  weave::Future<void> g = pool.submit([](int) { throw Boom("void failed"); }, 1);
  REQUIRE_THROWS_AS(g.result(), Boom);
}

TEST_CASE("map returns results in input order though tasks finish out of order", "[executor]") {
  weave::ThreadPoolExecutor pool(4);
  std::vector<int> items{0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int> finished;
  weave::Lock lock;
  std::vector<int> out = pool.map(
      [&](int i) {
        weave::sleep(std::chrono::milliseconds(2 * (8 - i)));  // the later, the sooner done
        std::lock_guard<weave::Lock> lk(lock);
        finished.push_back(i);
        return i * i;
      },
      items);
  REQUIRE(out == std::vector<int>{0, 1, 4, 9, 16, 25, 36, 49});
  REQUIRE(finished.size() == 8);

  std::vector<std::string> words = pool.map([](int n) { return std::string(n, 'x'); }, {1, 2, 3});
  REQUIRE(words == std::vector<std::string>{"x", "xx", "xxx"});
  std::atomic<int> total{0};
  pool.map([&](int n) { total += n; }, items);  // a void fn: map returns nothing
  REQUIRE(total == 28);
  REQUIRE(pool.map([](int n) { return n; }, std::vector<int>{}).empty());
}

TEST_CASE("map rethrows the first exception in input order", "[executor]") {
  weave::ThreadPoolExecutor pool(4);
  std::atomic<int> ran{0};
  auto fn = [&](int i) {
    ++ran;
    if (i == 2) {
      weave::sleep(20ms);  // finishes after item 4 has failed
      throw Boom("item 2");
    }
    if (i == 4) throw Boom("item 4");
    return i;
  };
  std::string what;
  try {
    pool.map(fn, std::vector<int>{0, 1, 2, 3, 4});
  } catch (const Boom& e) {
    // Join the workers before reading the exception (map's futures are gone by now, so a
    // worker may drop the last reference to it): ThreadSanitizer cannot see that libstdc++'s
    // uninstrumented exception_ptr reference count orders that release after this read.
    pool.shutdown();
    what = e.what();
  }
  REQUIRE(what == "item 2");
  REQUIRE(ran >= 3);
}

TEST_CASE("A pending task can be cancelled; it never runs", "[executor][cancel]") {
  Gate started, release;
  weave::ThreadPoolExecutor pool(1);
  auto blocker = pool.submit([&] {
    started.open();
    release.wait();
    return 1;
  });
  std::atomic<bool> ran{false};
  auto pending = pool.submit([&] { ran = true; });
  started.wait();
  REQUIRE(blocker.running());
  REQUIRE_FALSE(pending.running());
  REQUIRE_FALSE(pending.done());
  REQUIRE(pending.cancel());
  REQUIRE(pending.cancelled());
  REQUIRE(pending.done());
  REQUIRE(pending.cancel());
  REQUIRE_FALSE(blocker.cancel());  // running: cannot be cancelled
  REQUIRE_FALSE(blocker.cancelled());
  release.open();
  REQUIRE(blocker.result() == 1);
  REQUIRE_THROWS_AS(pending.result(), weave::CancelledError);
  REQUIRE_THROWS_AS(pending.exception(), weave::CancelledError);
  pool.shutdown();
  REQUIRE_FALSE(ran);
  REQUIRE_FALSE(blocker.cancel());  // finished: cannot be cancelled
}

TEST_CASE("Done callbacks of a task run in its worker, or at once when done", "[executor]") {
  Gate release;
  weave::ThreadPoolExecutor pool(1, "cb");
  auto f = pool.submit([&] {
    release.wait();
    return 3;
  });
  std::string where_before, where_after;
  int value = 0;
  f.add_done_callback([&](weave::Future<int> g) {
    where_before = weave::current_thread().name();
    value = g.result();
  });
  release.open();
  f.result();
  pool.shutdown();  // the callback has run by the time the worker has ended
  REQUIRE(where_before == "cb_0");
  REQUIRE(value == 3);
  f.add_done_callback([&](weave::Future<int>) { where_after = weave::current_thread().name(); });
  REQUIRE(where_after == "MainThread");
}

TEST_CASE("result with a timeout throws TimeoutError while the task runs", "[executor]") {
  Gate release;
  weave::ThreadPoolExecutor pool(1);
  auto f = pool.submit([&] {
    release.wait();
    return 5;
  });
  REQUIRE_THROWS_AS(f.result(10ms), weave::TimeoutError);
  REQUIRE_THROWS_AS(f.exception(1ms), weave::TimeoutError);
  release.open();
  REQUIRE(f.result(10s) == 5);
}

TEST_CASE("wait and as_completed on executor tasks", "[executor][wait]") {
  Gate release;
  weave::ThreadPoolExecutor pool(3);
  auto quick = pool.submit([] { return 1; });
  auto failing = pool.submit([]() -> int { throw Boom("fails"); });
  auto slow = pool.submit([&] {
    release.wait();
    return 3;
  });
  std::vector<weave::Future<int>> fs{quick, failing, slow};

  auto first_exc = weave::wait(fs, weave::ReturnWhen::FirstException);
  REQUIRE(std::find(first_exc.done.begin(), first_exc.done.end(), failing) != first_exc.done.end());
  REQUIRE(std::find(first_exc.not_done.begin(), first_exc.not_done.end(), slow) !=
          first_exc.not_done.end());

  REQUIRE(quick.result() == 1);
  auto timed = weave::wait(fs, 10ms, weave::ReturnWhen::AllCompleted);
  REQUIRE(timed.done == std::vector{quick, failing});
  REQUIRE(timed.not_done == std::vector{slow});

  // The two done already come first, in input order; then the slow one once released.
  auto range = weave::as_completed(fs, 10s);
  auto it = range.begin();
  REQUIRE(*it == quick);
  ++it;
  REQUIRE(*it == failing);
  REQUIRE(it->exception() != nullptr);
  release.open();
  ++it;
  REQUIRE(*it == slow);
  REQUIRE(it->result() == 3);
  ++it;
  REQUIRE(it == range.end());

  auto all = weave::wait(fs);
  REQUIRE(all.done.size() == 3);
}

TEST_CASE("as_completed times out on a task that does not finish", "[executor][wait]") {
  Gate release;
  weave::ThreadPoolExecutor pool(1);
  auto slow = pool.submit([&] { release.wait(); });
  int seen = 0;
  REQUIRE_THROWS_AS(
      [&] {
        for (const auto& f : weave::as_completed(std::vector{slow}, 10ms)) {
          (void)f;
          ++seen;
        }
      }(),
      weave::TimeoutError);
  REQUIRE(seen == 0);
  release.open();
}

TEST_CASE("shutdown with cancel_futures cancels the tasks not started", "[executor][shutdown]") {
  Gate started, release;
  weave::ThreadPoolExecutor pool(1);
  auto running = pool.submit([&] {
    started.open();
    release.wait();
    return 0;
  });
  std::atomic<int> ran{0};
  std::vector<weave::Future<void>> pending;
  for (int i = 0; i < 3; ++i) pending.push_back(pool.submit([&] { ++ran; }));
  started.wait();
  pool.shutdown(/*wait=*/false, /*cancel_futures=*/true);
  for (auto& f : pending) REQUIRE(f.cancelled());
  auto w = weave::wait(pending, weave::ReturnWhen::AllCompleted);  // cancelled counts as done
  REQUIRE(w.done.size() == 3);
  REQUIRE_FALSE(running.done());
  release.open();
  pool.shutdown();  // wait=true: joins the worker
  REQUIRE(running.done());
  REQUIRE(running.result() == 0);
  REQUIRE(ran == 0);
}

TEST_CASE("shutdown without cancel_futures still runs every queued task", "[executor][shutdown]") {
  std::atomic<int> ran{0};
  {
    weave::ThreadPoolExecutor pool(2);
    for (int i = 0; i < 20; ++i) {
      pool.submit([&] {
        weave::sleep(1ms);
        ++ran;
      });
    }
    pool.shutdown(/*wait=*/false);
    // The destructor waits for them all.
  }
  REQUIRE(ran == 20);
}

TEST_CASE("Executor misuse is a UsageError", "[executor][misuse]") {
  weave::ThreadPoolExecutor pool(2);
  pool.submit([] {}).result();
  pool.shutdown();
  REQUIRE_THROWS_AS(pool.submit([] {}), weave::UsageError);
  REQUIRE_THROWS_WITH(pool.submit([](int) {}, 1), Catch::Contains("submit after shutdown"));
  REQUIRE_THROWS_AS(pool.map([](int) {}, {1, 2}), weave::UsageError);
  pool.shutdown();  // twice is fine

  // shutdown(wait=true) from one of its own workers would wait for itself.
  weave::ThreadPoolExecutor self(1, "self");
  auto f = self.submit([&] { self.shutdown(); });
  REQUIRE_THROWS_AS(f.result(), weave::UsageError);
  REQUIRE_THROWS_WITH(f.result(), Catch::Contains("self_0"));
  REQUIRE_THROWS_AS(self.submit([] {}), weave::UsageError);  // it did shut down
}

TEST_CASE("Workers are weave Threads named after the prefix, started on demand",
          "[executor][threads]") {
  const std::size_t before = weave::active_count();
  {
    Gate release;
    Gate started1, started2;
    weave::ThreadPoolExecutor pool(4, "pool");
    REQUIRE(pool.max_workers() == 4);
    // (Threads of earlier tests may still be ending: counts can only drop meanwhile.)
    REQUIRE(weave::active_count() <= before);  // none until the first submit
    REQUIRE(pool.submit([] { return weave::current_thread().name(); }).result() == "pool_0");
    REQUIRE(weave::active_count() <= before + 1);  // one, not four

    // Two calls blocked at once need two workers.
    auto a = pool.submit([&] {
      started1.open();
      release.wait();
      return weave::current_thread().name();
    });
    started1.wait();
    auto b = pool.submit([&] {
      started2.open();
      release.wait();
      return weave::current_thread().name();
    });
    started2.wait();
    release.open();
    std::set<std::string> names{a.result(), b.result()};
    REQUIRE(names.size() == 2);
    for (const std::string& n : names) REQUIRE((n == "pool_0" || n == "pool_1" || n == "pool_2"));
  }

  weave::ThreadPoolExecutor unnamed(1);
  const std::string name = unnamed.submit([] { return weave::current_thread().name(); }).result();
  REQUIRE(name.rfind("ThreadPoolExecutor-", 0) == 0);
  REQUIRE(name.size() > 2);
  REQUIRE(name.substr(name.size() - 2) == "_0");

  weave::ThreadPoolExecutor defaulted;
  REQUIRE(defaulted.max_workers() ==
          std::min<std::size_t>(32, std::thread::hardware_concurrency() + 4));
}

TEST_CASE("Stress: many tasks from several submitting threads", "[executor][stress]") {
  weave::ThreadPoolExecutor pool(4, "stress");
  std::atomic<long> total{0};
  constexpr int kSubmitters = 4;
  constexpr int kTasks = 250;
  std::vector<std::vector<weave::Future<int>>> futures(kSubmitters);
  std::vector<std::unique_ptr<weave::Thread>> submitters;
  for (int s = 0; s < kSubmitters; ++s) {
    submitters.push_back(std::make_unique<weave::Thread>([&, s] {
      for (int i = 0; i < kTasks; ++i) {
        futures[s].push_back(pool.submit(
            [&total](int v) {
              total += v;
              return v;
            },
            i));
        if (i % 50 == 0) futures[s].back().cancel();  // may or may not win
      }
    }));
  }
  for (auto& t : submitters) t->start();
  for (auto& t : submitters) t->join();
  long expected = 0;
  for (auto& fs : futures) {
    auto w = weave::wait(fs);
    REQUIRE(w.not_done.empty());
    for (auto& f : fs) {
      if (!f.cancelled()) expected += f.result();
    }
  }
  pool.shutdown();
  REQUIRE(total == expected);
}
