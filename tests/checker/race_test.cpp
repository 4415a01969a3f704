// The data-race detector: happens-before with vector clocks over every Shared<T> access and every
// note_read/note_write range. A race is found in the first schedule where it occurs, whatever the
// values read; every happens-before edge of the facade keeps correct code clean, and the same
// program without the edge races.
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <source_location>
#include <sstream>
#include <string>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

#include "detect_support.hpp"

using weave::BugKind;
using weave::FindsBug;
using weave::NoBug;

namespace {

using namespace detect_support;

weave::Config cfg(weave::Strategy s = weave::Strategy::PCT, std::uint64_t iterations = 200,
                  std::uint64_t seed = 4242) {
  return make_config(s, iterations, seed);
}

// `word` appears in `s` as a word of its own ("read" in "thread" does not count).
bool has_word(const std::string& s, const std::string& word) {
  for (auto pos = s.find(word); pos != std::string::npos; pos = s.find(word, pos + 1)) {
    const bool left = pos == 0 || !std::isalpha(static_cast<unsigned char>(s[pos - 1]));
    const std::size_t end = pos + word.size();
    const bool right = end == s.size() || !std::isalpha(static_cast<unsigned char>(s[end]));
    if (left && right) return true;
  }
  return false;
}

// The message names a read access ("read", "reads", "reading").
bool names_read(const std::string& s) {
  return has_word(s, "read") || has_word(s, "reads") || has_word(s, "reading");
}
// The message names a write access ("write", "writes", "wrote", "written", "writing").
bool names_write(const std::string& s) {
  return has_word(s, "write") || has_word(s, "writes") || has_word(s, "wrote") ||
         has_word(s, "written") || has_word(s, "writing");
}

// Passes the caller's location on, remembering its line: `x.store(1, at(line))`.
// A pointer as reports print it.
std::string address(const void* p) {
  std::ostringstream out;
  out << p;
  return out.str();
}

std::string here(std::uint32_t line) { return file_line("race_test.cpp", line); }

// Runs `body` under both strategies and expects it clean.
template <class Body>
void require_clean(Body body, std::uint64_t iterations = 200) {
  for (auto s : kStrategies) {
    INFO("strategy " << (s == weave::Strategy::PCT ? "PCT" : "Random"));
    auto r = weave::check(body, cfg(s, iterations));
    REQUIRE_THAT(r, NoBug());
    CHECK(r.schedules == iterations);
  }
}

// Runs `body` under both strategies and expects a DataRace.
template <class Body>
void require_race(Body body, std::uint64_t iterations = 200) {
  for (auto s : kStrategies) {
    INFO("strategy " << (s == weave::Strategy::PCT ? "PCT" : "Random"));
    auto r = weave::check(body, cfg(s, iterations));
    REQUIRE_THAT(r, FindsBug(BugKind::DataRace));
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Races are found, in one schedule, and reported with both accesses.

TEST_CASE("DataRace: an unsynchronised write and read are found in the first schedule",
          "[checker][race]") {
  std::uint32_t created = 0, write_line = 0, read_line = 0;
  auto body = [&] {
    weave::Shared<int> balance(0, "balance", at(created));
    weave::Thread depositor(weave::ThreadOptions{"depositor"},
                            [&] { balance.store(100, at(write_line)); });
    weave::Thread auditor(weave::ThreadOptions{"auditor"}, [&] {
      int seen = balance.load(at(read_line));
      (void)seen;
    });
    depositor.start();
    auditor.start();
    depositor.join();
    auditor.join();
  };
  for (auto s : kStrategies) {
    for (std::uint64_t seed : {1u, 2u, 3u, 99u}) {
      INFO("strategy " << (s == weave::Strategy::PCT ? "PCT" : "Random") << ", seed " << seed);
      auto r = weave::check(body, cfg(s, 1, seed));
      REQUIRE_THAT(r, FindsBug(BugKind::DataRace));
      CHECK(r.schedules == 1);
      const std::string& msg = r.bug->message;
      CHECK(contains(msg, "depositor"));
      CHECK(contains(msg, "auditor"));
      CHECK(names_write(msg));
      CHECK(names_read(msg));
      CHECK(contains(msg, "balance"));
      CHECK(contains(msg, here(write_line)));
      CHECK(contains(msg, here(read_line)));
      const std::string report = r.report();
      CHECK(contains(report, "DataRace"));
      CHECK(contains(report, "balance"));
      CHECK(contains(report, here(created)));  // the variable's creation site
      CHECK(contains(report, here(write_line)));
      CHECK(contains(report, here(read_line)));
      CHECK(contains(report, "depositor"));
      CHECK(contains(report, "auditor"));
    }
  }
}

TEST_CASE("DataRace: two unsynchronised writes are found in the first schedule",
          "[checker][race]") {
  std::uint32_t line_a = 0, line_b = 0;
  auto body = [&] {
    weave::Shared<int> total(0, "total");
    weave::Thread a(weave::ThreadOptions{"writer-a"}, [&] { total.store(1, at(line_a)); });
    weave::Thread b(weave::ThreadOptions{"writer-b"}, [&] { total.store(2, at(line_b)); });
    a.start();
    b.start();
    a.join();
    b.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 1));
    REQUIRE_THAT(r, FindsBug(BugKind::DataRace));
    CHECK(r.schedules == 1);
    const std::string& msg = r.bug->message;
    CHECK(contains(msg, "writer-a"));
    CHECK(contains(msg, "writer-b"));
    CHECK(names_write(msg));
    CHECK(contains(msg, "total"));
    CHECK(contains(msg, here(line_a)));
    CHECK(contains(msg, here(line_b)));
  }
}

TEST_CASE("DataRace: found whatever values were read (a write of the same value)",
          "[checker][race]") {
  // No assertion can ever fail here: the writer stores the value already there. The race is
  // still there, and found in the first schedule.
  auto body = [] {
    weave::Shared<int> flag(7, "flag");
    weave::Thread t(weave::ThreadOptions{"rewriter"}, [&] { flag.store(7); });
    t.start();
    WEAVE_ASSERT(flag.load() == 7);
    t.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 1));
    REQUIRE_THAT(r, FindsBug(BugKind::DataRace));
    CHECK(r.schedules == 1);
    CHECK(contains(r.bug->message, "MainThread"));
    CHECK(contains(r.bug->message, "rewriter"));
    CHECK(contains(r.bug->message, "flag"));
  }
}

