#include "weave/future.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "weave/detail/future_core.hpp"
#include "weave/errors.hpp"

namespace weave::detail {

namespace {
std::string described(const Object& o) {
  return o.display_name() + " (created at " + where(o.created()) + ")";
}
}  // namespace

FutureCore::FutureCore(std::source_location created)
    : object_(ObjectKind::Future, std::string(), created) {}

// The state queries are scheduling points (Op::Read on the future) so that a loop polling
// done() lets other threads run under the checker.
bool FutureCore::done(const std::source_location& loc) {
  Backend* b = begin_op(Op::Read, &object_, loc);
  Guard g(monitor_);
  const bool d = is_done();
  if (d && b != nullptr) b->acquired(object_);
  return d;
}

bool FutureCore::running(const std::source_location& loc) {
  begin_op(Op::Read, &object_, loc);
  Guard g(monitor_);
  return status_ == FutureStatus::Running;
}

bool FutureCore::cancelled(const std::source_location& loc) {
  Backend* b = begin_op(Op::Read, &object_, loc);
  Guard g(monitor_);
  const bool c = status_ == FutureStatus::Cancelled;
  if (c && b != nullptr) b->acquired(object_);
  return c;
}

bool FutureCore::cancel(const std::source_location& loc) {
  Backend* b = begin_op(Op::Cancel, &object_, loc);
  Guard g(monitor_);
  if (status_ == FutureStatus::Cancelled) return true;
  if (status_ != FutureStatus::Pending) return false;
  status_ = FutureStatus::Cancelled;
  if (b != nullptr) b->released(object_);
  complete(g);
  return true;
}

bool FutureCore::wait_until_done(Guard& g, Instant deadline, const std::source_location& loc) {
  while (!is_done()) {
    if (!waiters_.wait(g, deadline, loc)) return is_done();
  }
  return true;
}

void FutureCore::throw_if_cancelled(const std::source_location& loc) const {
  if (status_ == FutureStatus::Cancelled) {
    throw CancelledError(described(object_) + " was cancelled (at " + where(loc) + ")");
  }
}

void FutureCore::result(Duration timeout, const std::source_location& loc) {
  std::exception_ptr error = exception(timeout, loc);
  if (error != nullptr) std::rethrow_exception(error);
}

std::exception_ptr FutureCore::exception(Duration timeout, const std::source_location& loc) {
  Backend* b = begin_op(Op::Join, &object_, loc);
  Guard g(monitor_);
  if (!wait_until_done(g, deadline_after(timeout), loc)) {
    throw TimeoutError(described(object_) + " is not done after the timeout (at " + where(loc) +
                       ")");
  }
  if (b != nullptr) b->acquired(object_);
  throw_if_cancelled(loc);
  return error_;
}

bool FutureCore::wait_done(Instant deadline, const std::source_location& loc) {
  Backend* b = begin_op(Op::Join, &object_, loc);
  Guard g(monitor_);
  if (!wait_until_done(g, deadline, loc)) return false;
  if (b != nullptr) b->acquired(object_);
  return true;
}

void FutureCore::add_done_callback(Callback callback, const std::source_location& loc) {
  Backend* b = begin_op(Op::Read, &object_, loc);
  Guard g(monitor_);
  if (!is_done()) {
    // The callbacks run in the order they were added: adding one changes what others see.
    if (b != nullptr) b->touched(object_, true);
    callbacks_.push_back(std::move(callback));
    return;
  }
  if (b != nullptr) b->acquired(object_);
  g.unlock();
  run_callback(callback);
}

bool FutureCore::set_running_or_notify_cancel(const std::source_location& loc) {
  // Whether a cancel() comes before or after this decides the task's fate.
  if (Backend* b = backend()) b->touched(object_, true);
  Guard g(monitor_);
  if (status_ == FutureStatus::Cancelled) return false;
  if (status_ != FutureStatus::Pending) {
    usage_error("set_running_or_notify_cancel on " + object_.display_name() +
                    ", which is already running or finished",
                loc);
  }
  status_ = FutureStatus::Running;
  return true;
}

void FutureCore::finish(Store store, void* value, std::exception_ptr error,
                        const std::source_location& loc) {
  begin_op(Op::Complete, &object_, loc);
  if (store == nullptr && error == nullptr) {
    usage_error("set_exception on " + object_.display_name() + " with a null exception", loc);
  }
  Guard g(monitor_);
  if (is_done()) {
    usage_error(object_.display_name() + " is already " +
                    (status_ == FutureStatus::Cancelled ? "cancelled" : "finished"),
                loc);
  }
  finish_locked(g, store, value, std::move(error));
}

bool FutureCore::try_finish(Store store, void* value, std::exception_ptr error,
                            const std::source_location& loc) {
  begin_op(Op::Complete, &object_, loc);
  Guard g(monitor_);
  if (is_done()) return false;
  finish_locked(g, store, value, std::move(error));
  return true;
}

void FutureCore::finish_locked(Guard& g, Store store, void* value, std::exception_ptr error) {
  if (error != nullptr) {
    error_ = std::move(error);
  } else {
    store(*this, value);
  }
  status_ = FutureStatus::Finished;
  if (Backend* b = backend()) b->released(object_);
  complete(g);
}

void FutureCore::complete(Guard& g) {
  waiters_.notify_all();
  const bool f = failed();
  for (const Listener& l : listeners_) l.waiter->on_done(l.index, f);
  listeners_.clear();
  std::vector<Callback> callbacks = std::move(callbacks_);
  callbacks_.clear();
  g.unlock();
  for (Callback& cb : callbacks) run_callback(cb);
}

void FutureCore::run_callback(Callback& callback) {
  // As Python: an exception from a callback is logged and ignored.
  try {
    callback(*this);
  } catch (const ExecutionAborted&) {
    throw;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "exception calling callback for %s: %s\n", object_.display_name().c_str(),
                 e.what());
  } catch (...) {
    std::fprintf(stderr, "exception calling callback for %s: unknown exception\n",
                 object_.display_name().c_str());
  }
}

