#pragma once
// Shrinking a failing schedule: a search, by replays, for a schedule with fewer preemptions (then
// fewer steps) that still fails with the same bug kind at the same place (the failing step's line;
// for a deadlock, the lines where the threads hang).
//
// A preemption is a decision that switches away from the running thread although it could have
// gone on. Fewer of them make a trace that is easier to follow: each one is a place where the
// reader has to ask "why did that thread stop here?". The search edits the recorded choices
// (cuts the schedule short, drops or moves one thread's run of choices, lets a preempted thread
// go on first) and runs each edit with the guided strategy, which lets the running thread go on
// wherever the edited schedule no longer fits. The choices an accepted run made are an ordinary
// schedule: a strict replay follows them exactly.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "crash.hpp"
#include "fiber.hpp"
#include "weave/check.hpp"

namespace weave::detail {

// When to stop searching. Replays and steps make the result the same on every machine; the wall
// clock only guards against slow bodies.
struct ShrinkLimits {
  std::uint64_t replays = 200;
  std::uint64_t steps = 200'000;  // summed over every replay
  Duration time = Duration::max();
};

struct Shrunk {
  BugKind kind{};
  std::string place;  // file:line of the failing step (of each hung thread, for a deadlock)
  std::string original, shrunk;  // schedule tokens; equal when nothing better was found
  std::uint64_t original_preemptions = 0, shrunk_preemptions = 0;
  std::uint64_t original_steps = 0, shrunk_steps = 0;
  std::uint64_t replays = 0;  // runs the search made
};

// Replays `token` with `config`'s settings, on stacks from `pool` (the token's own flags win) and
// searches for a smaller schedule that fails the same way. nullopt when the token's run does not
// fail, or fails with a bug that has no single place (a livelock, a lock-order inversion over
// several schedules).
std::optional<Shrunk> shrink_schedule(const std::function<void()>& body, const Config& config,
                                      StackPool& pool, std::string_view token,
                                      const ShrinkLimits& limits);

// check() after it found a bug: a short search whose result the report shows. Fills
// bug.preemptions and, when a smaller schedule was found, bug.shrunk_schedule and
// bug.shrunk_preemptions.
void shrink_quickly(const std::function<void()>& body, const Config& config, StackPool& pool,
                    Bug& bug);

// check() under WEAVE_SHRINK=<token or schedule file>: searches for as long as WEAVE_TIME_BUDGET
// allows (60 s by default), saves the result to WEAVE_SHRINK_OUT (default: next to the failing
// schedules, <test>-shrunk.schedule), prints before and after on stderr, and returns the replay
// of the shrunk schedule (its trace goes to WEAVE_TRACE_OUT). A schedule that does not fail is
// replayed as it is. Throws ReplayError when the schedule is malformed, does not fit, or ended in
// a crash. A try that crashes is reported with `crash_plan` (its token flags set here).
Result shrink_for_tool(const std::function<void()>& body, std::string_view token_or_file,
                       const std::string& test, CrashPlan crash_plan);

}  // namespace weave::detail
