// The interned held-lock stacks of the lock-order graph (weave/detail/held_sets.hpp) and one
// thread's held locks (weave/detail/held_locks.hpp), against plain vectors and std::set: random
// stacks with a fixed seed, every answer compared.
#include "weave/detail/held_sets.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <source_location>
#include <vector>

#include "weave/detail/held_locks.hpp"

using weave::detail::HeldLocks;
using weave::detail::HeldSets;
using Key = HeldSets::Key;
using Stack = std::vector<Key>;

namespace {

HeldSets::Id push_all(HeldSets& sets, const Stack& keys) {
  HeldSets::Id s = HeldSets::kEmpty;
  for (Key k : keys) s = sets.push(s, {k, "f.cpp", static_cast<std::uint32_t>(k), false});
  return s;
}

Stack keys_of(const HeldSets& sets, HeldSets::Id s) {
  Stack out;
  for (; s != HeldSets::kEmpty; s = sets.below(s)) out.push_back(sets.top(s).key);
  std::reverse(out.begin(), out.end());
  return out;
}

// A stack of distinct keys out of 1..universe, sharing a random prefix with `base`.
Stack random_stack(std::mt19937& rng, const Stack& base, Key universe) {
  Stack s(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(rng() % (base.size() + 1)));
  const std::size_t more = rng() % 6;
  for (std::size_t i = 0; i < more; ++i) {
    const Key k = 1 + rng() % universe;
    if (std::find(s.begin(), s.end(), k) == s.end()) s.push_back(k);
  }
  return s;
}

std::set<Key> without(const Stack& s, std::uint32_t depth) {
  std::set<Key> out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i + 1 != depth) out.insert(s[i]);
  }
  return out;
}

std::set<Key> set_of(const HeldSets& sets, const HeldSets::Set& s) {
  std::set<Key> out(s.extra.begin(), s.extra.end());
  const Stack keys = keys_of(sets, s.stack);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!std::binary_search(s.excluded.begin(), s.excluded.end(), i + 1)) out.insert(keys[i]);
  }
  return out;
}

bool includes(const std::set<Key>& super, const std::set<Key>& sub) {
  return std::includes(super.begin(), super.end(), sub.begin(), sub.end());
}

}  // namespace

TEST_CASE("HeldSets: equal stacks are one node; prefixes and common prefixes", "[lockdep][held]") {
  HeldSets sets;
  std::mt19937 rng(7);
  std::vector<Stack> stacks{{}};
  std::vector<HeldSets::Id> ids{HeldSets::kEmpty};
  for (int i = 0; i < 300; ++i) {
    stacks.push_back(random_stack(rng, stacks[rng() % stacks.size()], 12));
    ids.push_back(push_all(sets, stacks.back()));
    sets.ref(ids.back());
  }
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    REQUIRE(keys_of(sets, ids[i]) == stacks[i]);
    REQUIRE(sets.depth(ids[i]) == stacks[i].size());
    for (std::size_t j = 0; j < stacks.size(); ++j) {
      CHECK((ids[i] == ids[j]) == (stacks[i] == stacks[j]));
      const auto diverge =
          std::mismatch(stacks[i].begin(), stacks[i].end(), stacks[j].begin(), stacks[j].end());
      const Stack common(stacks[i].begin(), diverge.first);
      CHECK(keys_of(sets, sets.common_prefix(ids[i], ids[j])) == common);
    }
    for (std::uint32_t d = 0; d <= stacks[i].size(); ++d) {
      CHECK(keys_of(sets, sets.prefix(ids[i], d)) ==
            Stack(stacks[i].begin(), stacks[i].begin() + d));
    }
    for (Key k = 1; k <= 12; ++k) {
      const auto at = std::find(stacks[i].begin(), stacks[i].end(), k);
      CHECK(sets.depth_of(ids[i], k) ==
            (at == stacks[i].end() ? 0 : static_cast<std::uint32_t>(at - stacks[i].begin() + 1)));
    }
  }
  // A deep stack: one node per push, and climbs that stay logarithmic still find every prefix.
  Stack deep;
  for (Key k = 1; k <= 5000; ++k) deep.push_back(100 + k);
  const std::size_t before = sets.size();
  const HeldSets::Id d = push_all(sets, deep);
  CHECK(sets.size() == before + 5000);
  CHECK(sets.top(sets.prefix(d, 1234)).key == 100 + 1234);
  CHECK(sets.common_prefix(d, push_all(sets, Stack(deep.begin(), deep.begin() + 777))) ==
        sets.prefix(d, 777));
}

