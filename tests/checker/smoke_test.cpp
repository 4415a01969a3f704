#include <weave/catch2.hpp>
#include <weave/weave.hpp>

TEST_CASE("smoke: a correct program has no bug", "[checker]") {
  auto r = weave::check([] {
    weave::Lock l{"l"};
    weave::Shared<int> x{0, "x"};
    weave::Thread t([&] {
      std::lock_guard g(l);
      x = x + 1;
    });
    t.start();
    {
      std::lock_guard g(l);
      x = x + 1;
    }
    t.join();
    WEAVE_ASSERT(x.load() == 2);
  });
  REQUIRE_THAT(r, weave::NoBug());
  REQUIRE(r.schedules == 1000);
}

TEST_CASE("smoke: lock-order deadlock is found", "[checker]") {
  auto r = weave::check([] {
    weave::Lock a{"a"}, b{"b"};
    weave::Thread t([&] {
      std::lock_guard g1(b);
      std::lock_guard g2(a);
    });
    t.start();
    {
      std::lock_guard g1(a);
      std::lock_guard g2(b);
    }
    t.join();
  });
  REQUIRE_THAT(r, weave::FindsBug(weave::BugKind::Deadlock));
  INFO(r.report());
  CHECK(false);
}
