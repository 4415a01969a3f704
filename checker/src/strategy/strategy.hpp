#pragma once
// The Strategy interface: everything nondeterministic in a checked execution asks it.
//
// An execution calls new_execution() once, then next_thread() at every scheduling decision with
// more than one candidate, and next_u64() for every other choice (a spurious wakeup ...). A new
// behaviour is a new implementation or a wrapper around one.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "event_log.hpp"
#include "weave/check.hpp"
#include "weave/settings.hpp"

namespace weave::detail {

// A candidate is a thread number, or a thread number with kTimeoutBit: "that thread's timed wait
// times out now".
inline constexpr std::uint32_t kTimeoutBit = 0x8000'0000u;
inline std::uint32_t candidate_thread(std::uint32_t c) noexcept { return c & ~kTimeoutBit; }

// One scheduling decision with more than one option.
struct Decision {
  std::span<const std::uint32_t> candidates;  // at least two: runnable threads, then timeouts
  std::uint32_t current = 0;  // the thread that was running (absent when it blocked or ended)
  std::uint64_t step = 0;     // steps so far
  // The running thread could go on, but asks the others to go first: it yielded (yield(),
  // sleep(0)), or it spins (it repeated one operation while no thread changed anything; see
  // Execution::note_spin). Strategies that would keep running it let the others run instead.
  bool yielded = false;
};

class StrategyImpl {
 public:
  virtual ~StrategyImpl() = default;
  // Starts the next schedule; false when there is nothing left to explore.
  virtual bool new_execution() = 0;
  // Picks one of `d.candidates`; returns its index.
  virtual std::size_t next_thread(const Decision& d) = 0;
  // A number in [0, bound), bound >= 2.
  virtual std::uint64_t next_u64(std::uint64_t bound) = 0;
  // Told once an execution ends, with its length in steps.
  virtual void end_execution(std::uint64_t /*steps*/) {}
  // For a replaying strategy: why it could not follow its schedule ("" when it could).
  virtual std::string divergence() const { return {}; }
  // For a replaying strategy: the number of choices it has not used yet.
  virtual std::size_t unused_choices() const { return 0; }

  // Strategies that reason about dependence ask for the event log; the execution then keeps it
  // up to date at every scheduling decision (closed events, each thread's announced operation).
  virtual bool wants_events() const { return false; }
  virtual void attach(const EventLog* /*log*/) {}
  // Steps over one execution without running it (sharding: it belongs to another process).
  virtual void skip_execution() {}
  // Whether the execution that just ended counts: false when the strategy cut it short as
  // redundant, or when it belongs to another shard.
  virtual bool counts() const { return true; }
  // Whether this strategy learns from its first execution (it must run in every shard).
  virtual bool learns_from_first() const { return false; }
  // What the search covered, one line ("" when nothing to add).
  virtual std::string coverage(std::uint64_t /*schedules*/) const { return {}; }
};

// A value out of range from next_thread()/next_u64() ends the execution early; the strategy's
// divergence() says why ("" for a deliberate cut, counts() is then false).
inline constexpr std::size_t kStopExecution = static_cast<std::size_t>(-1);

// Small, fast, reproducible random numbers (xoshiro256**, seeded by splitmix64).
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) { reseed(seed); }
  void reseed(std::uint64_t seed) noexcept;
  std::uint64_t next() noexcept;
  // Uniform in [0, bound).
  std::uint64_t below(std::uint64_t bound) noexcept;

 private:
  std::uint64_t s_[4];
};
std::uint64_t splitmix64(std::uint64_t& state) noexcept;

// For priority strategies (PCT, POS): may timeouts compete with runnable threads at this
// decision? Only now and then (1 in 4): if a high-priority thread's timed wait always fired
// first, a thread polling with timed waits (while (!t.join(5ms))) would starve the thread it
// waits for forever. Always when nothing else can run.
inline bool timeouts_compete(std::span<const std::uint32_t> candidates, Rng& rng) {
  for (std::uint32_t c : candidates) {
    if ((c & kTimeoutBit) == 0) return rng.below(4) == 0;
  }
  return true;
}

std::unique_ptr<StrategyImpl> make_random_strategy(std::uint64_t seed);
std::unique_ptr<StrategyImpl> make_pct_strategy(std::uint64_t seed, int depth);
// Partial order sampling (Yuan, Yang, Gu; CAV 2018).
std::unique_ptr<StrategyImpl> make_pos_strategy(std::uint64_t seed);
// `inner` for the first `unfair_steps` steps of each execution, then uniform random choices (see
// fair_suffix.cpp): for the priority strategies, so that busy-waiting cannot starve a thread.
std::unique_ptr<StrategyImpl> with_fair_suffix(std::unique_ptr<StrategyImpl> inner,
                                               std::uint64_t seed, std::uint64_t unfair_steps);

// This process's part of a search split in `count` disjoint parts (WEAVE_SHARD=index/count).
using Shard = weave::Shard;
// Exhaustive depth-first search, at most `preemption_bound` preemptions per schedule (-1: any);
// past `unfair_steps` steps of one execution, threads take turns (see tree.hpp).
std::unique_ptr<StrategyImpl> make_dfs_strategy(int preemption_bound, Shard shard,
                                                std::uint64_t unfair_steps);
// Source DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas; POPL 2014).
std::unique_ptr<StrategyImpl> make_dpor_strategy(int preemption_bound, Shard shard,
                                                 std::uint64_t unfair_steps);
// Follows `choices` (as recorded by an execution, see schedule.hpp).
std::unique_ptr<StrategyImpl> make_replay_strategy(std::vector<std::uint32_t> choices);

}  // namespace weave::detail