TEST_CASE("HeldSets: intersections and subsets of guard sets", "[lockdep][held]") {
  HeldSets sets;
  std::mt19937 rng(11);
  std::vector<Stack> stacks{{1, 2, 3}};
  std::vector<HeldSets::Id> ids{push_all(sets, stacks[0])};
  for (int i = 0; i < 120; ++i) {
    Stack s = random_stack(rng, stacks[rng() % stacks.size()], 10);
    if (s.empty()) continue;
    stacks.push_back(s);
    ids.push_back(push_all(sets, s));
  }
  const auto guards = [&](std::size_t i, std::uint32_t d) { return HeldSets::Guards{ids[i], d}; };
  for (int round = 0; round < 3000; ++round) {
    const std::size_t i = rng() % stacks.size(), j = rng() % stacks.size();
    const auto di = static_cast<std::uint32_t>(1 + rng() % stacks[i].size());
    const auto dj = static_cast<std::uint32_t>(1 + rng() % stacks[j].size());
    const std::set<Key> a = without(stacks[i], di), b = without(stacks[j], dj);
    INFO("round " << round);
    CHECK(sets.is_subset(guards(i, di), guards(j, dj)) == includes(b, a));
    // A chain of intersections, as a cycle search makes them.
    HeldSets::Set common = HeldSets::as_set(guards(i, di));
    std::set<Key> expected = a;
    for (int step = 0; step < 4; ++step) {
      const std::size_t k = rng() % stacks.size();
      const auto dk = static_cast<std::uint32_t>(1 + rng() % stacks[k].size());
      HeldSets::Set next = sets.intersect(common, guards(k, dk));
      std::set<Key> next_expected;
      const std::set<Key> other = without(stacks[k], dk);
      std::set_intersection(expected.begin(), expected.end(), other.begin(), other.end(),
                            std::inserter(next_expected, next_expected.end()));
      REQUIRE(set_of(sets, next) == next_expected);
      CHECK(sets.empty(next) == next_expected.empty());
      CHECK(sets.is_subset(next, common));
      CHECK(sets.is_subset(common, next) == (next_expected == expected));
      common = std::move(next);
      expected = std::move(next_expected);
    }
  }
}

TEST_CASE("HeldSets: unreferenced stacks are freed in batches; stamps tell", "[lockdep][held]") {
  HeldSets sets;
  Stack deep;
  for (Key k = 1; k <= 2000; ++k) deep.push_back(k);
  const HeldSets::Id few = push_all(sets, Stack(deep.begin(), deep.begin() + 10));
  const std::uint64_t few_stamp = sets.stamp(few);
  sets.collect();
  CHECK(sets.size() == 11);  // too few to be worth a pass
  CHECK(sets.alive(few, few_stamp));
  const HeldSets::Id temp = push_all(sets, deep);
  const std::uint64_t stamp = sets.stamp(temp);
  CHECK(sets.alive(temp, stamp));
  sets.collect();
  CHECK(sets.size() == 1);  // only the empty stack is left: nothing referred to the others
  CHECK_FALSE(sets.alive(temp, stamp));
  CHECK_FALSE(sets.alive(few, few_stamp));
  // Ids are reused, stamps are not.
  const HeldSets::Id again = push_all(sets, deep);
  CHECK_FALSE(sets.alive(temp, stamp));
  CHECK(sets.alive(again, sets.stamp(again)));
}

TEST_CASE("HeldSets: referenced stacks and their prefixes stay", "[lockdep][held]") {
  HeldSets sets;
  Stack deep;
  for (Key k = 1; k <= 2000; ++k) deep.push_back(k);
  const HeldSets::Id kept = push_all(sets, Stack(deep.begin(), deep.begin() + 10));
  sets.ref(kept);
  const HeldSets::Id temp = push_all(sets, deep);
  sets.collect();
  CHECK(sets.size() == 11);
  CHECK(keys_of(sets, kept) == Stack(deep.begin(), deep.begin() + 10));
  CHECK(push_all(sets, Stack(deep.begin(), deep.begin() + 10)) == kept);
  CHECK(sets.depth(push_all(sets, deep)) == 2000);
  (void)temp;
  sets.unref(kept);
  for (Key k = 5000; k < 5600; ++k) sets.push(kept, {k, "", 0, false});
  sets.collect();
  CHECK(sets.size() == 1);
}