TEST_CASE("DataRace: a lost update is reported as a race before its assertion fails",
          "[checker][race]") {
  auto body = [] {
    weave::Shared<int> counter(0, "counter");
    weave::Thread t1([&] { counter += 1; });
    weave::Thread t2([&] { counter += 1; });
    t1.start();
    t2.start();
    t1.join();
    t2.join();
    WEAVE_ASSERT(counter.load() == 2);
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 1));
    REQUIRE_THAT(r, FindsBug(BugKind::DataRace));
    CHECK(contains(r.bug->message, "counter"));
  }
}

TEST_CASE("DataRace: Config.detect_races = false turns the detector off", "[checker][race]") {
  auto body = [] {
    weave::Shared<int> x(0, "x");
    weave::Thread t([&] { x.store(1); });
    t.start();
    (void)x.load();
    t.join();
  };
  for (auto s : kStrategies) {
    auto on = cfg(s, 50);
    REQUIRE_THAT(weave::check(body, on), FindsBug(BugKind::DataRace));
    auto off = cfg(s, 50);
    off.detect_races = false;
    REQUIRE_THAT(weave::check(body, off), NoBug());
  }
  CHECK(weave::Config{}.detect_races);  // on by default
}

TEST_CASE("DataRace: concurrent reads never race", "[checker][race]") {
  require_clean([] {
    weave::Shared<int> config(3, "config");
    int raw[4] = {1, 2, 3, 4};
    auto reader = [&] {
      (void)config.load();
      weave::note_read(raw, sizeof raw);
    };
    weave::Thread a(reader), b(reader);
    a.start();
    b.start();
    reader();
    a.join();
    b.join();
  });
}

