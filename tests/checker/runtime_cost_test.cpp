// Steady-state steps allocate nothing, and holding many locks costs allocations linear in their
// number (a fiber stack overflow's report: crash_test.cpp).
#include <atomic>
#include <cstdlib>
#include <deque>
#include <functional>
#include <new>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

#if !defined(__SANITIZE_ADDRESS__)
#define WEAVE_COUNT_ALLOCATIONS 1
// Counting replacements of the global allocation functions (for this test binary only; not
// under AddressSanitizer, which has its own).
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {
// Allocations of a check of `body` that explores `schedules` schedules and finds no bug.
std::uint64_t allocations_checking(std::uint64_t schedules, std::function<void()> body) {
  weave::Config c;
  c.seed = 9;
  c.iterations = schedules;
  const std::uint64_t before = g_allocations.load();
  auto r = weave::check(std::move(body), c);
  REQUIRE(r.ok());
  return g_allocations.load() - before;
}

std::uint64_t allocations_for(int steps_per_thread) {
  return allocations_checking(40, [steps_per_thread] {
    weave::Lock l;
    weave::Shared<int> x{0};
    weave::Thread t([&] {
      for (int i = 0; i < steps_per_thread; ++i) {
        l.acquire();
        x += 1;
        l.release();
      }
    });
    t.start();
    for (int i = 0; i < steps_per_thread; ++i) {
      l.acquire();
      x += 1;
      l.release();
    }
    t.join();
  });
}

// One thread takes `n` Locks in order, then lets them go, in each of 5 schedules.
std::uint64_t allocations_holding(int n) {
  return allocations_checking(5, [n] {
    std::deque<weave::Lock> locks(static_cast<std::size_t>(n));
    weave::Thread t([&] {
      for (auto& l : locks) l.acquire();
      for (auto l = locks.rbegin(); l != locks.rend(); ++l) l->release();
    });
    t.start();
    t.join();
  });
}
}  // namespace

TEST_CASE("Steps allocate nothing in the steady state", "[checker][cost]") {
#if !defined(WEAVE_COUNT_ALLOCATIONS)
  WARN("allocation counting is off under AddressSanitizer; this test checks nothing here");
  return;
#endif
  const std::uint64_t short_runs = allocations_for(20);
  const std::uint64_t long_runs = allocations_for(400);
  // 40 schedules x 380 more iterations x 2 threads x 4 steps: 121,600 more steps. Only the
  // first schedule's trace buffer may grow a few more times.
  INFO("short: " << short_runs << " allocations, long: " << long_runs);
  CHECK(long_runs < short_runs + 40);
}

TEST_CASE("Holding many locks at once costs allocations linear in their number",
          "[checker][cost][lock-order]") {
#if !defined(WEAVE_COUNT_ALLOCATIONS)
  WARN("allocation counting is off under AddressSanitizer; this test checks nothing here");
  return;
#endif
  // Each lock taken is ordered after the one taken before it only, with the held stack shared:
  // twice the locks, at most twice the allocations (plus what every check costs). An edge from
  // every held lock, with its own guards and strings, made it four times as many.
  const std::uint64_t some = allocations_holding(250);
  const std::uint64_t twice = allocations_holding(500);
  INFO("250 locks: " << some << " allocations, 500 locks: " << twice);
  CHECK(twice < 2 * some + some / 2);
}
