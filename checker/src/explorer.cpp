// check() and replay(): run many executions (or one recorded one), turn the first bug into a
// Bug with its trace and schedule, verify that the schedule replays it, and save it.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>

#include "crash.hpp"
#include "detect/detectors.hpp"
#include "execution.hpp"
#include "report.hpp"
#include "schedule.hpp"
#include "shrink.hpp"
#include "strategy/strategy.hpp"
#include "tool_protocol.hpp"
#include "weave/check.hpp"
#include "weave/settings.hpp"

namespace weave {

namespace {

std::mutex g_name_mutex;
std::string g_test_name;
std::string g_test_selector;      // what runs just this test in this binary; empty: g_test_name
std::uint32_t g_check_calls = 0;  // check() calls since the test began (or the program did)

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

// A numeric WEAVE_* variable, `fallback` when unset: a whole number in [min, max] (the same
// grammar as the weave tool's flags).
std::uint64_t env_count(const char* name, std::uint64_t fallback, std::uint64_t min,
                        std::uint64_t max) {
  const char* v = env(name);
  return v == nullptr ? fallback : parse_count(name, v, min, max);
}

Strategy parse_strategy(std::string_view s) {
  if (const auto strategy = strategy_from_string(s)) return *strategy;
  throw UsageError(
      fmt::format("WEAVE_STRATEGY={} is not one of random, pct, pos, dfs, dpor", printable(s)));
}

constexpr int kMaxPreemptionBound = 1'000'000;

// WEAVE_PREEMPTION_BOUND: -1 for none, or a bound.
int env_bound(const char* name, int fallback) {
  const char* v = env(name);
  if (v == nullptr) return fallback;
  if (std::string_view(v) == "-1") return -1;
  try {
    return static_cast<int>(parse_count(name, v, 0, kMaxPreemptionBound));
  } catch (const UsageError& e) {
    throw UsageError(std::string(e.what()) + ", or -1 for none");
  }
}

// The WEAVE_* variables over `config`, then the whole of it checked: a setting that cannot make
// sense is a UsageError naming it, never a run that silently does something else.
void read_settings(Config& config) {
  if (const char* s = env("WEAVE_STRATEGY")) config.strategy = parse_strategy(s);
  config.iterations = env_count("WEAVE_ITERATIONS", config.iterations, 1, UINT64_MAX);
  if (const char* t = env("WEAVE_TIME_BUDGET")) {
    config.time_budget = parse_duration("WEAVE_TIME_BUDGET", t);
  }
  config.seed = env_count("WEAVE_SEED", config.seed, 0, UINT64_MAX);  // 0: pick one
  config.max_steps = env_count("WEAVE_MAX_STEPS", config.max_steps, 1, kMaxStepsLimit);
  config.preemption_bound = env_bound("WEAVE_PREEMPTION_BOUND", config.preemption_bound);
  if (const char* v = env("WEAVE_SHARD")) {
    const Shard sh = parse_shard("WEAVE_SHARD", v);
    config.shard_index = sh.index;
    config.shard_count = sh.count;
  }
  if (config.iterations == 0) {
    throw UsageError("Config::iterations is 0: no schedule would run, and nothing be checked");
  }
  if (config.max_steps == 0 || config.max_steps > kMaxStepsLimit) {
    throw UsageError(
        fmt::format("Config::max_steps is {}: use 1 to {}", config.max_steps, kMaxStepsLimit));
  }
  if (config.shard_count == 0 || config.shard_index >= config.shard_count) {
    throw UsageError(
        fmt::format("Config: shard {} of {} does not exist (0 <= shard_index < "
                    "shard_count)",
                    config.shard_index, config.shard_count));
  }
  if (config.preemption_bound < -1 || config.preemption_bound > kMaxPreemptionBound) {
    throw UsageError(fmt::format("Config::preemption_bound is {}: use -1 (none) or 0 to {}",
                                 config.preemption_bound, kMaxPreemptionBound));
  }
}

bool quiet() { return env("WEAVE_QUIET") != nullptr; }

// Asked once: every check() call renders its crash report's replay command ahead.
const std::string& self_exe() {
  static const std::string exe = [] {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("./your-test-binary") : p.string();
  }();
  return exe;
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() &&
      s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=") ==
          std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Where a check() call sits: its test, and which of the test's check() calls it is.
struct CallSite {
  std::string test;      // the running test's name (what a tool selects it by); empty: none
  std::string label;     // Config::name, else `test`: names saved schedules and stats
  std::string selector;  // the test's command-line selector, shell-quoted; empty when none
  std::uint32_t number = 1;
  // What a schedule file's `test:` line says (the `weave` tool runs that test).
  const std::string& file_test() const { return test.empty() ? label : test; }
};

// `count`: this is a new check() call (replay() is not one: it runs where a check() would).
CallSite call_site(const Config& config, bool count) {
  std::lock_guard<std::mutex> lk(g_name_mutex);
  CallSite site;
  site.test = g_test_name;
  site.label = config.name.empty() ? g_test_name : config.name;
  const std::string& selector = g_test_selector.empty() ? g_test_name : g_test_selector;
  if (!selector.empty()) site.selector = shell_quote(selector);
  site.number = count ? ++g_check_calls : g_check_calls;
  return site;
}

std::string file_stem(const std::string& test, std::uint32_t check_number, std::uint64_t seed) {
  std::string stem;
  for (char c : test.empty() ? std::string("check") : test) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
    if (c != '_' || stem.empty() || stem.back() != '_') stem += c;  // one '_' for a run of them
  }
  if (stem.size() > 80) stem.resize(80);
  if (check_number > 1) return fmt::format("{}-check{}-{}", stem, check_number, seed);
  return fmt::format("{}-{}", stem, seed);
}

using detail::Detectors;

// How long a strategy may schedule unfairly in one execution before its fair suffix (random
// choices for PCT and POS, see strategy/fair_suffix.cpp; taking turns for DFS and DPOR, see
// strategy/tree.hpp): a tenth of max_steps, so nine tenths are left for a fair schedule to end the
// program before it is called a livelock.
std::uint64_t unfair_steps(const Config& config) { return config.max_steps / 10; }

struct Runner {
  const Config& config;
  detail::StackPool pool;
  detail::ExecutionBuffers buffers;
  Detectors detectors;
  explicit Runner(const Config& c) : config(c), pool(c.stack_size), detectors(c) {}
};

detail::Schedule schedule_of(const detail::Execution& ex, const Config& config,
                             std::uint32_t check_number) {
  return {ex.steps(),
          ex.failure() && ex.failure()->kind == BugKind::Livelock,
          config.spurious_wakeups,
          !config.detect_races,
          check_number,
          ex.trace_hash(),
          ex.choices()};
}

Bug make_bug(const detail::Execution& ex, const Config& config, std::uint32_t check_number) {
  const detail::Failure& f = *ex.failure();
  Bug bug;
  bug.kind = f.kind;
  bug.message = f.message;
  bug.trace = ex.steps_for_report();
  bug.schedule = detail::encode_schedule(schedule_of(ex, config, check_number));
  bug.failing_step = f.failing_step;
  bug.involved = f.involved;
  bug.objects = ex.creation_sites();
  return bug;
}

// Replays `bug`'s schedule and compares the trace step by step: a difference means the program
// depends on something weave does not control.
std::string check_reproducible(const std::function<void()>& body, Runner& r, const Bug& bug,
                               const std::vector<detail::RawStep>& original) {
  detail::Schedule s = detail::parse_schedule(bug.schedule);
  auto strategy = detail::make_replay_strategy(std::move(s.choices));
  strategy->new_execution();
  detail::ExecutionBuffers buf;
  Detectors fresh(r.config);  // as a replay would run it
  detail::Execution ex(r.config, *strategy, r.pool, buf, fresh.list);
  ex.run(body);
  const auto& t = ex.trace();
  const std::size_t n = std::min(t.size(), original.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto& a = original[i];
    const auto& b = t[i];
    if (a.thread != b.thread || a.op != b.op || a.kind != b.kind || a.object != b.object ||
        a.line != b.line || a.note != b.note) {
      return fmt::format(
          "replaying this schedule did not reproduce the run: at step {} the first run had {} "
          "{} {} ({}:{}) but the replay had {} {} {} ({}:{}). The test depends on something "
          "weave does not control: the wall clock, rand(), a raw std::thread or std::mutex, or "
          "state the body does not create afresh.",
          i + 1, ex.thread_name(a.thread), detail::op_name(a.op), ex.step_object(a), a.file, a.line,
          ex.thread_name(b.thread), detail::op_name(b.op), ex.step_object(b), b.file, b.line);
    }
  }
  // A lock-order cycle may close over edges of earlier schedules, which one replay cannot see:
  // for it, the same trace is all a replay can show.
  const bool same_bug = bug.kind == BugKind::LockOrderInversion
                            ? !ex.failure() || ex.failure()->kind == bug.kind
                            : ex.failure() && ex.failure()->kind == bug.kind;
  if (t.size() != original.size() || !ex.divergence().empty() || !same_bug) {
    return fmt::format(
        "replaying this schedule did not reproduce the run ({} steps then, {} now{}{}). The test "
        "depends on something weave does not control: the wall clock, rand(), a raw std::thread "
        "or std::mutex, or state the body does not create afresh.",
        original.size(), t.size(), ex.divergence().empty() ? "" : "; ", ex.divergence());
  }
  return {};
}

void write_trace_json(const Bug* bug, const std::vector<Step>& trace, const std::string& outcome) {
  if (env("WEAVE_TRACE_OUT") != nullptr)
    detail::write_trace_out(detail::trace_json(bug, trace, outcome));
}

// What follows WEAVE_REPLAY=<source> in the command that reruns `site`'s test.
std::string replay_command_tail(const CallSite& site) {
  return " " + shell_quote(self_exe()) +
         (site.selector.empty() ? std::string() : " " + site.selector);
}

// The command that reruns `site`'s test with WEAVE_REPLAY=`source`.
std::string replay_command(const std::string& source, const CallSite& site) {
  return "WEAVE_REPLAY=" + shell_quote(source) + replay_command_tail(site);
}

// Where a failing schedule of `site`'s check() call with `seed` is saved.
std::filesystem::path schedule_path(const CallSite& site, std::uint64_t seed) {
  const char* dir_env = env("WEAVE_ARTIFACTS");
  const std::filesystem::path dir = dir_env != nullptr ? dir_env : "weave-failures";
  return dir / (file_stem(site.label, site.number, seed) + ".schedule");
}

struct ScheduleFile {
  std::string_view test, bug, message;
  Strategy strategy;
  std::uint64_t seed;
  std::string_view schedule, shrunk;
};

// The text of a schedule file: the one writer of the format (README, "How replay works").
std::string schedule_file_text(const ScheduleFile& f) {
  std::string out = fmt::format(
      "# weave schedule: replay it with WEAVE_REPLAY=<this file> and the same test\n"
      "weave-schedule 1\ntest: {}\nbug: {}\nmessage: {}\nstrategy: {}\nseed: {}\nschedule: {}\n",
      f.test, f.bug, f.message, to_string(f.strategy), f.seed, f.schedule);
  if (!f.shrunk.empty()) out += fmt::format("shrunk: {}\n", f.shrunk);
  return out;
}

void save_schedule(Bug& bug, const Result& result, const CallSite& site) {
  bug.replay_command = replay_command(bug.schedule, site);
  // A check() run beside a replay (it is not the call the schedule belongs to) saves nothing.
  if (detail::SideRun::active()) return;
  const std::filesystem::path file = schedule_path(site, result.seed);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  std::ofstream out(file);
  if (!out) {
    if (!quiet()) {
      std::fprintf(stderr, "weave: cannot save the schedule under %s\n",
                   file.parent_path().c_str());
    }
  } else {
    out << schedule_file_text({site.file_test(), to_string(bug.kind), bug.message, result.strategy,
                               result.seed, bug.schedule, bug.shrunk_schedule});
    bug.schedule_file = file.string();
    bug.replay_command = replay_command(bug.schedule_file, site);
  }
}

// The crash handler's texts (crash.hpp) for a run of `site`'s test with `settings`, rendered before
// the first schedule: the handler fills in only the signal, the thread, the step and the token.
// This much prints the token and the command that replays it.
detail::CrashPlan crash_plan(const CallSite& site, const detail::Schedule& settings) {
  detail::CrashPlan plan;
  plan.token_flags = detail::crash_token_flags(settings);
  plan.replay_head = "WEAVE_REPLAY=";
  plan.replay_tail = replay_command_tail(site);
  return plan;
}

// A check() call's: it also saves the schedule file and writes WEAVE_TRACE_OUT.
detail::CrashPlan check_crash_plan(const CallSite& site, const Config& config,
                                   const Result& result) {
  detail::Schedule settings;
  settings.spurious_wakeups = config.spurious_wakeups;
  settings.races_off = !config.detect_races;
  settings.check = site.number;
  detail::CrashPlan plan = crash_plan(site, settings);
  // A check() run beside a replay saves nothing and writes no trace: the token is printed.
  if (detail::SideRun::active()) return plan;
  const std::filesystem::path file = schedule_path(site, result.seed);
  plan.schedule_file = file.string();
  std::filesystem::path folder;
  for (const auto& part : file.parent_path()) {
    folder /= part;
    plan.folders.push_back(folder.string());
  }
  // The one writer's text, with two holes for the message and the token.
  constexpr std::string_view kHole = "\x1e";
  const std::string text = schedule_file_text(
      {site.file_test(), "Crash", kHole, result.strategy, result.seed, kHole, {}});
  const std::size_t token_at = text.rfind(kHole);
  const std::size_t message_at = text.rfind(kHole, token_at - 1);
  plan.file_head = text.substr(0, message_at);
  plan.file_middle = text.substr(message_at + 1, token_at - message_at - 1);
  plan.file_tail = text.substr(token_at + 1);
  plan.replay_with_file = replay_command(plan.schedule_file, site);
  if (const char* trace = env("WEAVE_TRACE_OUT")) plan.trace_out = trace;
  plan.schedules_done = &result.schedules;
  return plan;
}

// The crash handler's texts for a replay of `s` (given as `source`): it saves nothing, and says
// whether the replay crashed where the recorded run did.
detail::CrashPlan replay_crash_plan(std::string_view source, const detail::Schedule& s,
                                    const CallSite& site) {
  detail::CrashPlan plan = crash_plan(site, s);
  plan.replay_with_file = replay_command(std::string(source), site);
  plan.replaying = true;
  plan.recorded_crash = s.crashed;
  plan.recorded_steps = s.steps;
  plan.recorded_hash = s.hash;
  if (const char* trace = env("WEAVE_TRACE_OUT"); trace != nullptr && !detail::SideRun::active()) {
    plan.trace_out = trace;
  }
  return plan;
}

}  // namespace

const char* to_string(Strategy strategy) noexcept {
  switch (strategy) {
    case Strategy::Random:
      return "random";
    case Strategy::PCT:
      return "pct";
    case Strategy::DFS:
      return "dfs";
    case Strategy::DPOR:
      return "dpor";
    case Strategy::POS:
      return "pos";
  }
  return "?";
}

std::optional<Strategy> strategy_from_string(std::string_view name) noexcept {
  for (Strategy s :
       {Strategy::Random, Strategy::PCT, Strategy::DFS, Strategy::DPOR, Strategy::POS}) {
    if (name == to_string(s)) return s;
  }
  return std::nullopt;
}

const char* to_string(BugKind kind) noexcept {
  switch (kind) {
    case BugKind::Deadlock:
      return "Deadlock";
    case BugKind::LostNotification:
      return "LostNotification";
    case BugKind::DataRace:
      return "DataRace";
    case BugKind::AssertionFailure:
      return "AssertionFailure";
    case BugKind::UncaughtException:
      return "UncaughtException";
    case BugKind::Misuse:
      return "Misuse";
    case BugKind::Livelock:
      return "Livelock";
    case BugKind::LockOrderInversion:
      return "LockOrderInversion";
  }
  return "Bug";
}

void set_test_name(std::string name, std::string selector) {
  std::lock_guard<std::mutex> lk(g_name_mutex);
  g_test_name = std::move(name);
  g_test_selector = std::move(selector);
  g_check_calls = 0;
}

Result check(std::function<void()> body, Config config) {
  const CallSite site = call_site(config, true);
  // Under WEAVE_REPLAY / WEAVE_SHRINK, the schedule belongs to one of the test's check() calls;
  // the others explore as usual, quietly (a malformed schedule goes to the replay, which says why).
  std::optional<detail::SideRun> side_run;
  const char* replay_arg = env("WEAVE_REPLAY");
  const char* shrink_arg = replay_arg == nullptr ? env("WEAVE_SHRINK") : nullptr;
  if (const char* schedule = replay_arg != nullptr ? replay_arg : shrink_arg) {
    const std::uint32_t wanted = detail::schedule_check_number(schedule);
    if (wanted == 0 || wanted == site.number) {
      detail::SideRun::call_came();
      if (replay_arg != nullptr) {
        return detail::replay_for_tool(std::move(body), schedule, site.file_test());
      }
      return detail::shrink_for_tool(body, schedule, site.file_test(), crash_plan(site, {}));
    }
    side_run.emplace(wanted, site.number, site.test);
  }
  read_settings(config);
  const detail::Shard shard{config.shard_index, config.shard_count};
  const std::string& test = site.label;

  const bool systematic = config.strategy == Strategy::DFS || config.strategy == Strategy::DPOR;
  Result result;
  result.strategy = config.strategy;
  result.seed = config.seed;
  if (result.seed == 0) {
    result.seed =
        std::random_device{}() | (static_cast<std::uint64_t>(std::random_device{}()) << 32);
    if (result.seed == 0) result.seed = 1;
    if (!quiet() && !systematic) {
      std::fprintf(stderr, "weave: %s%sseed %llu (set WEAVE_SEED=%llu to repeat)\n", test.c_str(),
                   test.empty() ? "" : ": ", static_cast<unsigned long long>(result.seed),
                   static_cast<unsigned long long>(result.seed));
    }
  }
  std::unique_ptr<detail::StrategyImpl> strategy;
  switch (config.strategy) {
    case Strategy::Random:
      strategy = detail::make_random_strategy(result.seed);
      break;
    case Strategy::PCT:
      strategy = detail::with_fair_suffix(detail::make_pct_strategy(result.seed, config.pct_depth),
                                          result.seed, unfair_steps(config));
      break;
    case Strategy::POS:
      strategy = detail::with_fair_suffix(detail::make_pos_strategy(result.seed), result.seed,
                                          unfair_steps(config));
      break;
    case Strategy::DFS:
      strategy = detail::make_dfs_strategy(config.preemption_bound, shard, unfair_steps(config));
      break;
    case Strategy::DPOR:
      strategy = detail::make_dpor_strategy(config.preemption_bound, shard, unfair_steps(config));
      break;
  }

  detail::CrashReporting crash_reporting(check_crash_plan(site, config, result));
  Runner runner(config);
  const auto start = std::chrono::steady_clock::now();
  detail::ProgressOut progress;
  detail::StatsOut stats(result, test);
  std::optional<Bug> inversion;
  // Sampling strategies number their schedules: shard i of n runs those with k % n == i. The
  // systematic ones split their tree themselves, and count only their own schedules.
  for (std::uint64_t k = 0;
       systematic ? result.schedules < config.iterations : k < config.iterations; ++k) {
    if (!config.time_budget.infinite() &&
        std::chrono::steady_clock::now() - start >=
            static_cast<std::chrono::nanoseconds>(config.time_budget)) {
      break;
    }
    bool mine = true;
    if (!systematic && shard.count > 1 && k % shard.count != shard.index) {
      if (k != 0 || !strategy->learns_from_first()) {
        strategy->skip_execution();
        continue;
      }
      mine = false;  // run to learn from, counted by its own shard
    }
    if (!strategy->new_execution()) {
      result.exhausted = true;
      break;
    }
    detail::Execution ex(config, *strategy, runner.pool, runner.buffers, runner.detectors.list);
    ex.run(body);
    if (!strategy->divergence().empty()) {
      throw UsageError(fmt::format(
          "weave: {} cannot explore this test: {}. The test is nondeterministic outside weave's "
          "control (the wall clock, rand(), a raw std::thread or std::mutex, or state the body "
          "does not create afresh)",
          to_string(config.strategy), strategy->divergence()));
    }
    if (!mine || !strategy->counts()) continue;
    ++result.schedules;
    progress.update(result.schedules);
    result.steps += ex.steps();
    if (config.on_schedule) {
      config.on_schedule(detail::encode_schedule(schedule_of(ex, config, site.number)),
                         ex.failure().has_value());
    }
    if (!ex.failure()) continue;
    ++result.buggy_schedules;
    if (std::find(result.kinds_found.begin(), result.kinds_found.end(), ex.failure()->kind) ==
        result.kinds_found.end()) {
      result.kinds_found.push_back(ex.failure()->kind);
    }
    if (result.bug) continue;  // keep the first one
    Bug bug = make_bug(ex, config, site.number);
    bug.found_in = result.schedules;
    const std::vector<detail::RawStep> original = ex.trace();
    bug.nondeterminism = check_reproducible(body, runner, bug, original);
    detail::shrink_quickly(body, config, runner.pool, bug);
    if (bug.kind == BugKind::LockOrderInversion) {
      // A potential deadlock: keep exploring, and report it only if no schedule fails outright.
      if (!inversion) inversion = std::move(bug);
      continue;
    }
    save_schedule(bug, result, site);
    write_trace_json(&bug, bug.trace, "bug");
    result.bug = std::move(bug);
    if (config.stop_on_first_bug) break;
  }
  if (!result.bug && inversion) {
    save_schedule(*inversion, result, site);
    write_trace_json(&*inversion, inversion->trace, "bug");
    result.bug = std::move(inversion);
  }
  result.coverage = strategy->coverage(result.schedules);
  if (result.coverage.empty()) {
    result.coverage = fmt::format("{}: {} schedules (seed {})", to_string(config.strategy),
                                  result.schedules, result.seed);
  }
  if (shard.count > 1 && !systematic) {
    result.coverage += fmt::format("; shard {}/{}", shard.index, shard.count);
  }
  progress.finish(result.schedules);
  stats.finish();
  detail::note_replay_command(result.bug ? result.bug->replay_command : std::string());
  return result;
}

Result replay(std::function<void()> body, std::string_view schedule) {
  const detail::Schedule s = detail::load_schedule_argument(schedule).schedule;
  Config config;
  config.spurious_wakeups = s.spurious_wakeups;
  config.detect_races = !s.races_off;
  // A livelock stops at the step where it was recorded; anything else may run a little longer
  // than recorded before a difference is reported.
  config.max_steps = s.livelock ? s.steps - 1
                                : env_count("WEAVE_MAX_STEPS",
                                            std::max<std::uint64_t>(config.max_steps, s.steps + 1),
                                            1, kMaxStepsLimit);
  auto strategy = detail::make_replay_strategy(s.choices);
  strategy->new_execution();
  detail::CrashReporting crash_reporting(replay_crash_plan(schedule, s, call_site(config, false)));
  detail::StackPool pool(config.stack_size);
  detail::ExecutionBuffers buf;
  Detectors detectors(config);
  detail::Execution ex(config, *strategy, pool, buf, detectors.list);
  ex.run(body);
  Result result;
  result.schedules = 1;
  result.steps = ex.steps();
  if (s.crashed) {
    // Had it crashed, the process would have ended in the crash handler.
    throw ReplayError(
        fmt::format("the recorded run crashed at step {}, but the replay ran {} steps without "
                    "crashing{}{}: the program changed since the schedule was recorded, or it is "
                    "nondeterministic outside weave's control",
                    s.steps, ex.steps(), ex.divergence().empty() ? "" : "; ", ex.divergence()));
  }
  if (!ex.divergence().empty()) {
    throw ReplayError(ex.divergence() +
                      " (the program changed since the schedule was recorded, or it is "
                      "nondeterministic outside weave's control)");
  }
  std::vector<Step> trace = ex.steps_for_report();
  if (ex.failure()) {
    Bug bug = make_bug(ex, config, s.check);
    if (ex.trace_hash() != s.hash || ex.steps() != s.steps) {
      bug.nondeterminism = fmt::format(
          "the replayed run differs from the recorded one ({} steps, hash {:016x}; recorded: {} "
          "steps, hash {:016x}): the test depends on something weave does not control",
          ex.steps(), ex.trace_hash(), s.steps, s.hash);
    }
    bug.replay_command = replay_command(bug.schedule, call_site(config, false));
    write_trace_json(&bug, bug.trace, "bug");
    detail::note_replay_command(bug.replay_command);
    result.bug = std::move(bug);
  } else {
    if (ex.trace_hash() != s.hash || ex.steps() != s.steps) {
      throw ReplayError(fmt::format(
          "replay ran {} steps without a bug, but the recorded run had {} steps (trace hash "
          "{:016x}, recorded {:016x}): the program changed since the schedule was recorded, or it "
          "is nondeterministic outside weave's control",
          ex.steps(), s.steps, ex.trace_hash(), s.hash));
    }
    write_trace_json(nullptr, trace, "ok");
  }
  return result;
}

std::string Result::report() const { return detail::format_report(*this); }

}  // namespace weave
