#pragma once
// weave/barrier.hpp — Barrier, a meeting point for a fixed number of threads (Python's
// threading.Barrier).
//
// Each of `parties` threads calls wait(); all of them block until the last one arrives, then all
// go on together and the barrier is ready for the next round. wait() returns the caller's arrival
// index in its round (0 for the first, parties-1 for the last), distinct within a round. The last
// arriving thread runs the optional action before the others are let go; a thread that comes back
// for the next round while the action runs waits for it to finish, so rounds never mix.
//
// A barrier breaks when a wait() times out, when the action throws or on abort(): every waiter,
// and every later wait(), gets BrokenBarrierError (the action's own exception goes to the thread
// that ran it) until reset(). reset() also breaks the round in progress (its waiters get
// BrokenBarrierError) and makes the barrier usable again. A round whose action is already running
// has everyone: abort() or reset() meanwhile lets it finish normally and acts on what follows.
//
// Happens-before: every arrival in a round happens before the action and before any thread
// returns from that round's wait().
#include <cstddef>
#include <cstdint>
#include <functional>
#include <source_location>
#include <string>

#include "weave/backend.hpp"
#include "weave/detail/wait_queue.hpp"
#include "weave/duration.hpp"

namespace weave {

class Barrier {
 public:
  // parties == 0: UsageError.
  explicit Barrier(std::size_t parties, std::function<void()> action = {}, std::string name = {},
                   std::source_location loc = std::source_location::current());
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  ~Barrier() { detail::on_destroy(object_); }

  // Waits for the round to fill; returns the arrival index. Broken: BrokenBarrierError.
  std::size_t wait(std::source_location loc = std::source_location::current());
  // As wait(), but running out of `timeout` first breaks the barrier (BrokenBarrierError).
  std::size_t wait(Duration timeout, std::source_location loc = std::source_location::current());
  // Breaks the round in progress (its waiters get BrokenBarrierError) and makes the barrier
  // usable again.
  void reset(std::source_location loc = std::source_location::current());
  // Breaks the barrier: waiters and later wait() calls get BrokenBarrierError until reset().
  void abort(std::source_location loc = std::source_location::current());
  bool broken(std::source_location loc = std::source_location::current()) const;
  std::size_t parties() const noexcept { return parties_; }
  // Threads waiting for the current round to fill.
  std::size_t n_waiting(std::source_location loc = std::source_location::current()) const;

  const detail::Object& object() const noexcept { return object_; }

 private:
  enum class Outcome : std::uint8_t { Pending, Passed, Broken };
  std::size_t wait_until(detail::Instant deadline, const std::source_location& loc);
  // The last arrival: runs the action and ends the round.
  std::size_t trip(detail::Guard& g, std::size_t index);
  void end_round(Outcome outcome);
  void break_barrier();
  [[noreturn]] void throw_broken(const std::source_location& loc) const;

  detail::Object object_;
  const std::size_t parties_;
  const std::function<void()> action_;
  // All under monitor_.
  std::size_t count_ = 0;  // arrivals in the round filling now
  bool broken_ = false;    // until reset()
  bool tripping_ = false;  // the last arrival is running the action, unlocked
  mutable detail::Monitor monitor_;
  detail::WaitQueue waiters_{&object_};  // this round's arrivals; each tag points at its Outcome
  detail::WaitQueue entry_{&object_};    // arrivals held back while the action runs
};

}  // namespace weave
