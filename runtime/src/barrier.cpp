#include "weave/barrier.hpp"

#include <exception>
#include <string>

#include "weave/errors.hpp"

namespace weave {

Barrier::Barrier(std::size_t parties, std::function<void()> action, std::string name,
                 std::source_location loc)
    : object_(detail::ObjectKind::Barrier, std::move(name), loc),
      parties_(parties),
      action_(std::move(action)) {
  if (parties_ == 0) {
    detail::usage_error("Barrier " + object_.display_name() + " needs at least one party", loc);
  }
}

std::size_t Barrier::wait(std::source_location loc) { return wait_until(detail::kNever, loc); }

std::size_t Barrier::wait(Duration timeout, std::source_location loc) {
  return wait_until(detail::deadline_after(timeout), loc);
}

std::size_t Barrier::wait_until(detail::Instant deadline, const std::source_location& loc) {
  detail::Backend* b = detail::begin_op(detail::Op::Wait, &object_, loc);
  detail::Guard g(monitor_);
  // While the action runs its round is full: a newcomer belongs to the next round and must not
  // count in this one.
  while (tripping_ && !broken_) {
    if (!entry_.wait(g, deadline, loc)) break_barrier();
  }
  if (broken_) {
    g.unlock();
    throw_broken(loc);
  }
  const std::size_t index = count_++;
  if (b != nullptr) b->released(object_);
  if (count_ == parties_) return trip(g, index);

  Outcome outcome = Outcome::Pending;
  const auto tag = reinterpret_cast<std::uintptr_t>(&outcome);
  while (outcome == Outcome::Pending) {
    if (waiters_.wait(g, deadline, loc, tag)) continue;
    if (tripping_) {
      // Everyone arrived before the deadline; only the action is still running. As in Python,
      // that round is not broken by our timeout: wait for its end.
      deadline = detail::kNever;
      continue;
    }
    break_barrier();  // we are off the queue already: set our own outcome
    outcome = Outcome::Broken;
  }
  g.unlock();
  if (b != nullptr) b->acquired(object_);
  if (outcome == Outcome::Broken) throw_broken(loc);
  return index;
}

std::size_t Barrier::trip(detail::Guard& g, std::size_t index) {
  detail::Backend* b = detail::backend();
  if (b != nullptr) b->acquired(object_);  // the action sees every arrival
  std::exception_ptr error;
  if (action_) {
    tripping_ = true;
    g.unlock();
    try {
      action_();
    } catch (const detail::ExecutionAborted&) {
      throw;  // the checked execution is being torn down: leave everything as it is
    } catch (...) {
      error = std::current_exception();
    }
    g.lock();
    tripping_ = false;
  }
  if (b != nullptr) b->released(object_);  // and the action happens before every departure
  if (error) broken_ = true;
  end_round(error ? Outcome::Broken : Outcome::Passed);
  entry_.notify_all();
  g.unlock();
  if (error) std::rethrow_exception(error);
  return index;
}

void Barrier::end_round(Outcome outcome) {
  for (const detail::Waiter* w = waiters_.front(); w != nullptr; w = w->next) {
    *reinterpret_cast<Outcome*>(w->tag) = outcome;
  }
  waiters_.notify_all();
  count_ = 0;
}

void Barrier::break_barrier() {
  broken_ = true;
  // A round whose action is running has everyone: its thread decides how it ends.
  if (!tripping_) end_round(Outcome::Broken);
  entry_.notify_all();
}

void Barrier::reset(std::source_location loc) {
  detail::Backend* b = detail::begin_op(detail::Op::Reset, &object_, loc);
  detail::Guard g(monitor_);
  if (b != nullptr) b->released(object_);
  if (!tripping_) end_round(Outcome::Broken);
  broken_ = false;
}

void Barrier::abort(std::source_location loc) {
  detail::Backend* b = detail::begin_op(detail::Op::Abort, &object_, loc);
  detail::Guard g(monitor_);
  if (b != nullptr) b->released(object_);
  break_barrier();
}

bool Barrier::broken(std::source_location loc) const {
  detail::query_point(&object_, loc);
  detail::Guard g(monitor_);
  return broken_;
}

std::size_t Barrier::n_waiting(std::source_location loc) const {
  detail::query_point(&object_, loc);
  detail::Guard g(monitor_);
  return tripping_ ? 0 : count_;
}

void Barrier::throw_broken(const std::source_location& loc) const {
  throw BrokenBarrierError("barrier " + object_.display_name() + " is broken (at " +
                           detail::where(loc) + ")");
}

}  // namespace weave