TEST_CASE("DataRace: a race found is replayed to the same race", "[checker][race][replay]") {
  auto body = [] {
    weave::Shared<int> x(0, "x");
    weave::Lock l{"l"};
    weave::Thread t(weave::ThreadOptions{"worker"}, [&] {
      std::lock_guard g(l);
      x.store(1);
    });
    t.start();
    weave::yield();
    (void)x.load();  // not under the lock
    t.join();
  };
  for (auto s : kStrategies) {
    auto found = weave::check(body, cfg(s, 20));
    REQUIRE_THAT(found, FindsBug(BugKind::DataRace));
    auto again = weave::replay(body, found.bug->schedule);
    REQUIRE_THAT(again, FindsBug(BugKind::DataRace));
    CHECK(again.bug->trace.size() == found.bug->trace.size());
    CHECK(again.bug->message == found.bug->message);
    CHECK(again.bug->nondeterminism.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// Raw memory: note_read / note_write ranges.

TEST_CASE("DataRace: overlapping annotated ranges race", "[checker][race][memory]") {
  std::uint32_t write_line = 0, read_line = 0;
  const int* buffer_at = nullptr;  // where the buffer was, for the report
  auto body = [&] {
    int buffer[8] = {};
    buffer_at = buffer;
    weave::Thread writer(weave::ThreadOptions{"filler"}, [&] {
      weave::note_write(&buffer[0], 5 * sizeof(int), at(write_line));  // [0, 5)
    });
    weave::Thread reader(weave::ThreadOptions{"scanner"}, [&] {
      weave::note_read(&buffer[4], 4 * sizeof(int), at(read_line));  // [4, 8): overlaps at 4
    });
    writer.start();
    reader.start();
    writer.join();
    reader.join();
  };
  for (auto s : kStrategies) {
    auto r = weave::check(body, cfg(s, 1));
    REQUIRE_THAT(r, FindsBug(BugKind::DataRace));
    CHECK(r.schedules == 1);
    const std::string& msg = r.bug->message;
    CHECK(contains(msg, "filler"));
    CHECK(contains(msg, "scanner"));
    CHECK(names_write(msg));
    CHECK(names_read(msg));
    CHECK(contains(msg, here(write_line)));
    CHECK(contains(msg, here(read_line)));
    // Each access is described by its own range.
    const std::string& involved = r.bug->involved;
    CHECK(contains(involved, address(&buffer_at[0]) + " (20 bytes)"));
    CHECK(contains(involved, address(&buffer_at[4]) + " (16 bytes)"));
  }
}

TEST_CASE("DataRace: annotated writes to one byte in common race", "[checker][race][memory]") {
  require_race(
      [] {
        unsigned char bytes[16] = {};
        weave::Thread t([&] { weave::note_write(&bytes[0], 9); });  // [0, 9)
        t.start();
        weave::note_write(&bytes[8], 8);  // [8, 16)
        t.join();
      },
      1);
}

TEST_CASE("DataRace: disjoint annotated ranges (two halves of an array) do not race",
          "[checker][race][memory]") {
  require_clean([] {
    int data[8] = {};
    weave::Thread lo([&] {
      weave::note_write(&data[0], 4 * sizeof(int));
      for (int i = 0; i < 4; ++i) data[i] = i;
    });
    weave::Thread hi([&] {
      weave::note_write(&data[4], 4 * sizeof(int));
      for (int i = 4; i < 8; ++i) data[i] = i;
    });
    lo.start();
    hi.start();
    lo.join();
    hi.join();
    weave::note_read(data, sizeof data);  // after both joins
  });
}

TEST_CASE("DataRace: adjacent annotated ranges do not race", "[checker][race][memory]") {
  require_clean([] {
    unsigned char bytes[16] = {};
    weave::Thread t([&] { weave::note_write(&bytes[0], 8); });  // [0, 8)
    t.start();
    weave::note_write(&bytes[8], 8);  // [8, 16)
    t.join();
  });
}

TEST_CASE("DataRace: annotated memory guarded by a Lock is clean, unguarded it races",
          "[checker][race][memory]") {
  auto program = [](bool guarded) {
    return [guarded] {
      long slots[2] = {};
      weave::Lock l{"slots"};
      auto touch = [&] {
        if (guarded) l.acquire();
        weave::note_read(slots, sizeof slots);
        weave::note_write(slots, sizeof slots);
        slots[0] += 1;
        if (guarded) l.release();
      };
      weave::Thread t(touch);
      t.start();
      touch();
      t.join();
    };
  };
  require_clean(program(true));
  require_race(program(false));
}

// ---------------------------------------------------------------------------------------------
// Happens-before edges: each keeps correct code clean; without it the same program races.

TEST_CASE("HB edge: thread start (parent -> child)", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> config(0, "config");
    config.store(42);  // before start
    weave::Thread t([&] { WEAVE_ASSERT(config.load() == 42); });
    t.start();
    t.join();
  });
  require_race([] {
    weave::Shared<int> config(0, "config");
    weave::Thread t([&] { (void)config.load(); });
    t.start();
    config.store(42);  // after start: unordered with the child's read
    t.join();
  });
}

TEST_CASE("HB edge: join (child's exit -> joiner)", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> result(0, "result");
    weave::Thread t([&] { result.store(7); });
    t.start();
    t.join();
    WEAVE_ASSERT(result.load() == 7);
    result.store(8);
  });
  require_race([] {
    weave::Shared<int> result(0, "result");
    weave::Thread t([&] { result.store(7); });
    t.start();
    (void)result.load();  // before join
    t.join();
  });
}

