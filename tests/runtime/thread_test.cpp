#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "weave/weave.hpp"

using namespace std::chrono_literals;

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

namespace {
class Counter : public weave::Thread {
 public:
  explicit Counter(int n) : Thread(weave::ThreadOptions{"counter"}), n_(n) {}
  int total = 0;

 protected:
  void run() override {
    for (int i = 1; i <= n_; ++i) total += i;
  }

 private:
  int n_;
};
}  // namespace

TEST_CASE("A Thread subclass overrides run()", "[thread]") {
  Counter c(10);
  c.start();
  c.join();
  REQUIRE(c.total == 55);
  REQUIRE(c.name() == "counter");
}

TEST_CASE("Names: MainThread and Thread-N", "[thread]") {
  REQUIRE(weave::current_thread().name() == "MainThread");
  weave::Thread t([] {});
  REQUIRE(t.name().rfind("Thread-", 0) == 0);
  std::string seen;
  weave::Thread named(weave::ThreadOptions{"worker"}, [&] { seen = weave::current_thread().name(); });
  named.start();
  named.join();
  REQUIRE(seen == "worker");
}

TEST_CASE("Thread misuse is a UsageError", "[thread][misuse]") {
  weave::Thread t([] {});
  REQUIRE_THROWS_AS(t.join(), weave::UsageError);
  t.start();
  REQUIRE_THROWS_AS(t.start(), weave::UsageError);
  REQUIRE_THROWS_AS(t.set_daemon(true), weave::UsageError);
  t.join();
  std::string what;
  weave::Thread self([&] {
    try {
      weave::current_thread().join();
    } catch (const weave::UsageError& e) {
      what = e.what();
    }
  });
  self.start();
  self.join();
  REQUIRE(what.find("cannot join itself") != std::string::npos);
}

TEST_CASE("join with a timeout returns false while the thread runs", "[thread][timeout]") {
  std::atomic<bool> go{false};
  weave::Thread t([&] {
    while (!go.load()) weave::sleep(1ms);
  });
  t.start();
  REQUIRE_FALSE(t.join(20ms));
  REQUIRE(t.is_alive());
  go = true;
  REQUIRE(t.join(10s));
  REQUIRE_FALSE(t.is_alive());
}
