#include "shrink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "crash.hpp"
#include "detect/detectors.hpp"
#include "execution.hpp"
#include "fiber.hpp"
#include "schedule.hpp"
#include "strategy/guided.hpp"
#include "tool_protocol.hpp"
#include "weave/settings.hpp"

namespace weave::detail {

namespace {

constexpr std::uint32_t kNoThread = static_cast<std::uint32_t>(-1);

// Wraps an attempt's strategy and notes, for each choice, the running thread and whether the
// choice preempted it (switched away although it could have gone on).
class PreemptionRecorder final : public StrategyImpl {
 public:
  explicit PreemptionRecorder(StrategyImpl& inner) : inner_(inner) {}
  bool new_execution() override { return inner_.new_execution(); }
  std::size_t next_thread(const Decision& d) override {
    const std::size_t k = inner_.next_thread(d);
    const bool could_go_on =
        std::find(d.candidates.begin(), d.candidates.end(), d.current) != d.candidates.end();
    preempted.push_back(k < d.candidates.size() && could_go_on && d.candidates[k] != d.current);
    running.push_back(d.current);
    return k;
  }
  std::uint64_t next_u64(std::uint64_t bound) override {
    preempted.push_back(false);
    running.push_back(kNoThread);
    return inner_.next_u64(bound);
  }
  void end_execution(std::uint64_t steps) override { inner_.end_execution(steps); }
  std::string divergence() const override { return inner_.divergence(); }
  std::size_t unused_choices() const override { return inner_.unused_choices(); }

  std::vector<bool> preempted;         // per choice
  std::vector<std::uint32_t> running;  // per choice (kNoThread for a draw)

 private:
  StrategyImpl& inner_;
};

// One run of the body: how it ended and the choices that led there.
struct Attempt {
  bool failed = false;
  BugKind kind{};
  std::string place;
  std::uint64_t steps = 0, hash = 0, preemptions = 0;
  std::vector<std::uint32_t> choices;
  std::vector<bool> preempted;
  std::vector<std::uint32_t> running;

  bool fails_like(const Attempt& o) const {
    return failed && o.failed && kind == o.kind && place == o.place;
  }
  bool smaller_than(const Attempt& o) const {
    return preemptions != o.preemptions ? preemptions < o.preemptions : steps < o.steps;
  }
};

// Where a bug happens, which a smaller schedule must keep: the failing step's line; for a
// deadlock, the lines where the threads hang (which of them blocked last does not matter).
std::string place_of(const Execution& ex, const Failure& f) {
  const std::vector<RawStep>& trace = ex.trace();
  if (f.kind != BugKind::Deadlock) {
    if (f.failing_step < 1 || f.failing_step > trace.size()) return {};
    const RawStep& s = trace[f.failing_step - 1];
    return fmt::format("{}:{}", s.file, s.line);
  }
  std::vector<std::string> hung;
  std::vector<bool> seen;
  for (std::size_t i = trace.size(); i-- > 0;) {
    const RawStep& s = trace[i];
    if (s.thread >= seen.size()) seen.resize(s.thread + 1, false);
    if (seen[s.thread]) continue;
    seen[s.thread] = true;
    if (s.note == StepNote::Blocked) hung.push_back(fmt::format("{}:{}", s.file, s.line));
  }
  std::sort(hung.begin(), hung.end());
  std::string out;
  for (const std::string& h : hung) out += (out.empty() ? "" : ", ") + h;
  return out;
}

class Search {
 public:
  Search(const std::function<void()>& body, Config config, StackPool& pool,
         const ShrinkLimits& limits, std::uint32_t check_number)
      : body_(body),
        config_(std::move(config)),
        check_number_(check_number),
        limits_(limits),
        pool_(pool),
        start_(std::chrono::steady_clock::now()) {}

  bool spent() const {
    return replays_ >= limits_.replays || steps_ >= limits_.steps ||
           (!limits_.time.infinite() && std::chrono::steady_clock::now() - start_ >= limits_.time);
  }

  Attempt run(StrategyImpl& strategy) {
    PreemptionRecorder recorder(strategy);
    recorder.new_execution();
    Detectors detectors(config_);  // fresh, as a replay runs them
    Execution ex(config_, recorder, pool_, buffers_, detectors.list);
    ex.run(body_);
    ++replays_;
    steps_ += ex.steps();
    Attempt a;
    a.steps = ex.steps();
    a.hash = ex.trace_hash();
    a.choices = ex.choices();
    a.preempted = std::move(recorder.preempted);
    a.running = std::move(recorder.running);
    a.preemptions =
        static_cast<std::uint64_t>(std::count(a.preempted.begin(), a.preempted.end(), true));
    if (ex.failure() && ex.divergence().empty()) {
      const Failure& f = *ex.failure();
      a.failed = true;
      a.kind = f.kind;
      a.place = place_of(ex, f);
    }
    return a;
  }

  std::string token(const Attempt& a) const {
    return encode_schedule(Schedule{a.steps, false, config_.spurious_wakeups, !config_.detect_races,
                                    check_number_, a.hash, a.choices});
  }

