// Compares the checker's strategies on the buggy examples and prints the README's tables:
//   1. DFS vs DPOR: schedules to explore each fixed example completely, and the schedule that
//      first finds each buggy example's bug.
//   2. Random vs PCT vs POS: schedules to the first bug, median over seeds.
//
//   strategy_compare [--quick]     --quick: fewer seeds and lower caps (a smoke run for ctest)
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>
#include <weave/check.hpp>
#include <weave/weave.hpp>

#include "bugs/bugs.hpp"

namespace {

using examples::bugs::Example;

// Two threads updating their own variable three times each: nothing in common but the start.
void independent_threads() {
  std::vector<std::unique_ptr<weave::Shared<int>>> vars;
  for (int i = 0; i < 2; ++i) vars.push_back(std::make_unique<weave::Shared<int>>(0));
  std::vector<std::unique_ptr<weave::Thread>> threads;
  for (int i = 0; i < 2; ++i) {
    threads.push_back(std::make_unique<weave::Thread>([&, i] {
      for (int k = 0; k < 3; ++k) *vars[i] = *vars[i] + 1;
    }));
  }
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
}

weave::Config config(weave::Strategy s, std::uint64_t iterations, const Example* ex) {
  weave::Config c;
  c.strategy = s;
  c.iterations = iterations;
  c.spurious_wakeups = ex != nullptr && ex->spurious_wakeups;
  return c;
}

std::string count(const weave::Result& r, std::uint64_t cap) {
  if (r.bug) return std::to_string(r.bug->found_in);
  if (r.exhausted) return std::to_string(r.schedules);
  return "> " + std::to_string(cap);
}

std::string first_bug(void (*body)(), weave::Strategy s, std::uint64_t cap, const Example& ex) {
  const weave::Result r = weave::check(body, config(s, cap, &ex));
  if (r.bug && r.bug->kind == ex.expected) return std::to_string(r.bug->found_in);
  std::string out = "not found in " + std::to_string(r.schedules);
  // A potential deadlock is reported at the end when no schedule deadlocked.
  if (r.bug) out += std::string(" (") + weave::to_string(r.bug->kind) + " reported)";
  return out;
}

std::string median_to_bug(const Example& ex, weave::Strategy s, int seeds, std::uint64_t cap) {
  std::vector<std::uint64_t> found;
  int missed = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    weave::Config c = config(s, cap, &ex);
    c.seed = static_cast<std::uint64_t>(seed);
    const weave::Result r = weave::check(ex.buggy, c);
    if (r.bug && r.bug->kind == ex.expected) {
      found.push_back(r.bug->found_in);
    } else {
      found.push_back(cap + 1);
      ++missed;
    }
  }
  std::sort(found.begin(), found.end());
  const std::uint64_t median = found[found.size() / 2];
  std::string out = median > cap ? "> " + std::to_string(cap) : std::to_string(median);
  if (missed > 0) out += " (" + std::to_string(missed) + "/" + std::to_string(seeds) + " missed)";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const std::uint64_t cap = quick ? 2000 : 200000;
  const int seeds = quick ? 3 : 25;
  const std::uint64_t sample_cap = quick ? 2000 : 10000;

  std::printf("### DFS vs DPOR (schedules)\n\n");
  std::printf(
      "| program | DFS: all schedules of the fix | DPOR: all schedules of the fix | "
      "DFS: first bug | DPOR: first bug |\n|---|---:|---:|---:|---:|\n");
  {
    const std::uint64_t big = cap * 25;  // this one DFS can finish
    const weave::Result dfs =
        weave::check(independent_threads, config(weave::Strategy::DFS, big, nullptr));
    const weave::Result dpor =
        weave::check(independent_threads, config(weave::Strategy::DPOR, cap, nullptr));
    std::printf("| two independent threads | %s | %s | - | - |\n", count(dfs, big).c_str(),
                count(dpor, cap).c_str());
    std::fflush(stdout);
  }
  for (const Example& ex : examples::bugs::kExamples) {
    const weave::Result dfs = weave::check(ex.fixed, config(weave::Strategy::DFS, cap, &ex));
    const weave::Result dpor = weave::check(ex.fixed, config(weave::Strategy::DPOR, cap, &ex));
    std::printf("| %s | %s | %s | %s | %s |\n", ex.name, count(dfs, cap).c_str(),
                count(dpor, cap).c_str(),
                first_bug(ex.buggy, weave::Strategy::DFS, cap, ex).c_str(),
                first_bug(ex.buggy, weave::Strategy::DPOR, cap, ex).c_str());
    std::fflush(stdout);
  }

  std::printf("\n### Random vs PCT vs POS (schedules to the first bug, median of %d seeds)\n\n",
              seeds);
  std::printf("| example | bug | Random | PCT | POS |\n|---|---|---:|---:|---:|\n");
  for (const Example& ex : examples::bugs::kExamples) {
    std::printf("| %s | %s | %s | %s | %s |\n", ex.name, weave::to_string(ex.expected),
                median_to_bug(ex, weave::Strategy::Random, seeds, sample_cap).c_str(),
                median_to_bug(ex, weave::Strategy::PCT, seeds, sample_cap).c_str(),
                median_to_bug(ex, weave::Strategy::POS, seeds, sample_cap).c_str());
    std::fflush(stdout);
  }
  return 0;
}
