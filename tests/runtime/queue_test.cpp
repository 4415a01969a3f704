#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weave/weave.hpp"

using namespace std::chrono_literals;

namespace {

// Waits until `t` sits in a wait queue (a blocked put, get or join).
void wait_until_blocked(const weave::Thread& t) {
  while (t.state() != weave::ThreadState::Blocked) weave::sleep(1ms);
}

// No default constructor, no copies: the queues must only ever move it.
struct Token {
  explicit Token(int v) : value(v) {}
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;
  Token(Token&&) = default;
  Token& operator=(Token&&) = default;
  bool operator<(const Token& other) const { return value < other.value; }
  int value;
};

// Counts live instances, to see that dropped and discarded items are destroyed.
struct Counted {
  static inline std::atomic<int> live{0};
  explicit Counted(int v) : value(v) { ++live; }
  Counted(Counted&& other) noexcept : value(other.value) { ++live; }
  Counted& operator=(Counted&&) = default;
  ~Counted() { --live; }
  int value;
};

template <class Q>
std::vector<int> drain(Q& q) {
  std::vector<int> out;
  while (auto item = q.get_nowait()) out.push_back(*item);
  return out;
}

}  // namespace

TEST_CASE("Queue is first in, first out", "[queue]") {
  weave::Queue<int> q;
  REQUIRE(q.empty());
  REQUIRE_FALSE(q.full());  // unbounded is never full
  REQUIRE(q.maxsize() == 0);
  for (int i : {3, 1, 2}) q.put(i);
  REQUIRE(q.qsize() == 3);
  REQUIRE_FALSE(q.empty());
  REQUIRE(q.get() == 3);
  REQUIRE(drain(q) == std::vector<int>{1, 2});
  REQUIRE(q.empty());
}

TEST_CASE("LifoQueue is last in, first out", "[queue]") {
  weave::LifoQueue<int> q;
  for (int i : {3, 1, 2}) q.put(i);
  REQUIRE(q.get() == 2);
  REQUIRE(drain(q) == std::vector<int>{1, 3});
}

TEST_CASE("PriorityQueue returns the smallest first", "[queue]") {
  weave::PriorityQueue<int> q;
  for (int i : {5, 1, 4, 1, 3, 9, 2, 6}) q.put(i);
  REQUIRE(drain(q) == std::vector<int>{1, 1, 2, 3, 4, 5, 6, 9});

  weave::PriorityQueue<std::pair<int, std::string>> tasks;
  tasks.put({2, "write"});
  tasks.put({1, "read"});
  tasks.put({3, "close"});
  REQUIRE(tasks.get().second == "read");
  REQUIRE(tasks.get().second == "write");
  REQUIRE(tasks.get().second == "close");
}

TEST_CASE("PriorityQueue takes a custom comparator, as a type or an object", "[queue]") {
  weave::PriorityQueue<int, std::greater<int>> largest;
  for (int i : {5, 1, 4, 3}) largest.put(i);
  REQUIRE(drain(largest) == std::vector<int>{5, 4, 3, 1});

  // A comparator with state: by distance from a pivot.
  struct ByDistance {
    int pivot;
    bool operator()(int a, int b) const { return std::abs(a - pivot) < std::abs(b - pivot); }
  };
  weave::PriorityQueue<int, ByDistance> near(0, ByDistance{10}, "near");
  for (int i : {0, 30, 12, 7}) near.put(i);
  REQUIRE(drain(near) == std::vector<int>{12, 7, 0, 30});
}