TEST_CASE("HB edge: join with a timeout that saw the thread finish", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> result(0, "result");
    weave::Thread t([&] { result.store(7); });
    t.start();
    // No polling loop: a loop on a timeout can starve the thread under PCT (a Livelock).
    if (!t.join(std::chrono::milliseconds(5))) t.join();
    WEAVE_ASSERT(result.load() == 7);
  });
}

TEST_CASE("HB edge: Lock release -> next acquire", "[checker][race][hb]") {
  auto program = [](bool locked) {
    return [locked] {
      weave::Shared<int> counter(0, "counter");
      weave::Lock l{"counter_lock"};
      auto inc = [&] {
        if (locked) l.acquire();
        counter += 1;
        if (locked) l.release();
      };
      weave::Thread t1(inc), t2(inc);
      t1.start();
      t2.start();
      inc();
      t1.join();
      t2.join();
      WEAVE_ASSERT(counter.load() == 3);
    };
  };
  require_clean(program(true));
  require_race(program(false));
}

TEST_CASE("HB edge: an access after a release is not ordered by it", "[checker][race][hb]") {
  // Only the schedules where `late` releases first race: found among them, not in all.
  require_race([] {
    weave::Shared<int> x(0, "x");
    weave::Lock l{"l"};
    weave::Thread late([&] {
      l.acquire();
      l.release();
      x.store(1);  // after the release
    });
    late.start();
    l.acquire();
    (void)x.load();
    l.release();
    late.join();
  });
}

TEST_CASE("HB edge: happens-before is transitive across threads", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> x(0, "x");
    weave::Event first{"first"}, second{"second"};
    weave::Thread a([&] {
      x.store(1);
      first.set();
    });
    weave::Thread b([&] {
      first.wait();
      second.set();  // b itself never touches x
    });
    a.start();
    b.start();
    second.wait();
    WEAVE_ASSERT(x.load() == 1);  // a -> b -> MainThread
    a.join();
    b.join();
  });
}

TEST_CASE("HB edge: different locks do not order accesses", "[checker][race][hb]") {
  require_race([] {
    weave::Shared<int> x(0, "x");
    weave::Lock a{"a"}, b{"b"};
    weave::Thread t([&] {
      std::lock_guard g(a);
      x.store(1);
    });
    t.start();
    {
      std::lock_guard g(b);
      x.store(2);
    }
    t.join();
  });
}

TEST_CASE("HB edge: Lock via std::lock_guard and try_acquire", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> x(0, "x");
    weave::Lock l{"l"};
    weave::Thread t([&] {
      std::lock_guard g(l);
      x += 1;
    });
    t.start();
    if (l.try_acquire()) {
      x += 1;
      l.release();
    } else {
      std::lock_guard g(l);
      x += 1;
    }
    t.join();
  });
}

TEST_CASE("HB edge: RLock release -> next acquire (reentrant)", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> x(0, "x");
    weave::RLock r{"r"};
    auto work = [&] {
      std::lock_guard outer(r);
      {
        std::lock_guard inner(r);
        x += 1;
      }
      x += 1;  // still held once
    };
    weave::Thread t(work);
    t.start();
    work();
    t.join();
    WEAVE_ASSERT(x.load() == 4);
  });
}

TEST_CASE("HB edge: Condition notify -> woken waiter, and through its lock",
          "[checker][race][hb]") {
  require_clean([] {
    weave::Lock l{"l"};
    weave::Condition cv{l, "cv"};
    weave::Shared<int> payload(0, "payload");
    weave::Shared<bool> ready(false, "ready");
    weave::Thread producer([&] {
      payload.store(42);  // outside the lock, before the notify
      std::lock_guard g(cv);
      ready.store(true);
      cv.notify();
    });
    producer.start();
    {
      std::lock_guard g(cv);
      cv.wait_for([&] { return ready.load(); });
    }
    WEAVE_ASSERT(payload.load() == 42);  // outside the lock, after the wait
    producer.join();
  });
}

