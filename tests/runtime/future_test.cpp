// Future<T>, wait() and as_completed() on futures completed by hand (set_result, set_exception),
// so the order of events is fixed by the test. The executor's side is in executor_test.cpp.
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "weave/weave.hpp"

using namespace std::chrono_literals;

namespace {
struct Boom : std::runtime_error {
  Boom() : std::runtime_error("boom") {}
};

std::exception_ptr boom() { return std::make_exception_ptr(Boom{}); }

// Runs fn in a weave thread after a short pause, so the caller is (most likely) blocked by then.
template <class F>
weave::Thread later(F fn) {
  return weave::Thread([fn]() mutable {
    weave::sleep(20ms);
    fn();
  });
}
}  // namespace

TEST_CASE("A new Future is pending; result and exception time out", "[future]") {
  weave::Future<int> f;
  REQUIRE_FALSE(f.done());
  REQUIRE_FALSE(f.running());
  REQUIRE_FALSE(f.cancelled());
  REQUIRE_THROWS_AS(f.result(10ms), weave::TimeoutError);
  REQUIRE_THROWS_AS(f.exception(10ms), weave::TimeoutError);
  REQUIRE_THROWS_AS(f.result(weave::Duration::zero()), weave::TimeoutError);
}

TEST_CASE("set_result completes a Future; result returns copies", "[future]") {
  weave::Future<std::string> f;
  weave::Future<std::string> copy = f;
  REQUIRE(copy == f);
  REQUIRE_FALSE(weave::Future<std::string>() == f);
  f.set_result("hello");
  REQUIRE(copy.done());
  REQUIRE_FALSE(copy.running());
  REQUIRE(copy.result() == "hello");
  REQUIRE(copy.result(0ms) == "hello");
  REQUIRE(f.result() == "hello");
  REQUIRE(f.exception() == nullptr);
}

TEST_CASE("set_exception makes result rethrow the same exception", "[future]") {
  weave::Future<int> f;
  f.set_exception(boom());
  REQUIRE(f.done());
  REQUIRE_FALSE(f.cancelled());
  REQUIRE_THROWS_AS(f.result(), Boom);
  REQUIRE_THROWS_WITH(f.result(1s), "boom");
  std::exception_ptr e = f.exception();
  REQUIRE(e != nullptr);
  REQUIRE_THROWS_AS(std::rethrow_exception(e), Boom);
}

TEST_CASE("Future<void> completes without a value", "[future]") {
  weave::Future<void> f;
  REQUIRE_FALSE(f.done());
  f.set_result();
  REQUIRE(f.done());
  f.result();
  REQUIRE(f.exception() == nullptr);
  weave::Future<void> g;
  g.set_exception(boom());
  REQUIRE_THROWS_AS(g.result(), Boom);
}

TEST_CASE("A pending Future can be cancelled; result then throws CancelledError", "[future]") {
  weave::Future<int> f;
  REQUIRE(f.cancel());
  REQUIRE(f.cancelled());
  REQUIRE(f.done());
  REQUIRE_FALSE(f.running());
  REQUIRE(f.cancel());  // already cancelled: still true
  REQUIRE_THROWS_AS(f.result(), weave::CancelledError);
  REQUIRE_THROWS_AS(f.exception(), weave::CancelledError);
  REQUIRE_FALSE(f.set_running_or_notify_cancel());
}

TEST_CASE("A running or finished Future cannot be cancelled", "[future]") {
  weave::Future<int> f;
  REQUIRE(f.set_running_or_notify_cancel());
  REQUIRE(f.running());
  REQUIRE_FALSE(f.done());
  REQUIRE_FALSE(f.cancel());
  REQUIRE_FALSE(f.cancelled());
  f.set_result(7);
  REQUIRE_FALSE(f.running());
  REQUIRE_FALSE(f.cancel());
  REQUIRE(f.result() == 7);
}