TEST_CASE("Items are moved, never copied: move-only and non-default-constructible", "[queue]") {
  weave::Queue<std::unique_ptr<int>> q(2);
  q.put(std::make_unique<int>(1));
  REQUIRE(q.put(std::make_unique<int>(2), 10ms));
  REQUIRE_FALSE(q.put_nowait(std::make_unique<int>(3)));
  REQUIRE(*q.get() == 1);
  std::optional<std::unique_ptr<int>> second = q.get(10ms);
  REQUIRE(second.has_value());
  REQUIRE(**second == 2);
  REQUIRE_FALSE(q.get_nowait().has_value());

  weave::LifoQueue<Token> lifo;
  lifo.put(Token(1));
  lifo.put(Token(2));
  REQUIRE(lifo.get().value == 2);

  weave::PriorityQueue<Token> prio;
  prio.put(Token(7));
  prio.put(Token(3));
  REQUIRE(prio.get_nowait()->value == 3);

  auto by_value = [](const std::unique_ptr<int>& a, const std::unique_ptr<int>& b) {
    return *a < *b;
  };
  weave::PriorityQueue<std::unique_ptr<int>, decltype(by_value)> ptrs;
  ptrs.put(std::make_unique<int>(8));
  ptrs.put(std::make_unique<int>(4));
  REQUIRE(*ptrs.get() == 4);
}

TEST_CASE("The nowait forms never block", "[queue]") {
  weave::Queue<int> q(1);
  REQUIRE_FALSE(q.get_nowait().has_value());
  REQUIRE(q.put_nowait(1));
  REQUIRE(q.full());
  REQUIRE_FALSE(q.put_nowait(2));
  REQUIRE(q.qsize() == 1);
  REQUIRE(q.get_nowait() == 1);
  REQUIRE_FALSE(q.get_nowait().has_value());
}

TEST_CASE("A full queue blocks put until a consumer gets", "[queue]") {
  weave::Queue<int> q(1, "slots");
  q.put(1);
  std::atomic<bool> put_returned{false};
  weave::Thread producer([&] {
    q.put(2);
    put_returned = true;
  });
  producer.start();
  wait_until_blocked(producer);
  REQUIRE_FALSE(put_returned);
  REQUIRE(q.qsize() == 1);
  REQUIRE(q.get() == 1);
  producer.join();
  REQUIRE(put_returned);
  REQUIRE(q.get() == 2);
}

TEST_CASE("An empty queue blocks get until a producer puts", "[queue]") {
  weave::Queue<int> q;
  int got = 0;
  weave::Thread consumer([&] { got = q.get(); });
  consumer.start();
  wait_until_blocked(consumer);
  q.put(42);
  consumer.join();
  REQUIRE(got == 42);
}

TEST_CASE("Timeouts: get and put give up when nothing changes", "[queue][timeout]") {
  Counted::live = 0;
  {
    weave::Queue<Counted> q(1);
    REQUIRE_FALSE(q.get(20ms).has_value());
    q.put(Counted(1));
    REQUIRE_FALSE(q.put(Counted(2), 20ms));
    REQUIRE(Counted::live == 1);  // the item that did not fit was dropped
    REQUIRE(q.qsize() == 1);
    REQUIRE(q.get(0ms)->value == 1);
    REQUIRE_FALSE(q.get(0ms).has_value());
  }
  REQUIRE(Counted::live == 0);
}

TEST_CASE("Timeouts: get and put succeed when the other side acts in time", "[queue][timeout]") {
  weave::Queue<int> q(1);
  weave::Thread producer([&] { q.put(7); });
  producer.start();
  std::optional<int> got = q.get(10s);
  producer.join();
  REQUIRE(got == 7);

  q.put(1);
  weave::Thread consumer([&] { q.get(); });
  consumer.start();
  REQUIRE(q.put(2, 10s));
  consumer.join();
  REQUIRE(q.get() == 2);
}

TEST_CASE("join waits until every item put has been got and marked done", "[queue][join]") {
  weave::Queue<int> q;
  constexpr int kItems = 100;
  std::atomic<int> processed{0};
  weave::Thread consumer([&] {
    while (true) {
      int item = q.get();
      if (item < 0) {
        q.task_done();
        return;
      }
      ++processed;
      q.task_done();
    }
  });
  consumer.start();
  for (int i = 0; i < kItems; ++i) q.put(i);
  q.join();
  REQUIRE(processed == kItems);
  q.put(-1);
  q.join();
  consumer.join();
  REQUIRE(q.empty());
  q.join();  // nothing outstanding: returns at once
}