TEST_CASE("HB edge: Condition with its own RLock and notify_all", "[checker][race][hb]") {
  require_clean([] {
    weave::Condition cv{"cv"};
    weave::Shared<int> go(0, "go");
    weave::Shared<int> seen(0, "seen");
    auto waiter = [&] {
      std::lock_guard g(cv);
      cv.wait_for([&] { return go.load() == 1; });
      seen += 1;
    };
    weave::Thread w1(waiter), w2(waiter);
    w1.start();
    w2.start();
    {
      std::lock_guard g(cv);
      go.store(1);
      cv.notify_all();
    }
    w1.join();
    w2.join();
    WEAVE_ASSERT(seen.load() == 2);
  });
}

TEST_CASE("HB edge: Semaphore release -> acquire", "[checker][race][hb]") {
  require_clean([] {
    weave::Semaphore done(0, "done");
    weave::Shared<int> payload(0, "payload");
    weave::Thread t([&] {
      payload.store(5);
      done.release();
    });
    t.start();
    done.acquire();
    WEAVE_ASSERT(payload.load() == 5);
    t.join();
  });
  require_clean([] {  // a Semaphore(1) used as a mutex
    weave::Semaphore mutex(1, "mutex");
    weave::Shared<int> x(0, "x");
    auto inc = [&] {
      mutex.acquire();
      x += 1;
      mutex.release();
    };
    weave::Thread t(inc);
    t.start();
    inc();
    t.join();
  });
  require_race([] {
    weave::Semaphore done(0, "done");
    weave::Shared<int> payload(0, "payload");
    weave::Thread t([&] {
      done.release();
      payload.store(5);  // after the release
    });
    t.start();
    done.acquire();
    (void)payload.load();
    t.join();
  });
}

TEST_CASE("HB edge: BoundedSemaphore release -> acquire", "[checker][race][hb]") {
  require_clean([] {
    weave::BoundedSemaphore slots(1, "slots");
    weave::Shared<int> x(0, "x");
    auto inc = [&] {
      slots.acquire();
      x += 1;
      slots.release();
    };
    weave::Thread t1(inc), t2(inc);
    t1.start();
    t2.start();
    inc();
    t1.join();
    t2.join();
    WEAVE_ASSERT(x.load() == 3);
  });
}

TEST_CASE("HB edge: Event set -> wait return", "[checker][race][hb]") {
  require_clean([] {
    weave::Event ready{"ready"};
    weave::Shared<int> payload(0, "payload");
    weave::Thread t([&] {
      payload.store(9);
      ready.set();
    });
    t.start();
    ready.wait();
    WEAVE_ASSERT(payload.load() == 9);
    t.join();
  });
  require_clean([] {  // is_set() seeing the set also orders
    weave::Event ready{"ready"};
    weave::Shared<int> payload(0, "payload");
    weave::Thread t([&] {
      payload.store(9);
      ready.set();
    });
    t.start();
    if (ready.is_set()) WEAVE_ASSERT(payload.load() == 9);
    t.join();
  });
  require_race([] {
    weave::Event ready{"ready"};
    weave::Shared<int> payload(0, "payload");
    weave::Thread t([&] {
      ready.set();
      payload.store(9);  // after the set
    });
    t.start();
    ready.wait();
    (void)payload.load();
    t.join();
  });
}

TEST_CASE("HB edge: Barrier (all arrivals -> all departures)", "[checker][race][hb]") {
  auto program = [](bool with_barrier) {
    return [with_barrier] {
      constexpr int kParties = 3;
      std::array<weave::Shared<int>, kParties> slots;
      weave::Barrier barrier(kParties, {}, "barrier");
      auto party = [&](int me) {
        slots[me].store(me + 1);
        if (with_barrier) barrier.wait();
        int sum = 0;
        for (auto& s : slots) sum += s.load();
        if (with_barrier) WEAVE_ASSERT(sum == 6);
      };
      weave::Thread t1(party, 1), t2(party, 2);
      t1.start();
      t2.start();
      party(0);
      t1.join();
      t2.join();
    };
  };
  require_clean(program(true));
  require_race(program(false));
}

