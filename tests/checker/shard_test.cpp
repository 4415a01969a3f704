// WEAVE_SHARD / Config::shard_index+shard_count: n processes split one search into disjoint parts
// that together cover exactly what one process covers.
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

#include "test_again.hpp"

using namespace weave;

namespace {

// A lost update (races reported off, so every schedule runs to its end) with a lock besides.
void body() {
  Shared<int> x(0, "x");
  Lock m("m");
  Thread a([&] {
    x = x + 1;
    std::lock_guard g(m);
  });
  Thread b([&] {
    std::lock_guard g(m);
    x = x + 1;
  });
  a.start();
  b.start();
  a.join();
  b.join();
}

struct Explored {
  std::multiset<std::string> schedules;
  Result result;
};

Explored explore(Strategy s, std::uint64_t index, std::uint64_t count) {
  Explored e;
  Config c;
  c.strategy = s;
  c.seed = 99;
  c.iterations = s == Strategy::DFS || s == Strategy::DPOR ? 1'000'000 : 300;
  c.detect_races = false;
  c.stop_on_first_bug = false;
  c.shard_index = index;
  c.shard_count = count;
  c.on_schedule = [&](std::string_view schedule, bool) { e.schedules.emplace(schedule); };
  start_test_again();  // each part runs as its own process would
  e.result = check(body, c);
  return e;
}

}  // namespace

TEST_CASE("The shards of a search are disjoint and together are the whole search", "[shard]") {
  for (Strategy s : {Strategy::Random, Strategy::PCT, Strategy::POS, Strategy::DFS}) {
    const Explored whole = explore(s, 0, 1);
    for (std::uint64_t n : {2u, 3u, 5u}) {
      INFO(to_string(s) << " in " << n << " shards");
      std::multiset<std::string> joined;
      std::uint64_t schedules = 0;
      for (std::uint64_t i = 0; i < n; ++i) {
        const Explored part = explore(s, i, n);
        CHECK(part.result.schedules == part.schedules.size());
        CHECK(part.result.schedules > 0);
        schedules += part.result.schedules;
        joined.insert(part.schedules.begin(), part.schedules.end());
        if (s == Strategy::DFS) {
          // Disjoint: no schedule of this shard is in another one.
          for (const auto& sch : part.schedules) CHECK(part.schedules.count(sch) == 1);
          CHECK(part.result.exhausted);
        }
      }
      CHECK(schedules == whole.result.schedules);
      CHECK(joined == whole.schedules);
    }
  }
}

TEST_CASE("DPOR shards are disjoint and reach every outcome of the whole search", "[shard]") {
  const Explored whole = explore(Strategy::DPOR, 0, 1);
  REQUIRE(whole.result.exhausted);
  for (std::uint64_t n : {2u, 4u}) {
    INFO("dpor in " << n << " shards");
    std::multiset<std::string> joined;
    for (std::uint64_t i = 0; i < n; ++i) {
      const Explored part = explore(Strategy::DPOR, i, n);
      CHECK(part.result.exhausted);
      for (const auto& sch : part.schedules) CHECK(joined.count(sch) == 0);
      joined.insert(part.schedules.begin(), part.schedules.end());
    }
    // Each shard explores the first decisions in full, so the union holds at least one schedule
    // for every order of dependent operations the whole search explores: every final trace hash
    // the whole search ends with is reached (the hash is the token's third field).
    const auto hashes = [](const std::multiset<std::string>& all) {
      std::set<std::string> out;
      for (const auto& t : all) out.insert(t.substr(0, t.find(':', t.find(':', 7) + 1)));
      return out;
    };
    const auto whole_hashes = hashes(whole.schedules);
    const auto joined_hashes = hashes(joined);
    for (const auto& h : whole_hashes) CHECK(joined_hashes.count(h) == 1);
  }
}

TEST_CASE("WEAVE_SHARD is read by check() and a bad one is refused clearly", "[shard]") {
  Config c;
  c.strategy = Strategy::Random;
  c.seed = 5;
  c.iterations = 10;
  c.detect_races = false;
  ::setenv("WEAVE_SHARD", "1/2", 1);
  const Result r = check(body, c);
  CHECK(r.schedules == 5);
  CHECK_THAT(r.coverage, Catch::Contains("shard 1/2"));
  for (const char* bad : {"2/2", "x/2", "1/0", "1", "/2", "1/", "-1/2", "1/2/3"}) {
    INFO(bad);
    ::setenv("WEAVE_SHARD", bad, 1);
    CHECK_THROWS_WITH(check(body, c), Catch::Contains("WEAVE_SHARD=") && Catch::Contains("i/n"));
  }
  ::unsetenv("WEAVE_SHARD");
  c.shard_index = 3;
  c.shard_count = 2;
  CHECK_THROWS_AS(check(body, c), UsageError);
}