TEST_CASE("join blocks while an item is got but not done", "[queue][join]") {
  weave::Queue<int> q;
  q.put(1);
  REQUIRE(q.get() == 1);
  std::atomic<bool> joined{false};
  weave::Thread joiner([&] {
    q.join();
    joined = true;
  });
  joiner.start();
  wait_until_blocked(joiner);
  REQUIRE_FALSE(joined);
  q.task_done();
  joiner.join();
  REQUIRE(joined);
}

TEST_CASE("task_done more times than items got is a UsageError naming the queue",
          "[queue][misuse]") {
  weave::Queue<int> q(0, "jobs");
  REQUIRE_THROWS_WITH(q.task_done(), Catch::Contains("jobs") && Catch::Contains("task_done"));
  q.put(1);
  // Put but not yet got: still too many.
  REQUIRE_THROWS_AS(q.task_done(), weave::UsageError);
  q.get();
  q.task_done();
  REQUIRE_THROWS_AS(q.task_done(), weave::UsageError);

  weave::LifoQueue<int> unnamed;
  REQUIRE_THROWS_WITH(unnamed.task_done(), Catch::Contains("Queue#"));
}

TEST_CASE("shutdown: put fails, get drains what is left then fails", "[queue][shutdown]") {
  weave::Queue<int> q(0, "work");
  q.put(1);
  q.put(2);
  REQUIRE_FALSE(q.is_shut_down());
  q.shutdown();
  REQUIRE(q.is_shut_down());
  REQUIRE_THROWS_AS(q.put(3), weave::QueueShutDown);
  REQUIRE_THROWS_AS(q.put(3, 10ms), weave::QueueShutDown);
  REQUIRE_THROWS_WITH(q.put_nowait(3), Catch::Contains("work"));
  REQUIRE(q.get() == 1);
  REQUIRE(q.get(10ms) == 2);
  REQUIRE_THROWS_AS(q.get(), weave::QueueShutDown);
  REQUIRE_THROWS_AS(q.get(10ms), weave::QueueShutDown);
  REQUIRE_THROWS_AS(q.get_nowait(), weave::QueueShutDown);
  q.shutdown();  // again: harmless
  // The two items got are still outstanding for join().
  q.task_done();
  q.task_done();
  q.join();
}

TEST_CASE("shutdown wakes blocked getters and putters with QueueShutDown", "[queue][shutdown]") {
  weave::Queue<int> empty_q;
  weave::Queue<int> full_q(1);
  full_q.put(0);
  std::atomic<int> shut_out{0};
  auto expect_shutdown = [&](std::function<void()> op) {
    try {
      op();
    } catch (const weave::QueueShutDown&) {
      ++shut_out;
    }
  };
  weave::Thread getter([&] { expect_shutdown([&] { empty_q.get(); }); });
  weave::Thread timed_getter([&] { expect_shutdown([&] { (void)empty_q.get(10min); }); });
  weave::Thread putter([&] { expect_shutdown([&] { full_q.put(1); }); });
  weave::Thread timed_putter([&] { expect_shutdown([&] { (void)full_q.put(1, 10min); }); });
  for (weave::Thread* t : {&getter, &timed_getter, &putter, &timed_putter}) {
    t->start();
    wait_until_blocked(*t);
  }
  empty_q.shutdown();
  full_q.shutdown();
  for (weave::Thread* t : {&getter, &timed_getter, &putter, &timed_putter}) t->join();
  REQUIRE(shut_out == 4);
  REQUIRE(full_q.get() == 0);  // not immediate: the queued item is still there
}

