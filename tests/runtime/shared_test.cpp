#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "weave/weave.hpp"

TEST_CASE("Shared<T> reads and writes like a plain variable on OS threads", "[shared]") {
  weave::Shared<int> x{5, "x"};
  REQUIRE(x.load() == 5);
  x.store(7);
  REQUIRE(static_cast<int>(x) == 7);
  x = 10;
  x += 2;
  x -= 1;
  ++x;
  REQUIRE(x.load() == 12);
  REQUIRE(x++ == 12);
  REQUIRE(x.load() == 13);
  REQUIRE(x.object().name() == "x");
  weave::Shared<std::string> s{"a"};
  s = "abc";  // converts const char* to std::string
  REQUIRE(s.load() == "abc");
}

TEST_CASE("Atomic<T> is a sequentially consistent atomic", "[shared]") {
  weave::Atomic<int> a{1};
  REQUIRE(a.fetch_add(2) == 1);
  REQUIRE(a.load() == 3);
  int expected = 3;
  REQUIRE(a.compare_exchange_strong(expected, 9));
  expected = 0;
  REQUIRE_FALSE(a.compare_exchange_strong(expected, 1));
  REQUIRE(expected == 9);
  REQUIRE(a.exchange(4) == 9);
  REQUIRE(++a == 5);
  REQUIRE(a++ == 5);
  a += 10;
  REQUIRE(a.load() == 16);
  constexpr int kThreads = 4, kIncrements = 2000;
  weave::Atomic<int> counter{0};
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&] {
      for (int j = 0; j < kIncrements; ++j) counter.fetch_add(1);
    }));
    threads.back()->start();
  }
  for (auto& t : threads) t->join();
  REQUIRE(counter.load() == kThreads * kIncrements);
}

TEST_CASE("note_read and note_write are no-ops on OS threads", "[shared]") {
  int raw = 3;
  weave::note_read(&raw, sizeof raw);
  weave::note_write(&raw, sizeof raw);
  REQUIRE(raw == 3);
}

TEST_CASE("WEAVE_ASSERT throws AssertionError with the expression on OS threads", "[assert]") {
  int v = 1;
  REQUIRE_NOTHROW(WEAVE_ASSERT(v == 1));
  try {
    WEAVE_ASSERT(v == 2);
    FAIL("no throw");
  } catch (const weave::AssertionError& e) {
    REQUIRE(std::string(e.what()).find("v == 2") != std::string::npos);
    REQUIRE(std::string(e.what()).find("shared_test.cpp") != std::string::npos);
  }
}
