// Steady-state steps allocate nothing (a fiber stack overflow's report: crash_test.cpp).
#include <atomic>
#include <cstdlib>
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
std::uint64_t allocations_for(int steps_per_thread) {
  weave::Config c;
  c.seed = 9;
  c.iterations = 40;
  const std::uint64_t before = g_allocations.load();
  auto r = weave::check(
      [steps_per_thread] {
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
      },
      c);
  REQUIRE(r.ok());
  return g_allocations.load() - before;
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
