#include "weave/executor.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <thread>
#include <utility>

#include "weave/errors.hpp"

namespace weave::detail {

namespace {
std::size_t default_max_workers() {
  // Under the checker the default must not depend on the machine, or a saved schedule would not
  // replay elsewhere: count one CPU there.
  if (backend() != nullptr) return 1 + 4;
  // As Python: min(32, os.cpu_count() + 4).
  return std::min<std::size_t>(32, std::thread::hardware_concurrency() + 4);
}
}  // namespace

ExecutorCore::ExecutorCore(std::size_t max_workers, std::string thread_name_prefix,
                           std::source_location loc)
    : object_(ObjectKind::Executor, thread_name_prefix, loc),
      max_workers_(max_workers == 0 ? default_max_workers() : max_workers),
      prefix_(std::move(thread_name_prefix)) {
  if (prefix_.empty()) prefix_ = "ThreadPoolExecutor-" + std::to_string(object_.id());
}

ExecutorCore::~ExecutorCore() {
  Backend* b = backend();
  if (b != nullptr && b->unwinding()) return;  // a torn-down checked run must not block
  try {
    shutdown(true, false, object_.created());
  } catch (...) {
    // A destructor must not throw (shutdown from one of its own workers, an aborted run).
  }
  on_destroy(object_);  // its workers are gone: who still waits on it waits for a submit
}

void ExecutorCore::submit(std::shared_ptr<FutureCore> future, std::unique_ptr<Task> task,
                          const std::source_location& loc) {
  Backend* b = begin_op(Op::Submit, &object_, loc);
  Thread* spawned = nullptr;
  {
    Guard g(monitor_);
    if (shutdown_) usage_error("submit after shutdown of " + object_.display_name(), loc);
    work_.push_back(WorkItem{std::move(future), std::move(task)});
    if (b != nullptr) b->released(object_);
    // As Python's _adjust_thread_count: reuse an idle worker, else start one if allowed.
    if (work_.size() > waiting_ && threads_.size() < max_workers_) {
      threads_.push_back(
          std::make_unique<Thread>(ThreadOptions{prefix_ + "_" + std::to_string(threads_.size())},
                                   [this] { worker_loop(); }));
      ++live_;
      spawned = threads_.back().get();
    }
    work_available_.notify_one();
  }
  // Started outside the monitor (start() is a scheduling point); shutdown(wait=true) waits for
  // live_ to drop to 0, so it never joins a worker that is not started yet.
  if (spawned != nullptr) start_worker(*spawned, loc);
}

void ExecutorCore::start_worker(Thread& worker, const std::source_location& loc) {
  try {
    worker.start(loc);
  } catch (const ExecutionAborted&) {
    throw;
  } catch (...) {
    Guard g(monitor_);
    std::erase_if(threads_, [&](const std::unique_ptr<Thread>& t) { return t.get() == &worker; });
    --live_;
    workers_exited_.notify_all();
    throw;
  }
}

void ExecutorCore::worker_loop() {
  const std::source_location& loc = object_.created();
  for (;;) {
    Backend* b = begin_op(Op::Get, &object_, loc);
    WorkItem item;
    {
      Guard g(monitor_);
      while (work_.empty() && !shutdown_) {
        ++waiting_;
        work_available_.wait(g, kNever, loc);
        --waiting_;
      }
      if (work_.empty()) {
        // Shut down and drained, as Python's worker: end.
        --live_;
        if (b != nullptr) b->released(object_);
        workers_exited_.notify_all();
        return;
      }
      item = std::move(work_.front());
      work_.pop_front();
    }
    if (b != nullptr) b->acquired(object_);
    run_item(item);
  }
}

void ExecutorCore::run_item(WorkItem& item) {
  FutureCore& future = *item.future;
  const std::source_location& loc = future.object().created();
  if (!future.set_running_or_notify_cancel(loc)) return;
  std::exception_ptr error;
  try {
    item.task->run();
  } catch (const ExecutionAborted&) {
    throw;
  } catch (...) {
    error = std::current_exception();
  }
  // Published outside the handler, so that this thread holds no reference to the exception of
  // its own once the future is done.
  if (error != nullptr) future.try_finish(nullptr, nullptr, std::move(error), loc);
}

void ExecutorCore::shutdown(bool wait, bool cancel_futures, const std::source_location& loc) {
  begin_op(Op::Shutdown, &object_, loc);
  std::deque<WorkItem> dropped;
  {
    Guard g(monitor_);
    shutdown_ = true;
    if (cancel_futures) dropped.swap(work_);
    work_available_.notify_all();
  }
  for (WorkItem& item : dropped) item.future->cancel(loc);
  dropped.clear();
  if (wait) wait_for_workers(loc);
}

void ExecutorCore::wait_for_workers(const std::source_location& loc) {
  const std::uint64_t me = current_ident();
  std::vector<Thread*> to_join;
  {
    Guard g(monitor_);
    for (const std::unique_ptr<Thread>& t : threads_) {
      if (t->ident() == me) {
        usage_error("shutdown(wait=true) of " + object_.display_name() + " from its own worker " +
                        t->name() + " would wait for itself",
                    loc);
      }
    }
    while (live_ > 0) workers_exited_.wait(g, kNever, loc);
    if (!joining_) {
      joining_ = true;
      for (const std::unique_ptr<Thread>& t : threads_) to_join.push_back(t.get());
    }
  }
  if (Backend* b = backend()) b->acquired(object_);
  for (Thread* t : to_join) t->join(loc);
}

}  // namespace weave::detail