// ---- FutureWaiter ---------------------------------------------------------------------------

FutureWaiter::FutureWaiter(std::vector<FutureCore*> cores, const std::source_location& loc)
    : cores_(std::move(cores)),
      queue_(cores_.empty() ? nullptr : &cores_.front()->object()),
      done_(cores_.size(), false) {
  begin_op(Op::Join, cores_.empty() ? nullptr : &cores_.front()->object(), loc);
  for (std::size_t i = 0; i < cores_.size(); ++i) {
    FutureCore& c = *cores_[i];
    // It looks at every future, not only the first (the one its scheduling point names).
    if (Backend* b = backend()) b->touched(c.object_, false);
    Guard g(c.monitor_);
    if (c.is_done()) {
      on_done(i, c.failed());
    } else {
      c.listeners_.push_back(FutureCore::Listener{this, i});
    }
  }
}

FutureWaiter::~FutureWaiter() {
  for (FutureCore* c : cores_) {
    Guard g(c->monitor_);
    std::erase_if(c->listeners_,
                  [this](const FutureCore::Listener& l) { return l.waiter == this; });
  }
}

void FutureWaiter::on_done(std::size_t index, bool failed) {
  Guard g(monitor_);
  done_[index] = true;
  finished_.push_back(index);
  any_failed_ = any_failed_ || failed;
  queue_.notify_all();
}

bool FutureWaiter::satisfied(ReturnWhen when) const noexcept {
  if (finished_.size() == cores_.size()) return true;
  switch (when) {
    case ReturnWhen::FirstCompleted:
      return !finished_.empty();
    case ReturnWhen::FirstException:
      return any_failed_;
    case ReturnWhen::AllCompleted:
      return false;
  }
  return false;
}

std::vector<bool> FutureWaiter::wait(ReturnWhen when, Instant deadline,
                                     const std::source_location& loc) {
  Guard g(monitor_);
  while (!satisfied(when)) {
    if (!queue_.wait(g, deadline, loc)) break;
  }
  if (Backend* b = backend()) {
    for (std::size_t i : finished_) b->acquired(cores_[i]->object());
  }
  return done_;
}

std::size_t FutureWaiter::next(Instant deadline, const std::source_location& loc) {
  Backend* b = begin_op(Op::Join, cores_.empty() ? nullptr : &cores_.front()->object(), loc);
  Guard g(monitor_);
  while (taken_ == finished_.size()) {
    if (taken_ == cores_.size()) return npos;
    if (!queue_.wait(g, deadline, loc) && taken_ == finished_.size()) {
      throw TimeoutError(std::to_string(cores_.size() - finished_.size()) + " (of " +
                         std::to_string(cores_.size()) + ") futures unfinished (at " + where(loc) +
                         ")");
    }
  }
  const std::size_t i = finished_[taken_++];
  if (b != nullptr) b->acquired(cores_[i]->object());
  return i;
}

// ---- map helpers ----------------------------------------------------------------------------

void gather(const std::vector<FutureCore*>& cores, const std::source_location& loc) {
  for (std::size_t i = 0; i < cores.size(); ++i) {
    try {
      cores[i]->result(Duration::max(), loc);
    } catch (const ExecutionAborted&) {
      throw;
    } catch (...) {
      abandon(cores, i + 1, loc);
      throw;
    }
  }
}

void abandon(const std::vector<FutureCore*>& cores, std::size_t from,
             const std::source_location& loc) {
  for (std::size_t i = from; i < cores.size(); ++i) cores[i]->cancel(loc);
  for (std::size_t i = from; i < cores.size(); ++i) cores[i]->wait_done(kNever, loc);
}

}  // namespace weave::detail