TEST_CASE("HeldSets: skip_gone climbs past gone locks and remembers the climb", "[lockdep][held]") {
  HeldSets sets;
  Stack deep;
  for (Key k = 1; k <= 3000; ++k) deep.push_back(k);
  const HeldSets::Id s = push_all(sets, deep);
  sets.ref(s);
  std::set<Key> gone;
  std::size_t asked = 0;
  const auto is_gone = [&](Key k) {
    ++asked;
    return gone.count(k) != 0;
  };
  CHECK(sets.skip_gone(s, is_gone) == s);
  // Gone from the top down: each climb starts where the last one ended.
  for (Key k = 3000; k >= 1501; --k) {
    gone.insert(k);
    REQUIRE(sets.depth(sets.skip_gone(s, is_gone)) == k - 1);
  }
  CHECK(asked < 3 * 1500);  // not 1500 * 1500 / 2
  // Gone from the bottom up, each asked from just above it (as a destroyed lock asks what is
  // below it): the climbs below were remembered.
  asked = 0;
  for (Key k = 1; k <= 1500; ++k) {
    gone.insert(k);
    REQUIRE(sets.skip_gone(sets.prefix(s, static_cast<std::uint32_t>(k)), is_gone) ==
            HeldSets::kEmpty);
  }
  CHECK(asked < 3 * 1500);
  CHECK(sets.skip_gone(s, is_gone) == HeldSets::kEmpty);
}

namespace {
struct Locks {
  std::vector<std::unique_ptr<weave::detail::Object>> objects;
  const weave::detail::Object& operator[](Key k) {
    while (objects.size() <= k) {
      objects.push_back(std::make_unique<weave::detail::Object>(weave::detail::ObjectKind::Lock, "",
                                                                std::source_location::current()));
    }
    return *objects[k];
  }
};

struct Source {
  Key key;
  bool try_only;
  std::uint32_t depth;
  bool operator==(const Source&) const = default;
};

std::vector<Source> sources(const HeldLocks& held) {
  std::vector<Source> out;
  held.for_each_source(
      [&](const weave::detail::Object&, const HeldSets::Entry& e, std::uint32_t depth) {
        out.push_back({e.key, e.try_only, depth});
      });
  return out;
}
}  // namespace

TEST_CASE("HeldLocks: removal in any order, sources and stacks as a plain vector says",
          "[lockdep][held]") {
  Locks locks;
  HeldSets sets;
  HeldLocks held;
  std::vector<std::pair<Key, bool>> model;  // key, try_only, in acquisition order
  std::mt19937 rng(3);
  Key next = 1;
  for (int step = 0; step < 6000; ++step) {
    INFO("step " << step);
    const unsigned what = rng() % 10;
    if (what < 5 || model.empty()) {
      const bool try_only = rng() % 4 == 0;
      held.push(locks[next], next, "f.cpp", 1, try_only);
      model.emplace_back(next++, try_only);
    } else if (what < 9) {
      // First, last or anywhere.
      const std::size_t i = what == 5 ? 0 : what == 6 ? model.size() - 1 : rng() % model.size();
      REQUIRE(held.remove(model[i].first));
      model.erase(model.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      CHECK_FALSE(held.remove(next + 1000));
    }
    REQUIRE(held.size() == model.size());
    std::vector<Source> expected;
    for (std::size_t i = model.size(); i-- > 0;) {
      expected.push_back({model[i].first, model[i].second, static_cast<std::uint32_t>(i + 1)});
      if (!model[i].second) break;
    }
    REQUIRE(sources(held) == expected);
    if (step % 7 == 0) {
      Stack keys;
      for (const auto& [k, t] : model) keys.push_back(k);
      REQUIRE(keys_of(sets, held.stack(sets)) == keys);
    }
    if (step % 1000 == 999) sets.collect();  // stacks the cache names may go
  }
}

TEST_CASE("HeldLocks: thousands held, released first-in first-out", "[lockdep][held]") {
  Locks locks;
  HeldSets sets;
  HeldLocks held;
  for (Key k = 1; k <= 10000; ++k) {
    held.push(locks[k], k, "f.cpp", static_cast<std::uint32_t>(k), false);
    CHECK(sets.depth(held.stack(sets)) == k);
  }
  for (Key k = 1; k <= 10000; ++k) REQUIRE(held.remove(k));
  CHECK(held.empty());
  CHECK_FALSE(held.remove(1));
}

TEST_CASE("HeldLocks: a key held twice is removed twice", "[lockdep][held]") {
  // Not by a correct program (a lock is held once), but a lock released while checking was off
  // can be taken again: the older hold stays until it is removed too.
  Locks locks;
  HeldLocks held;
  held.push(locks[1], 1, "f.cpp", 1, false);
  held.push(locks[2], 2, "f.cpp", 2, false);
  held.push(locks[1], 1, "f.cpp", 3, false);
  CHECK(held.remove(1));
  CHECK(sources(held) == std::vector<Source>{{2, false, 2}});
  CHECK(held.remove(1));
  CHECK(held.size() == 1);
  CHECK_FALSE(held.remove(1));
}