  // Edited schedules may run longer than the original; a bound keeps a spin loop that an edit
  // left running alone from eating the budget (such a run ends as a Livelock, not accepted).
  void bound_steps(std::uint64_t max_steps) { config_.max_steps = max_steps; }
  std::uint64_t replays() const { return replays_; }

 private:
  const std::function<void()>& body_;
  Config config_;
  std::uint32_t check_number_;  // the check() call the schedule belongs to, kept in every token
  ShrinkLimits limits_;
  StackPool& pool_;
  ExecutionBuffers buffers_;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t replays_ = 0;
  std::uint64_t steps_ = 0;
};

// The edits of a schedule worth trying, in order. A block is a maximal run of equal choices: one
// thread's stretch of decisions. First the schedule cut short at each block, earliest first (the
// run then goes on without preemptions, so an earlier cut leaves fewer); then, for each block
// that begins with a preemption: the block dropped, the preempted thread going on first until it
// cannot (the guided strategy drops the rest of its entries), the block moved after the next one,
// and before the previous one.
class Edits {
 public:
  explicit Edits(const Attempt& a) : c_(a.choices), running_(a.running) {
    for (std::size_t i = 0; i < c_.size();) {
      std::size_t j = i;
      while (j < c_.size() && c_[j] == c_[i]) ++j;
      if (a.preempted[i]) preempting_.push_back(blocks_.size());
      blocks_.push_back({i, j});
      i = j;
    }
  }

  std::size_t size() const { return blocks_.size() + 4 * preempting_.size(); }

  // The i-th edit; empty when it does not apply (nothing to swap with).
  std::optional<std::vector<std::uint32_t>> make(std::size_t i) const {
    if (i < blocks_.size()) return prefix(blocks_[i].begin);
    const std::size_t b = preempting_[(i - blocks_.size()) / 4];
    const Block& here = blocks_[b];
    std::vector<std::uint32_t> out = prefix(here.begin);
    switch ((i - blocks_.size()) % 4) {
      case 0:  // drop it
        break;
      case 1:  // the preempted thread goes on first, as long as it can
        out.insert(out.end(), c_.size(), running_[here.begin]);
        append(out, here);
        break;
      case 2:  // after the next block
        if (b + 1 >= blocks_.size()) return std::nullopt;
        append(out, blocks_[b + 1]);
        append(out, here);
        append_rest(out, blocks_[b + 1].end);
        return out;
      default:  // before the previous block
        if (b == 0) return std::nullopt;
        out = prefix(blocks_[b - 1].begin);
        append(out, here);
        append(out, blocks_[b - 1]);
        break;
    }
    append_rest(out, here.end);
    return out;
  }

 private:
  struct Block {
    std::size_t begin, end;
  };
  std::vector<std::uint32_t> prefix(std::size_t n) const {
    return {c_.begin(), c_.begin() + static_cast<std::ptrdiff_t>(n)};
  }
  void append(std::vector<std::uint32_t>& out, const Block& b) const {
    out.insert(out.end(), c_.begin() + static_cast<std::ptrdiff_t>(b.begin),
               c_.begin() + static_cast<std::ptrdiff_t>(b.end));
  }
  void append_rest(std::vector<std::uint32_t>& out, std::size_t from) const {
    out.insert(out.end(), c_.begin() + static_cast<std::ptrdiff_t>(from), c_.end());
  }