TEST_CASE("shutdown(immediate) discards items, fails getters at once, releases join",
          "[queue][shutdown]") {
  Counted::live = 0;
  weave::Queue<Counted> q(0, "batch");
  for (int i = 0; i < 3; ++i) q.put(Counted(i));
  REQUIRE(q.get().value == 0);  // got, not yet done
  std::atomic<bool> joined{false};
  weave::Thread joiner([&] {
    q.join();
    joined = true;
  });
  joiner.start();
  wait_until_blocked(joiner);
  q.shutdown(true);
  REQUIRE(q.empty());
  REQUIRE(Counted::live == 0);  // the discarded items were destroyed
  REQUIRE_THROWS_AS(q.get(), weave::QueueShutDown);
  REQUIRE_THROWS_AS(q.put(Counted(9)), weave::QueueShutDown);
  REQUIRE_FALSE(joined);  // the item got earlier is still outstanding
  q.task_done();
  joiner.join();
  REQUIRE(joined);
  REQUIRE_THROWS_AS(q.task_done(), weave::UsageError);
}

TEST_CASE("shutdown(immediate) wakes blocked getters and releases join", "[queue][shutdown]") {
  weave::PriorityQueue<int> q;
  for (int i : {3, 1, 2}) q.put(i);
  weave::Thread joiner([&] { q.join(); });
  joiner.start();
  wait_until_blocked(joiner);

  weave::LifoQueue<int> empty_q;
  std::atomic<bool> shut_out{false};
  weave::Thread getter([&] {
    try {
      empty_q.get();
    } catch (const weave::QueueShutDown&) {
      shut_out = true;
    }
  });
  getter.start();
  wait_until_blocked(getter);

  q.shutdown(true);
  joiner.join();  // the items never got were counted as done
  REQUIRE(q.qsize() == 0);
  empty_q.shutdown(true);
  getter.join();
  REQUIRE(shut_out);
}

TEST_CASE("Many producers and consumers on a bounded queue: each item got exactly once",
          "[queue][stress]") {
  constexpr int kProducers = 4;
  constexpr int kConsumers = 4;
  constexpr int kPerProducer = 500;
  constexpr int kTotal = kProducers * kPerProducer;
  weave::Queue<int> q(8, "stress");
  std::vector<std::atomic<int>> seen(kTotal);
  std::atomic<int> got{0};

  std::vector<std::unique_ptr<weave::Thread>> producers;
  std::vector<std::unique_ptr<weave::Thread>> consumers;
  for (int p = 0; p < kProducers; ++p) {
    producers.push_back(std::make_unique<weave::Thread>([&q, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        const int item = p * kPerProducer + i;
        // Mix the blocking, timed and nowait forms.
        if (i % 3 == 0) {
          q.put(item);
        } else if (i % 3 == 1) {
          while (!q.put(item, 1ms)) {
          }
        } else {
          while (!q.put_nowait(item)) weave::yield();
        }
      }
    }));
  }
  for (int c = 0; c < kConsumers; ++c) {
    consumers.push_back(std::make_unique<weave::Thread>([&q, &seen, &got, c] {
      try {
        while (true) {
          std::optional<int> item;
          if (c % 2 == 0) {
            item = q.get();
          } else {
            item = q.get(1ms);
          }
          if (!item) continue;
          seen[*item].fetch_add(1);
          ++got;
          q.task_done();
        }
      } catch (const weave::QueueShutDown&) {
      }
    }));
  }
  for (auto& t : producers) t->start();
  for (auto& t : consumers) t->start();
  for (auto& t : producers) t->join();
  q.join();  // every item got and done
  q.shutdown();
  for (auto& t : consumers) t->join();

  REQUIRE(got == kTotal);
  int wrong = 0;
  for (auto& s : seen) wrong += s.load() != 1;
  REQUIRE(wrong == 0);
  REQUIRE(q.empty());
}
