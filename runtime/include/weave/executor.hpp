#pragma once
// weave/executor.hpp — ThreadPoolExecutor (Python's concurrent.futures.ThreadPoolExecutor).
//
//   ThreadPoolExecutor  runs calls on a pool of at most max_workers weave Threads, named
//                       "<prefix>_0", "<prefix>_1", ...; a worker is started by submit() only
//                       when no idle one can take the new call. submit() returns a Future<R>;
//                       map() runs a function over a range and returns the results in order;
//                       shutdown() stops accepting work, and the destructor waits for it all.
// Future, wait() and as_completed() are in weave/future.hpp (included).
//
// Happens-before: submit() happens before the call starts; the call (and its result or
// exception) happens before what the Future reports (see future.hpp); every worker's end happens
// before shutdown(wait=true) returns.
#include <concepts>
#include <cstddef>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ranges>
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "weave/backend.hpp"
#include "weave/detail/future_core.hpp"
#include "weave/detail/wait_queue.hpp"
#include "weave/future.hpp"
#include "weave/thread.hpp"

namespace weave {

namespace detail {

// The value type a call of a decayed F with decayed A... produces (void allowed).
template <class F, class... A>
using task_result_t =
    std::remove_cvref_t<std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>>;

// A type-erased call, run at most once by a worker; it may hold move-only arguments.
class Task {
 public:
  virtual ~Task() = default;
  virtual void run() = 0;
};
template <class Fn>
class TaskOf final : public Task {
 public:
  explicit TaskOf(Fn fn) : fn_(std::move(fn)) {}
  void run() override { fn_(); }

 private:
  Fn fn_;
};

// The non-template pool: a deque of work under a monitor, workers started on demand.
class ExecutorCore {
 public:
  ExecutorCore(std::size_t max_workers, std::string thread_name_prefix, std::source_location loc);
  ExecutorCore(const ExecutorCore&) = delete;
  ExecutorCore& operator=(const ExecutorCore&) = delete;
  ~ExecutorCore();

  // Queues `task`, whose result goes to `future`; starts a worker if none is idle.
  void submit(std::shared_ptr<FutureCore> future, std::unique_ptr<Task> task,
              const std::source_location& loc);
  void shutdown(bool wait, bool cancel_futures, const std::source_location& loc);
  std::size_t max_workers() const noexcept { return max_workers_; }
  const Object& object() const noexcept { return object_; }

 private:
  struct WorkItem {
    std::shared_ptr<FutureCore> future;
    std::unique_ptr<Task> task;
  };
  void worker_loop();
  void run_item(WorkItem& item);
  void start_worker(Thread& worker, const std::source_location& loc);
  void wait_for_workers(const std::source_location& loc);

  Object object_;
  std::size_t max_workers_;
  std::string prefix_;
  Monitor monitor_;
  WaitQueue work_available_{&object_};
  WaitQueue workers_exited_{&object_};
  std::deque<WorkItem> work_;
  std::vector<std::unique_ptr<Thread>> threads_;
  std::size_t waiting_ = 0;  // workers waiting for work (including those woken, not yet back)
  std::size_t live_ = 0;     // workers created and not yet out of their loop
  bool shutdown_ = false;
  bool joining_ = false;  // a shutdown(wait=true) has taken the job of joining the threads
};

}  // namespace detail

class ThreadPoolExecutor {
 public:
  // max_workers 0: min(32, hardware threads + 4). An empty prefix: "ThreadPoolExecutor-N",
  // N being the executor's number; a given prefix also names the executor in reports.
  explicit ThreadPoolExecutor(std::size_t max_workers = 0, std::string thread_name_prefix = "",
                              std::source_location loc = std::source_location::current())
      : core_(max_workers, std::move(thread_name_prefix), loc) {}
  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;
  // shutdown(true): waits for every submitted call. Never destroy it from one of its own calls.
  ~ThreadPoolExecutor() = default;