TEST_CASE("HB edge: Barrier action runs after all arrivals", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> a(0, "a"), b(0, "b"), sum(0, "sum");
    weave::Barrier barrier(
        2, [&] { sum.store(a.load() + b.load()); }, "barrier");
    weave::Thread t([&] {
      b.store(2);
      barrier.wait();
      WEAVE_ASSERT(sum.load() == 3);
    });
    t.start();
    a.store(1);
    barrier.wait();
    WEAVE_ASSERT(sum.load() == 3);
    t.join();
  });
}

TEST_CASE("HB edge: Queue put -> the get of that item", "[checker][race][hb]") {
  require_clean([] {
    weave::Queue<int> q(0, "q");
    weave::Shared<int> payload(0, "payload");
    weave::Thread producer([&] {
      payload.store(11);
      q.put(1);
    });
    producer.start();
    WEAVE_ASSERT(q.get() == 1);
    WEAVE_ASSERT(payload.load() == 11);
    producer.join();
  });
  require_clean([] {  // a bounded queue, several items, each with its own payload
    weave::Queue<int> q(1, "q");
    std::array<weave::Shared<int>, 3> payload;
    weave::Thread producer([&] {
      for (int i = 0; i < 3; ++i) {
        payload[i].store(i * 10);
        q.put(i);
      }
    });
    producer.start();
    for (int i = 0; i < 3; ++i) {
      const int k = q.get();
      WEAVE_ASSERT(payload[k].load() == k * 10);
    }
    producer.join();
  });
  require_race([] {
    weave::Queue<int> q(0, "q");
    weave::Shared<int> payload(0, "payload");
    weave::Thread producer([&] {
      q.put(1);
      payload.store(11);  // after the put
    });
    producer.start();
    (void)q.get();
    (void)payload.load();
    producer.join();
  });
}

TEST_CASE("HB edge: Queue task_done -> join", "[checker][race][hb]") {
  auto program = [](bool write_before_task_done) {
    return [write_before_task_done] {
      weave::Queue<int> q(0, "jobs");
      weave::Shared<int> result(0, "result");
      weave::Thread worker([&] {
        const int job = q.get();
        if (write_before_task_done) result.store(job * 2);
        q.task_done();
        if (!write_before_task_done) result.store(job * 2);
      });
      worker.start();
      q.put(21);
      q.join();
      (void)result.load();
      worker.join();
    };
  };
  require_clean(program(true));
  require_race(program(false));
}

TEST_CASE("HB edge: executor submit -> task start", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> input(0, "input");
    weave::ThreadPoolExecutor pool(2, "pool");
    input.store(20);  // before submit
    auto f = pool.submit([&] { return input.load() + 1; });
    WEAVE_ASSERT(f.result() == 21);
  });
  require_race([] {
    weave::Shared<int> input(0, "input");
    weave::ThreadPoolExecutor pool(2, "pool");
    auto f = pool.submit([&] { return input.load() + 1; });
    input.store(20);  // after submit
    (void)f.result();
  });
}

TEST_CASE("HB edge: task end -> result()", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> output(0, "output");
    weave::ThreadPoolExecutor pool(2, "pool");
    auto f = pool.submit([&] { output.store(33); });
    f.result();
    WEAVE_ASSERT(output.load() == 33);
  });
  require_clean([] {  // exception() and a true done() order too
    weave::Shared<int> output(0, "output");
    weave::ThreadPoolExecutor pool(1, "pool");
    auto f = pool.submit([&] { output.store(33); });
    (void)f.exception();
    WEAVE_ASSERT(output.load() == 33);
    auto g = pool.submit([&] { output.store(34); });
    if (g.done()) WEAVE_ASSERT(output.load() == 34);
    g.result();
  });
  require_clean([] {  // map() returns after every call
    weave::Shared<int> a(0, "a"), b(0, "b");
    weave::ThreadPoolExecutor pool(2, "pool");
    std::array<int, 2> which{0, 1};
    pool.map([&](int i) { (i == 0 ? a : b).store(i + 1); }, which);
    WEAVE_ASSERT(a.load() + b.load() == 3);
  });
  require_race([] {
    weave::Shared<int> output(0, "output");
    weave::ThreadPoolExecutor pool(2, "pool");
    auto f = pool.submit([&] { output.store(33); });
    (void)output.load();  // before result()
    f.result();
  });
}