  const std::vector<std::uint32_t>& c_;
  const std::vector<std::uint32_t>& running_;
  std::vector<Block> blocks_;
  std::vector<std::size_t> preempting_;
};

std::string plural(std::uint64_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::filesystem::path shrunk_file(std::string_view token_or_file, const Shrunk& r) {
  if (const char* out = env_value("WEAVE_SHRINK_OUT")) return out;
  std::error_code ec;
  const std::filesystem::path input{std::string(token_or_file)};
  if (std::filesystem::is_regular_file(input, ec)) {
    std::filesystem::path p = input;
    if (p.extension() == ".schedule") p.replace_extension();
    p += ".shrunk.schedule";
    return p;
  }
  const char* dir = env_value("WEAVE_ARTIFACTS");
  const std::filesystem::path folder = dir != nullptr ? dir : "weave-failures";
  std::filesystem::create_directories(folder, ec);
  return folder / fmt::format("shrunk-{}.schedule", parse_schedule(r.shrunk).hash);
}

}  // namespace

std::optional<Shrunk> shrink_schedule(const std::function<void()>& body, const Config& config,
                                      StackPool& pool, std::string_view token,
                                      const ShrinkLimits& limits) {
  const Schedule s = parse_schedule(token);
  if (s.livelock) return std::nullopt;
  Config c = config;
  c.spurious_wakeups = s.spurious_wakeups;
  c.detect_races = !s.races_off;
  c.max_steps = std::max<std::uint64_t>(c.max_steps, s.steps + 1);
  Search search(body, c, pool, limits, s.check);
  Attempt best;
  {
    auto replay = make_replay_strategy(s.choices);
    best = search.run(*replay);
  }
  if (!best.failed || best.place.empty() || best.kind == BugKind::Livelock ||
      best.kind == BugKind::LockOrderInversion) {
    return std::nullopt;
  }
  Shrunk out;
  out.kind = best.kind;
  out.place = best.place;
  out.original = search.token(best);
  out.original_preemptions = best.preemptions;
  out.original_steps = best.steps;
  search.bound_steps(std::min<std::uint64_t>(c.max_steps, 4 * best.steps + 1000));
  // Take the first edit that fails the same way and is smaller, then start over from it.
  for (bool improved = true; improved && !search.spent();) {
    improved = false;
    const Edits edits(best);
    for (std::size_t i = 0; i < edits.size() && !search.spent(); ++i) {
      auto guide = edits.make(i);
      if (!guide) continue;
      auto guided = make_guided_strategy(std::move(*guide));
      Attempt a = search.run(*guided);
      if (a.fails_like(best) && a.smaller_than(best)) {
        best = std::move(a);
        improved = true;
        break;
      }
    }
  }
  out.shrunk = search.token(best);
  out.shrunk_preemptions = best.preemptions;
  out.shrunk_steps = best.steps;
  out.replays = search.replays();
  return out;
}

void shrink_quickly(const std::function<void()>& body, const Config& config, StackPool& pool,
                    Bug& bug) {
  // A livelock or a lock-order inversion has no single failing place to keep, and a run that
  // does not replay faithfully cannot be shrunk by replays.
  if (bug.kind == BugKind::Livelock || bug.kind == BugKind::LockOrderInversion ||
      !bug.nondeterminism.empty()) {
    return;
  }
  const auto r = shrink_schedule(body, config, pool, bug.schedule, ShrinkLimits{});
  if (!r) return;
  bug.preemptions = r->original_preemptions;
  if (r->shrunk != r->original) {
    bug.shrunk_schedule = r->shrunk;
    bug.shrunk_preemptions = r->shrunk_preemptions;
  }
}

Result shrink_for_tool(const std::function<void()>& body, std::string_view token_or_file,
                       const std::string& test, CrashPlan crash_plan) {
  std::string text;
  try {
    check_schedule_test(token_or_file, test);
    const ScheduleArgument loaded = load_schedule_argument(token_or_file);
    text = loaded.token;
    if (loaded.schedule.crashed) {
      throw ReplayError(
          "this schedule ended in a crash, and every try of a shrink that crashed would end the "
          "process: replay it instead (weave replay)");
    }
    crash_plan.token_flags = crash_token_flags(loaded.schedule);
  } catch (const ReplayError& e) {
    write_replay_error(e.what());
    throw;
  }
  ShrinkLimits limits;
  limits.replays = static_cast<std::uint64_t>(-1);
  limits.steps = static_cast<std::uint64_t>(-1);
  const char* budget = env_value("WEAVE_TIME_BUDGET");
  limits.time = budget != nullptr ? parse_duration("WEAVE_TIME_BUDGET", budget)
                                  : Duration(std::chrono::seconds(60));
  std::optional<Shrunk> r;
  {
    CrashReporting crash_reporting(std::move(crash_plan));
    const Config config;
    StackPool pool(config.stack_size);
    r = shrink_schedule(body, config, pool, text, limits);
  }
  // Not failing (or not fitting the program): what a replay says about it is the answer.
  if (!r) return replay_for_tool(body, token_or_file, test);

  const std::filesystem::path file = shrunk_file(token_or_file, *r);
  std::ofstream out(file);
  if (out) {
    out << "# weave schedule, shrunk: replay it with WEAVE_REPLAY=<this file> and the same test\n"
        << "weave-schedule 1\n"
        << "test: " << test << "\n"
        << "bug: " << to_string(r->kind) << "\n"
        << "place: " << r->place << "\n"
        << "preemptions: " << r->shrunk_preemptions << "\n"
        << "steps: " << r->shrunk_steps << "\n"
        << "original-preemptions: " << r->original_preemptions << "\n"
        << "original-steps: " << r->original_steps << "\n"
        << "original: " << r->original << "\n"
        << "replays: " << r->replays << "\n"
        << "schedule: " << r->shrunk << "\n";
  }
  if (env_value("WEAVE_QUIET") == nullptr) {
    std::fprintf(stderr,
                 "weave: shrank the schedule of %s%s%s at %s in %s\n  before: %s, %s  %s\n  "
                 "after:  %s, %s  %s\n  %s %s\n",
                 test.empty() ? "the check" : test.c_str(), ": ", to_string(r->kind),
                 r->place.c_str(), plural(r->replays, "replay").c_str(),
                 plural(r->original_preemptions, "preemption").c_str(),
                 plural(r->original_steps, "step").c_str(), r->original.c_str(),
                 plural(r->shrunk_preemptions, "preemption").c_str(),
                 plural(r->shrunk_steps, "step").c_str(), r->shrunk.c_str(),
                 out ? "saved to" : "could not save it to", file.c_str());
  }
  Result result = replay_for_tool(body, r->shrunk, test);
  if (result.bug && out) result.bug->schedule_file = file.string();
  return result;
}

}  // namespace weave::detail