TEST_CASE("Future misuse is a UsageError", "[future][misuse]") {
  weave::Future<int> f;
  f.set_result(1);
  REQUIRE_THROWS_AS(f.set_result(2), weave::UsageError);
  REQUIRE_THROWS_AS(f.set_exception(boom()), weave::UsageError);
  REQUIRE_THROWS_AS(f.set_running_or_notify_cancel(), weave::UsageError);
  REQUIRE(f.result() == 1);

  weave::Future<int> c;
  c.cancel();
  REQUIRE_THROWS_AS(c.set_result(2), weave::UsageError);

  weave::Future<int> r;
  r.set_running_or_notify_cancel();
  REQUIRE_THROWS_AS(r.set_running_or_notify_cancel(), weave::UsageError);
  REQUIRE_THROWS_AS(r.set_exception(nullptr), weave::UsageError);
  REQUIRE_FALSE(r.done());
  REQUIRE_THROWS_WITH(r.set_exception(nullptr), Catch::Contains("null exception"));
}

TEST_CASE("result blocks until another thread sets the Future", "[future]") {
  weave::Future<int> f;
  weave::Thread t = later([f]() mutable { f.set_result(42); });
  t.start();
  REQUIRE(f.result() == 42);
  t.join();

  weave::Future<int> g;
  weave::Thread u = later([g]() mutable { g.set_exception(boom()); });
  u.start();
  REQUIRE(g.exception() != nullptr);
  u.join();

  weave::Future<int> h;
  weave::Thread v = later([h]() mutable { h.cancel(); });
  v.start();
  REQUIRE_THROWS_AS(h.result(), weave::CancelledError);
  v.join();
}

TEST_CASE("Done callbacks run in order in the completing thread, or at once when done",
          "[future]") {
  weave::Future<int> f;
  std::vector<std::string> log;
  f.add_done_callback([&](weave::Future<int> g) {
    log.push_back("first " + std::to_string(g.result()) + " in " + weave::current_thread().name());
  });
  f.add_done_callback(
      [&](weave::Future<int> g) { log.push_back("second " + std::to_string(g.result())); });
  REQUIRE(log.empty());
  weave::Thread t(weave::ThreadOptions{"completer"}, [f]() mutable { f.set_result(5); });
  t.start();
  t.join();
  REQUIRE(log == std::vector<std::string>{"first 5 in completer", "second 5"});

  f.add_done_callback([&](weave::Future<int> g) {
    log.push_back("late " + std::to_string(g.result()) + " in " + weave::current_thread().name());
  });
  REQUIRE(log.back() == "late 5 in MainThread");
}

TEST_CASE("An exception from a done callback is ignored; the others still run", "[future]") {
  weave::Future<void> f;
  int ran = 0;
  f.add_done_callback([](weave::Future<void>) { throw std::runtime_error("callback failed"); });
  f.add_done_callback([&](weave::Future<void>) { ++ran; });
  REQUIRE_NOTHROW(f.set_result());
  REQUIRE(ran == 1);
  REQUIRE_NOTHROW(f.add_done_callback([](weave::Future<void>) { throw 1; }));
}

TEST_CASE("Done callbacks run on cancel too", "[future]") {
  weave::Future<int> f;
  bool saw_cancelled = false;
  f.add_done_callback([&](weave::Future<int> g) { saw_cancelled = g.cancelled(); });
  REQUIRE(f.cancel());
  REQUIRE(saw_cancelled);
}

TEST_CASE("wait AllCompleted returns when every future is done", "[future][wait]") {
  weave::Future<int> a, b, c;
  a.set_result(1);
  weave::Thread t = later([b, c]() mutable {
    c.set_exception(boom());
    b.set_result(2);
  });
  t.start();
  auto r = weave::wait(std::vector{a, b, c});
  t.join();
  REQUIRE(r.done == std::vector{a, b, c});
  REQUIRE(r.not_done.empty());
  auto r2 = weave::wait(std::vector{a, b, c}, weave::ReturnWhen::AllCompleted);
  REQUIRE(r2.done.size() == 3);
}

TEST_CASE("wait FirstCompleted returns once one future is done", "[future][wait]") {
  weave::Future<int> a, b, c;
  weave::Thread t = later([b]() mutable { b.set_result(2); });
  t.start();
  auto r = weave::wait(std::vector{a, b, c}, weave::ReturnWhen::FirstCompleted);
  t.join();
  REQUIRE(r.done == std::vector{b});
  REQUIRE(r.not_done == std::vector{a, c});

  // Already one done: at once.
  auto r2 =
      weave::wait(std::vector{a, b, c}, weave::Duration::zero(), weave::ReturnWhen::FirstCompleted);
  REQUIRE(r2.done == std::vector{b});

  // A cancel counts as done.
  weave::Future<int> d, e;
  weave::Thread u = later([e]() mutable { e.cancel(); });
  u.start();
  auto r3 = weave::wait(std::vector{d, e}, weave::ReturnWhen::FirstCompleted);
  u.join();
  REQUIRE(r3.done == std::vector{e});
}