TEST_CASE("HB edge: task end -> done callbacks", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> output(0, "output");
    weave::Shared<int> seen(0, "seen");
    weave::Event called{"called"};
    {
      weave::ThreadPoolExecutor pool(2, "pool");
      auto f = pool.submit([&] { output.store(5); });
      f.add_done_callback([&](weave::Future<void>) {
        seen.store(output.load());
        called.set();
      });
      called.wait();
    }
    WEAVE_ASSERT(seen.load() == 5);
  });
}

TEST_CASE("HB edge: executor shutdown(wait) -> after", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> output(0, "output");
    weave::ThreadPoolExecutor pool(2, "pool");
    (void)pool.submit([&] { output.store(1); });
    pool.shutdown(true);
    WEAVE_ASSERT(output.load() == 1);
  });
}

TEST_CASE("HB edge: Timer (start -> function, function end -> join)", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> x(0, "x");
    x.store(1);  // before start
    weave::Timer timer(std::chrono::milliseconds(10), [&] {
      WEAVE_ASSERT(x.load() == 1);
      x.store(2);
    });
    timer.start();
    timer.join();
    WEAVE_ASSERT(x.load() == 2);  // after join
  });
  require_clean([] {  // a cancelled timer
    weave::Shared<int> x(0, "x");
    weave::Timer timer(std::chrono::milliseconds(10), [&] { x.store(2); });
    timer.start();
    timer.cancel();
    timer.join();
    (void)x.load();
  });
  require_race([] {
    weave::Shared<int> x(0, "x");
    weave::Timer timer(std::chrono::milliseconds(10), [&] { x.store(2); });
    timer.start();
    (void)x.load();  // before join
    timer.join();
  });
}

TEST_CASE("HB edge: Atomic operations synchronise (message passing)", "[checker][race][hb]") {
  require_clean([] {
    weave::Shared<int> payload(0, "payload");
    weave::Atomic<bool> ready(false, "ready");
    weave::Thread producer([&] {
      payload.store(99);
      ready.store(true);
    });
    producer.start();
    if (ready.load()) WEAVE_ASSERT(payload.load() == 99);
    producer.join();
  });
  require_clean([] {  // a read-modify-write on the flag, then the payload
    weave::Shared<int> payload(0, "payload");
    weave::Atomic<int> ready(0, "ready");
    weave::Thread producer([&] {
      payload.store(99);
      ready.fetch_add(1);
    });
    producer.start();
    int expected = 1;
    if (ready.compare_exchange_strong(expected, 2)) WEAVE_ASSERT(payload.load() == 99);
    producer.join();
  });
  require_race([] {  // the same with a plain Shared flag races
    weave::Shared<int> payload(0, "payload");
    weave::Shared<bool> ready(false, "ready");
    weave::Thread producer([&] {
      payload.store(99);
      ready.store(true);
    });
    producer.start();
    if (ready.load()) (void)payload.load();
    producer.join();
  });
}

TEST_CASE("Atomic operations never race", "[checker][race]") {
  require_clean([] {
    weave::Atomic<int> hits(0, "hits");
    auto work = [&] {
      hits.fetch_add(1);
      ++hits;
      int expected = hits.load();
      (void)hits.compare_exchange_strong(expected, expected + 1);
      (void)hits.exchange(hits.load());
      hits.store(hits.load());
    };
    weave::Thread t1(work), t2(work);
    t1.start();
    t2.start();
    work();
    t1.join();
    t2.join();
  });
}

// ---------------------------------------------------------------------------------------------
// Teardown: a race is found at once, wherever the other threads are parked.

TEST_CASE("DataRace: found while another thread is inside a std::lock_guard's release",
          "[checker][race][teardown]") {
  // Over many seeds, some schedule parks `t` at the release in its guard's destructor when
  // MainThread's access completes the race. Tearing the execution down must not throw out of
  // that (noexcept) destructor.
  auto body = [] {
    weave::Shared<int> x(0, "x");
    weave::Lock a{"a"}, b{"b"};
    weave::Thread t([&] {
      std::lock_guard g(a);
      x.store(1);
    });
    t.start();
    {
      std::lock_guard g(b);
      x.store(2);
    }
    t.join();
  };
  for (auto s : kStrategies) {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
      INFO("seed " << seed);
      REQUIRE_THAT(weave::check(body, cfg(s, 1, seed)), FindsBug(BugKind::DataRace));
    }
  }
}
