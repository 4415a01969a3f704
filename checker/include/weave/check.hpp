#pragma once
// weave/check.hpp — the deterministic checker.
//
//   check(body, config)     runs `body` as the main thread of many executions, each a different
//                           interleaving of its facade threads (fibers on one OS thread), and
//                           returns the first bug found with its trace and a replayable schedule.
//   replay(body, schedule)  runs exactly one recorded schedule again.
//   Config, Strategy        how to explore (PCT by default); every field has a WEAVE_* variable.
//   Result, Bug, Step       what was found; Result::report() is the human-readable report.
//
// The body must create (or reset) all the state it uses: each execution starts afresh. A crash
// in it (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) still ends the process, after its schedule is
// saved and the replay command printed (README, "Crashes"); replaying it crashes at the same step.
// Environment, read by check(): WEAVE_STRATEGY (random|pct|dfs|dpor), WEAVE_ITERATIONS,
// WEAVE_SEED, WEAVE_REPLAY (a schedule token or a schedule file: run exactly that),
// WEAVE_TRACE_OUT (write the failing or replayed trace there as JSON), WEAVE_ARTIFACTS (folder for
// failing schedules; default weave-failures/), WEAVE_MAX_STEPS, WEAVE_QUIET=1 (no stderr lines),
// WEAVE_SHARD=i/n (explore only the i-th of n disjoint parts: seeds k with k % n == i for
// random/pct/pos, subtrees of the first decisions for dfs/dpor), WEAVE_PREEMPTION_BOUND,
// WEAVE_STRATEGY=pos. A value that is not what its variable takes (see weave/settings.hpp: whole
// numbers in range, no sign, no wrap-around) makes check() throw a UsageError naming it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weave/duration.hpp"
#include "weave/errors.hpp"

namespace weave {

// Random: uniform random walk. PCT: probabilistic concurrency testing (the default). DFS: every
// schedule, depth first, within Config::preemption_bound. DPOR: every schedule up to reordering
// independent operations (source DPOR with sleep sets). POS (extension): partial order sampling.
enum class Strategy { Random, PCT, DFS, DPOR, POS };
// "random", "pct", "dfs", "dpor", "pos": the names WEAVE_STRATEGY and `weave run --strategy` take.
// Extension.
const char* to_string(Strategy strategy) noexcept;
std::optional<Strategy> strategy_from_string(std::string_view name) noexcept;

struct Config {
  Strategy strategy = Strategy::PCT;
  std::uint64_t iterations = 1000;  // schedules to try (DFS/DPOR: an upper bound)
  std::uint64_t seed = 0;           // 0: pick one and print it
  int pct_depth = 3;
  int preemption_bound = -1;         // DFS/DPOR; -1: none
  std::uint64_t max_steps = 100000;  // per schedule; beyond it: Livelock bug
  Duration time_budget = Duration::max();
  bool detect_races = true;
  bool spurious_wakeups = false;  // let Condition waits wake spuriously
  bool stop_on_first_bug = true;
  // Extensions:
  std::size_t stack_size = 256 * 1024;  // bytes per fiber stack (a guard page below each)
  std::string name;                     // names the saved schedule file; default: the test's name
  // This process explores the shard_index-th of shard_count disjoint parts of the search
  // (WEAVE_SHARD=i/n sets both); together the parts cover exactly what one process covers.
  std::uint64_t shard_index = 0, shard_count = 1;
  // Called after each schedule this process explores, with its replay token and whether it
  // ended in a bug (for progress displays and for checking coverage).
  std::function<void(std::string_view schedule, bool bug)> on_schedule;
};

enum class BugKind {
  Deadlock,
  LostNotification,
  DataRace,
  AssertionFailure,
  UncaughtException,
  Misuse,
  Livelock,
  LockOrderInversion
};
const char* to_string(BugKind kind) noexcept;

// One step of an execution: a thread performing one facade operation.
struct Step {
  std::uint64_t index = 0;   // 1-based
  std::uint32_t thread = 0;  // thread number in the execution; 0 is MainThread
  std::string thread_name;
  std::string operation;  // "acquire", "wait", "put", ...
  std::string object;     // "Lock accounts", "Queue#2", "" when none
  std::string file;
  std::uint32_t line = 0;
  std::string note;  // "blocked", "timed out", "woken", "failed", ...
};

struct Bug {
  BugKind kind;
  std::string message;      // one line: what went wrong, where
  std::string schedule;     // self-contained replay token
  std::vector<Step> trace;  // every step: thread, operation, object, source location
  // Extensions:
  std::uint64_t failing_step = 0;  // index of the step where it went wrong
  std::string involved;            // the threads involved and what they were doing, one per line
  std::string objects;             // threads and objects in the trace, with creation sites
  std::string schedule_file;       // where the schedule was saved ("" if not saved)
  std::string replay_command;      // how to replay it
  std::string nondeterminism;      // non-empty when replaying did not reproduce the trace
  std::uint64_t found_in = 0;      // the schedule (1-based) that found it; 0 when replayed
  std::uint64_t preemptions = 0;   // switches in `schedule` away from a thread that could go on
  std::string shrunk_schedule;  // fewer preemptions or steps, same bug at the same line ("": none)
  std::uint64_t shrunk_preemptions = 0;  // in shrunk_schedule
};

struct Result {
  bool ok() const { return !bug.has_value(); }
  std::optional<Bug> bug;
  std::uint64_t schedules = 0, steps = 0;
  bool exhausted = false;      // DFS/DPOR covered every schedule within its bounds
  std::string report() const;  // the human-readable report, with the replay command
  // Extensions:
  std::uint64_t seed = 0;             // the seed used
  Strategy strategy = Strategy::PCT;  // the strategy used
  std::string coverage;               // what the search covered, one line
  std::vector<BugKind> kinds_found;  // every kind of bug met (all of them: stop_on_first_bug=false)
  std::uint64_t buggy_schedules = 0;  // schedules that ended in a bug
};

// A schedule that cannot be replayed: malformed, or it no longer fits the program (the message
// names the step and why). Extension.
class ReplayError : public Error {
 public:
  using Error::Error;
};

// Also read by check(), mostly for the `weave` tool: WEAVE_TIME_BUDGET (Config::time_budget:
// 500ms, 30s, 5m, 1h; a bare number is seconds), WEAVE_SHRINK (a failing schedule: search for one
// with fewer preemptions, save it to WEAVE_SHRINK_OUT, replay it), WEAVE_STATS_OUT (a file that
// gets a JSON line when each check() starts and one when it ends).
Result check(std::function<void()> body, Config config = {});
Result replay(std::function<void()> body, std::string_view schedule);

// The running test, for saved schedules and replay commands: its name, and the command-line
// argument that runs just it in this binary (empty: the name itself). The Catch2 and GoogleTest
// integrations set both for each test; an empty name says no test is running.
//
// Setting it also starts the count of the test's check() calls: a schedule belongs to the n-th
// check() call of its test (its token says `@n` for n > 1), and under WEAVE_REPLAY (or
// WEAVE_SHRINK) only that call replays it; the test's other check() calls explore as usual but
// save nothing and write no trace. If the program ends before the n-th call came, that is a
// replay error (on stderr, and in WEAVE_TRACE_OUT).
void set_test_name(std::string name, std::string selector = {});

}  // namespace weave
