#pragma once
// The exploration tree shared by the systematic strategies (DFS, DPOR).
//
// Every decision with more than one option (which thread runs, whether a timed wait times out, a
// random draw) is a node; an execution is a path from the root. Each execution replays the path
// of the previous one up to its deepest node with an option left, takes that option, and goes on
// with fresh nodes. DFS marks every option of a fresh node to be explored; DPOR marks only the one
// taken and adds others when it finds a race that an other order could reverse.
//
// Bounds. A preemption is switching away from a thread that could have gone on (CHESS); at most
// `preemption_bound` per schedule. A thread that yields (yield(), sleep(0)) is picked again at that
// decision, while another thread can run, at most kMaxYieldContinues times per schedule (and never
// first), so spin loops end (fair scheduling, as in CHESS) while a yield that is only a hint still
// lets its thread go on in some schedules; a timed wait may time out while another thread could run
// at most kMaxEarlyTimeouts times per schedule, so polling loops end.
//
// The fair suffix. Past `unfair_steps` steps of one execution, every decision lets the next thread
// in turn run (the first runnable one numbered above the current one, round robin), and nothing
// else is explored there: a thread that busy-waits while making progress of its own (a counter it
// bumps as it polls) would otherwise run alone forever in the first schedule, and a program that
// ends under every fair schedule would be called a livelock. Such a turn is no preemption.
//
// Sharding. With n > 1 shards the first kShardDepth levels are split: a path belongs to the shard
// its first choices hash to, and each shard only explores its own subtrees. Every shard walks the
// levels above the split (their few executions are run, but counted by one shard only).
#include <cstdint>
#include <string>
#include <vector>

#include "strategy.hpp"

namespace weave::detail {

class TreeStrategy : public StrategyImpl {
 public:
  static constexpr int kMaxEarlyTimeouts = 2;
  static constexpr int kMaxYieldContinues = 2;

  TreeStrategy(int preemption_bound, Shard shard, bool reduce, std::uint64_t unfair_steps);

  bool new_execution() override;
  std::size_t next_thread(const Decision& d) override;
  std::uint64_t next_u64(std::uint64_t bound) override;
  void end_execution(std::uint64_t steps) override;
  std::string divergence() const override { return divergence_; }
  bool wants_events() const override { return true; }
  void attach(const EventLog* log) override { log_ = log; }
  bool counts() const override { return counted_; }
  std::string coverage(std::uint64_t schedules) const override;

 protected:
  enum State : std::uint8_t { kBlocked, kIdle, kTodo, kDone };  // of one option at one node
  struct SleepEntry {
    std::uint32_t thread;
    std::vector<Access> footprint;
  };
  struct Node {
    bool draw = false;
    std::vector<std::uint32_t> options;  // candidates, or draw values
    std::vector<State> state;
    std::vector<std::vector<Access>> footprint;  // per explored option: what its event touched
    std::vector<SleepEntry> sleep;               // DPOR: sleep set on reaching the node
    std::uint32_t current = 0;
    bool current_runnable = false;
    bool yielded = false;
    bool full = false;        // every option explored (no reduction here)
    int preemptions = 0;      // before this node's choice
    int early_timeouts = 0;   // before this node's choice
    int yield_continues = 0;  // before this node's choice
    std::size_t chosen = 0;
    std::uint32_t event = 0;  // the event its choice starts
  };

  // DPOR: after an execution, find its races and add options to explore.
  virtual void analyze() {}
  // The option of `node` that runs plain thread `thread`, or options.size().
  static std::size_t option_of(const Node& node, std::uint32_t thread);
  // Whether `option` runs a thread in the node's sleep set (DPOR: an equivalent order was
  // explored from here already).
  static bool asleep(const Node& n, std::size_t option);
  bool sharded() const { return shard_.count > 1; }

  std::vector<Node> nodes_;
  const EventLog* log_ = nullptr;
  bool reduce_;
  int bound_;

 private:
  static constexpr std::size_t kShardDepth = 6;
  bool allowed(const Node& n, std::size_t option) const;
  int preempts(const Node& n, std::size_t option) const;
  // Choosing `option` times a wait out while a thread could run (at most kMaxEarlyTimeouts per
  // schedule), or lets a thread that just yielded go on while another could (kMaxYieldContinues).
  static bool early_timeout(const Node& n, std::size_t option);
  static bool yield_continue(const Node& n, std::size_t option);
  void take(Node& n, std::size_t option);
  void enter(const Node& n);
  void filter_sleep();
  std::uint64_t path_hash(std::size_t depth, std::size_t last_option) const;
  bool owned(std::size_t depth, std::size_t option) const;
  std::size_t fresh_choice(Node& n);
  std::size_t replayed(bool draw, std::span<const std::uint32_t> options);

  // The option that lets the next thread in turn run (the fair suffix).
  static std::size_t next_in_turn(const Node& n);

  Shard shard_;
  std::uint64_t unfair_steps_;
  std::uint64_t fair_executions_ = 0;  // executions that reached the fair suffix
  bool fair_ = false;                  // this one has
  std::size_t pos_ = 0;
  bool started_ = false;
  bool counted_ = true;
  bool stopped_ = false;  // this execution was cut short as redundant
  bool exhausted_ = false;
  int preemptions_ = 0;
  int early_timeouts_ = 0;
  int yield_continues_ = 0;
  int max_preemptions_ = 0;
  std::uint64_t cut_ = 0;
  std::uint64_t foreign_ = 0;
  std::vector<SleepEntry> sleep_;
  std::size_t filtered_ = 0;  // events of the log already applied to sleep_
  std::string divergence_;
};

}  // namespace weave::detail