TEST_CASE("wait FirstException returns at the first exception, else when all are done",
          "[future][wait]") {
  weave::Future<int> a, b, c;
  a.set_result(1);
  weave::Thread t = later([b]() mutable { b.set_exception(boom()); });
  t.start();
  auto r = weave::wait(std::vector{a, b, c}, weave::ReturnWhen::FirstException);
  t.join();
  REQUIRE(r.done == std::vector{a, b});
  REQUIRE(r.not_done == std::vector{c});

  // Results and cancels do not count as exceptions: it waits for all.
  weave::Future<int> d, e, f;
  d.set_result(1);
  weave::Thread u = later([e, f]() mutable {
    e.cancel();
    f.set_result(3);
  });
  u.start();
  auto r2 = weave::wait(std::vector{d, e, f}, weave::ReturnWhen::FirstException);
  u.join();
  REQUIRE(r2.done == std::vector{d, e, f});
  REQUIRE(r2.not_done.empty());
}

TEST_CASE("wait gives up after its timeout", "[future][wait]") {
  weave::Future<int> a, b, c;
  a.set_result(1);
  for (weave::ReturnWhen when :
       {weave::ReturnWhen::AllCompleted, weave::ReturnWhen::FirstException}) {
    auto r = weave::wait(std::vector{a, b, c}, 10ms, when);
    REQUIRE(r.done == std::vector{a});
    REQUIRE(r.not_done == std::vector{b, c});
  }
  auto r = weave::wait(std::vector{b, c}, 10ms, weave::ReturnWhen::FirstCompleted);
  REQUIRE(r.done.empty());
  REQUIRE(r.not_done == std::vector{b, c});
  b.set_result(2);
  c.set_result(3);
}

TEST_CASE("wait on no futures, or on duplicates", "[future][wait]") {
  auto r = weave::wait(std::vector<weave::Future<int>>{}, weave::ReturnWhen::FirstCompleted);
  REQUIRE(r.done.empty());
  REQUIRE(r.not_done.empty());

  weave::Future<int> a, b;
  a.set_result(1);
  auto r2 = weave::wait(std::vector{a, b, a, b}, 5ms);
  REQUIRE(r2.done == std::vector{a});
  REQUIRE(r2.not_done == std::vector{b});
}

TEST_CASE("as_completed yields done futures first, then in finishing order",
          "[future][as_completed]") {
  weave::Future<int> a, b, c, d;
  c.set_result(3);
  a.set_result(1);
  weave::Thread t = later([b, d]() mutable {
    d.set_result(4);
    b.set_result(2);
  });
  t.start();
  std::vector<int> seen;
  for (const weave::Future<int>& f : weave::as_completed(std::vector{a, b, c, d, a})) {
    REQUIRE(f.done());
    seen.push_back(f.result());
  }
  t.join();
  REQUIRE(seen == std::vector{1, 3, 4, 2});  // a and c in input order, then d, b
}

TEST_CASE("as_completed throws TimeoutError when the timeout passes first",
          "[future][as_completed]") {
  weave::Future<int> a, b, c;
  b.set_result(2);
  std::vector<int> seen;
  auto range = weave::as_completed(std::vector{a, b, c}, 10ms);
  auto it = range.begin();
  REQUIRE(it != range.end());
  seen.push_back(it->result());
  REQUIRE_THROWS_AS(++it, weave::TimeoutError);
  REQUIRE(seen == std::vector{2});

  REQUIRE_THROWS_WITH(
      [&] {
        for (const auto& f : weave::as_completed(std::vector{a, c}, 5ms)) (void)f;
      }(),
      Catch::Contains("2 (of 2) futures unfinished"));
  a.set_result(1);
  c.set_result(3);
}

TEST_CASE("as_completed on no futures yields nothing", "[future][as_completed]") {
  int n = 0;
  for (const auto& f : weave::as_completed(std::vector<weave::Future<void>>{}, 0ms)) {
    (void)f;
    ++n;
  }
  REQUIRE(n == 0);
}