  // Schedules fn() and returns its Future. After shutdown(): UsageError.
  template <class F>
  requires std::invocable<std::decay_t<F>>
  auto submit(F&& fn, std::source_location loc = std::source_location::current())
      -> Future<detail::task_result_t<F>> {
    return submit_at(loc, std::forward<F>(fn));
  }
  // Schedules fn(args...) on decayed copies of fn and args (as std::thread); the result type
  // drops references and cv-qualifiers. After shutdown(): UsageError.
  template <class F, class A0, class... A>
  requires std::invocable<std::decay_t<F>, std::decay_t<A0>, std::decay_t<A>...>
  auto submit(F&& fn, A0&& arg0, A&&... args) -> Future<detail::task_result_t<F, A0, A...>> {
    // A trailing source_location cannot follow a pack: report the executor's creation site.
    return submit_at(core_.object().created(), std::forward<F>(fn), std::forward<A0>(arg0),
                     std::forward<A>(args)...);
  }

  // Submits fn(item) for every item, waits for all and returns the results in input order
  // (nothing for a void fn). The first exception in input order is rethrown after the calls not
  // yet started are cancelled and the running ones have finished.
  template <class F, class Range>
  requires std::ranges::input_range<Range>
  auto map(F&& fn, Range&& items, std::source_location loc = std::source_location::current()) {
    using R = detail::task_result_t<F, std::ranges::range_reference_t<Range>>;
    std::vector<Future<R>> fs;
    std::vector<detail::FutureCore*> cores;
    try {
      for (auto&& item : items) {
        fs.push_back(submit_at(loc, fn, std::forward<decltype(item)>(item)));
        cores.push_back(detail::FutureAccess::state(fs.back()).get());
      }
    } catch (const detail::ExecutionAborted&) {
      throw;
    } catch (...) {
      detail::abandon(cores, 0, loc);
      throw;
    }
    detail::gather(cores, loc);
    if constexpr (std::is_void_v<R>) {
      return;
    } else {
      std::vector<R> out;
      out.reserve(fs.size());
      for (const Future<R>& f : fs) out.push_back(*detail::FutureAccess::state(f)->value);
      return out;
    }
  }
  template <class F, class T>
  auto map(F&& fn, std::initializer_list<T> items,
           std::source_location loc = std::source_location::current()) {
    return map(std::forward<F>(fn), std::vector<T>(items), loc);
  }

  // Accepts no more calls; with cancel_futures cancels those not started; with wait, waits
  // until every worker has finished. Waiting from one of its own workers: UsageError.
  void shutdown(bool wait = true, bool cancel_futures = false,
                std::source_location loc = std::source_location::current()) {
    core_.shutdown(wait, cancel_futures, loc);
  }
  std::size_t max_workers() const noexcept { return core_.max_workers(); }

 private:
  template <class F, class... A>
  auto submit_at(const std::source_location& loc, F&& fn, A&&... args)
      -> Future<detail::task_result_t<F, A...>> {
    using R = detail::task_result_t<F, A...>;
    auto state = std::make_shared<detail::FutureState<R>>(loc);
    auto call = [s = state.get(), f = std::forward<F>(fn),
                 a = std::tuple<std::decay_t<A>...>(std::forward<A>(args)...)]() mutable {
      // The callable and the arguments are released before the future completes.
      std::optional<std::conditional_t<std::is_void_v<R>, detail::NoValue, R>> value;
      {
        auto fn_here = std::move(f);
        auto args_here = std::move(a);
        if constexpr (std::is_void_v<R>) {
          std::apply(std::move(fn_here), std::move(args_here));
          value.emplace();
        } else {
          value.emplace(std::apply(std::move(fn_here), std::move(args_here)));
        }
      }
      s->try_finish(&detail::FutureState<R>::store, &*value, nullptr, s->object().created());
    };
    core_.submit(state, std::make_unique<detail::TaskOf<decltype(call)>>(std::move(call)), loc);
    return detail::FutureAccess::make(std::move(state));
  }

  detail::ExecutorCore core_;
};

}  // namespace weave
