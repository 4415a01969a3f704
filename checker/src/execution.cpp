#include "execution.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <set>

#include "caller.hpp"
#include "crash.hpp"
#include "schedule.hpp"
#include "weave/errors.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define WEAVE_ASAN 1
#endif

namespace weave::detail {

namespace {

// Joining a thread, or waiting for (or taking the result of) a future, only looks at whether it
// ended: such accesses are reads, which commute with each other (the thread's start, its exit and
// the future's completion or cancellation are the writes they depend on).
bool looks_only(const Object& obj) {
  return obj.kind() == ObjectKind::Thread || obj.kind() == ObjectKind::Future;
}

// Folds one word into the trace hash (a multiply-xorshift mix: one multiply per word).
std::uint64_t fnv(std::uint64_t h, std::uint64_t v) {
  h = (h ^ v) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

const char* note_text(StepNote n) {
  switch (n) {
    case StepNote::None:
      return "";
    case StepNote::Blocked:
      return "blocked";
    case StepNote::Woken:
      return "woken";
    case StepNote::TimedOut:
      return "timed out";
    case StepNote::Failed:
      return "failed";
    case StepNote::Spurious:
      return "woken spuriously";
  }
  return "";
}

// The Misuse of an OS thread the execution does not run using its objects (foreign_thread()).
Failure foreign_use(std::string message, std::uint64_t step) {
  return Failure{BugKind::Misuse, std::move(message),
                 "  an OS thread that weave::check() does not run used a facade object of this "
                 "execution\n",
                 step};
}

std::string what_of(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
}

}  // namespace

Execution::Execution(const Config& config, StrategyImpl& strategy, StackPool& pool,
                     ExecutionBuffers& buf, std::span<Detector* const> detectors)
    : config_(config), strategy_(strategy), pool_(pool), buf_(buf), detectors_(detectors) {
  for (Detector* d : detectors_) d->begin_execution();
  buf_.trace.clear();
  buf_.choices.clear();
  buf_.objects.clear();
  if (strategy_.wants_events()) {
    log_ = &buf_.log;
    log_->clear();
  }
  strategy_.attach(log_);
  next_object_id_.assign(static_cast<std::size_t>(ObjectKind::Memory) + 1, 0);
}

Execution::~Execution() {
  // Fibers are all finished by run(); release their stacks before the cores.
  threads_.clear();
}

// ---- running ---------------------------------------------------------------------------------

namespace {
// Records where a fiber's stack lies (for the sanitizer), then forwards to the pool.
struct RecordingStack {
  StackPool* pool;
  const void** bottom;
  std::size_t* size;
  boost::context::stack_context allocate() {
    boost::context::stack_context sc = pool->allocate();
    *bottom = static_cast<char*>(sc.sp) - sc.size;
    *size = sc.size;
    return sc;
  }
  void deallocate(boost::context::stack_context& sc) noexcept { pool->deallocate(sc); }
};
}  // namespace

void Execution::start_switch(void** fake, const void* bottom, std::size_t size) {
#ifdef WEAVE_ASAN
  __sanitizer_start_switch_fiber(fake, bottom, size);
#else
  (void)fake;
  (void)bottom;
  (void)size;
#endif
}

void Execution::finish_switch(void* fake) {
#ifdef WEAVE_ASAN
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#else
  (void)fake;
#endif
}

void Execution::make_fiber(FThread& t) {
  FThread* tp = &t;
  t.ctx = boost::context::fiber(
      std::allocator_arg, RecordingStack{&pool_, &t.stack_bottom, &t.stack_size},
      [this, tp](boost::context::fiber&& caller) { return entry(tp, std::move(caller)); });
}

boost::context::fiber Execution::entry(FThread* t, boost::context::fiber&& caller) {
  finish_switch(nullptr);
  sched_ = std::move(caller);
  if (!unwinding_) {
    // Runnable becomes Running (thread_main says so): Thread::state() can tell.
    note_touch_key(run_state_key(object_key(ObjectKind::Thread, t->core->object.id())), true);
    thread_main(t->core);
  } else {
    // Torn down before it ever ran.
    Guard g(t->core->monitor);
    t->core->finished = true;
    t->core->state.store(ThreadState::Terminated);
  }
  t->status = Status::Finished;
  t->waiter = nullptr;
  // This stack is done for: no fake stack to save.
  start_switch(nullptr, sched_bottom_, sched_size_);
  return std::move(sched_);
}

void Execution::run(const std::function<void()>& body) {
  previous_backend_ = tls_backend;
  tls_backend = this;
  publish_execution(&buf_, &hash_);  // a crash from here on saves these choices (crash.hpp)
  {
    // Where this OS thread's stack lies, for the sanitizer's stack-switch annotations. Asked once
    // per thread: for the main thread glibc reads /proc/self/maps to answer.
    struct StackBounds {
      bool known = false;
      void* bottom = nullptr;
      std::size_t size = 0;
    };
    static thread_local StackBounds bounds;
    if (!bounds.known) {
      bounds.known = true;
      pthread_attr_t attr;
      if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &bounds.bottom, &bounds.size) != 0) bounds.size = 0;
        pthread_attr_destroy(&attr);
      }
    }
    sched_bottom_ = bounds.bottom;
    sched_size_ = bounds.size;
  }

  main_core_ = std::make_shared<ThreadCore>("MainThread", false, std::source_location::current());
  main_core_->started = true;
  main_core_->target = [this, &body] {
    body();
    // Once the body has returned, its locals are gone: daemon threads never run again (they are
    // abandoned, as Python abandons them at exit). Threads still alive are joined, daemons
    // excepted.
    body_returned_ = true;
    for (std::size_t i = 1; i < threads_.size(); ++i) {
      ThreadCore& c = *threads_[i]->core;
      if (c.daemon) continue;
      Guard g(c.monitor);
      while (!c.finished) c.joiners.wait(g, kNever, std::source_location::current());
    }
  };
  main_thread_ = adopt_thread(main_core_);
  spawn(*main_core_);

  current_ = 0;
  open_event(0);
  for (;;) {
    FThread& t = *threads_[current_];
    set_running_fiber_name(t.core->object.name().c_str(), pool_.usable_size());
    void* fake = nullptr;
    start_switch(&fake, t.stack_bottom, t.stack_size);
    t.ctx = std::move(t.ctx).resume();
    finish_switch(fake);
    if (unwinding_) break;
    if (t.status == Status::Finished) {
      if (current_ == 0) break;  // the body ended: the execution is complete
      const std::int64_t next = pick();
      if (next == kDiverged) {
        diverged();
        break;
      }
      if (next == kNobody) {
        Failure f = deadlock();
        note_failure(f.kind, std::move(f.message), std::move(f.involved), f.failing_step);
        break;
      }
      current_ = static_cast<std::uint32_t>(next);
      continue;
    }
    current_ = next_;
  }

  close_event();
  if (std::string foreign = take_foreign_use(); !foreign.empty() && divergence_.empty()) {
    // An OS thread the execution does not run used its objects: whatever else happened (often a
    // false deadlock) follows from that.
    failure_ = foreign_use(std::move(foreign), buf_.trace.size());
    unwinding_ = true;
  }
  if (log_ != nullptr) {
    // A bug ended the run while other threads could still go on: what they would have done
    // never happened, so no race with it was seen (see the strategies' use of `cut_short`).
    log_->cut_short = failure_.has_value() &&
                      std::any_of(threads_.begin(), threads_.end(),
                                  [](const auto& t) { return t->status == Status::Runnable; });
  }
  // Tear down: end every thread still alive, newest first and MainThread last, so no thread
  // outlives the objects of the thread that created it.
  if (!failure_ && divergence_.empty() && deferred_) {
    // Nothing worse happened: the lock-order inversion is this execution's bug.
    failure_ = std::move(deferred_);
    if (failure_->failing_step - 1 < buf_.trace.size()) {
      buf_.trace[failure_->failing_step - 1].note = StepNote::Failed;
    }
  }
  unwinding_ = true;
  for (std::size_t i = threads_.size(); i-- > 0;) {
    FThread& t = *threads_[i];
    if (t.abandoned) retire(t);
    if (t.status == Status::Finished || !t.ctx) continue;
    current_ = static_cast<std::uint32_t>(i);
    void* fake = nullptr;
    start_switch(&fake, t.stack_bottom, t.stack_size);
    t.ctx = std::move(t.ctx).resume();
    finish_switch(fake);
  }
  if (failure_ == std::nullopt && divergence_.empty() && strategy_.unused_choices() > 0) {
    divergence_ = fmt::format(
        "the program ended after {} steps, but the schedule still has {} choices: the program "
        "changed, or it is nondeterministic outside weave's control",
        buf_.trace.size(), strategy_.unused_choices());
  }
  strategy_.end_execution(buf_.trace.size());
  main_thread_.reset();
  tls_backend = previous_backend_;
  publish_execution(nullptr, nullptr);
}

void Execution::switch_to(std::uint32_t next, bool may_throw) {
  next_ = next;
  void* fake = nullptr;
  start_switch(&fake, sched_bottom_, sched_size_);
  sched_ = std::move(sched_).resume();
  finish_switch(fake);
  if (may_throw && unwinding_ && std::uncaught_exceptions() == 0) throw ExecutionAborted{};
}

void Execution::check_unwinding() {
  if (unwinding_ && std::uncaught_exceptions() == 0) throw ExecutionAborted{};
}

std::int64_t Execution::pick() {
  close_event();
  auto& cands = buf_.candidates;
  cands.clear();
  Instant earliest = kNever;
  for (const auto& t : threads_) {
    if (body_returned_ && t->core->daemon) continue;
    if (t->status == Status::Runnable) {
      cands.push_back(t->index);
    } else if (t->status == Status::Blocked && t->deadline < earliest) {
      earliest = t->deadline;
    }
  }
  // A timed wait may end by its timeout at any decision, the earliest deadline first.
  if (earliest != kNever) {
    for (const auto& t : threads_) {
      if (body_returned_ && t->core->daemon) continue;
      if (t->status == Status::Blocked && t->deadline == earliest) {
        cands.push_back(t->index | kTimeoutBit);
      }
    }
  }
  if (cands.empty()) return kNobody;
  const bool yielded = yielded_;
  yielded_ = false;
  std::size_t k = 0;
  if (cands.size() > 1) {
    Decision d{cands, current_, buf_.trace.size(), false};
    d.yielded = yielded && current_ < threads_.size() && cur().status == Status::Runnable;
    k = strategy_.next_thread(d);
    if (k >= cands.size()) return kDiverged;
    buf_.choices.push_back(cands[k]);
  }
  const std::uint32_t c = cands[k];
  const std::uint32_t index = candidate_thread(c);
  open_event(index);
  if ((c & kTimeoutBit) != 0) {
    FThread& t = *threads_[index];
    now_ = std::max(now_, t.deadline);
    set_run_state(t, ThreadState::Running);
    t.status = Status::Runnable;
    t.timed_out = true;
    t.waiter = nullptr;
    t.deadline = kNever;
  }
  return index;
}

void Execution::close_event() {
  if (log_ == nullptr || !log_->open) return;
  log_->events.back().end = static_cast<std::uint32_t>(log_->accesses.size());
  log_->open = false;
}

void Execution::open_event(std::uint32_t thread) {
  if (log_ == nullptr || unwinding_) return;
  const auto begin = static_cast<std::uint32_t>(log_->accesses.size());
  // The event performs what the thread announced at its last scheduling point.
  const PendingOp& p = log_->pending_of(thread);
  if (p.key != 0) {
    const std::uint32_t n = std::max<std::uint32_t>(p.count, 1);
    for (std::uint32_t i = 0; i < n; ++i) log_->accesses.push_back({p.key + i, p.write});
  }
  log_->events.push_back({thread, begin, begin});
  log_->open = true;
}

void Execution::note_touch(const Object& obj, bool write) {
  note_touch_key(object_key(obj.kind(), obj.id()), write);
}

void Execution::note_touch_key(std::uint64_t key, bool write) {
  if (log_ == nullptr || !log_->open) return;
  log_->accesses.push_back({key, write});
}

void Execution::looked_at_run_state(const Object& thread) {
  if (!unwinding_) note_touch_key(run_state_key(object_key(thread.kind(), thread.id())), false);
}

void Execution::set_run_state(FThread& t, ThreadState state) {
  t.core->state.store(state, std::memory_order_relaxed);
  if (!unwinding_) {
    note_touch_key(run_state_key(object_key(ObjectKind::Thread, t.core->object.id())), true);
  }
}

void Execution::touched(const Object& obj, bool write) {
  if (unwinding_) return;
  if (write) progress();
  note_touch(obj, write);
}

void Execution::schedule(bool may_throw) {
  const std::int64_t next = pick();
  if (next == kDiverged) diverged(may_throw);
  if (next >= 0 && static_cast<std::uint32_t>(next) != current_) {
    switch_to(static_cast<std::uint32_t>(next), may_throw);
  }
}

// ---- recording -------------------------------------------------------------------------------

void Execution::record(Op op, const Object* obj, const void* addr, const std::source_location& loc,
                       StepNote note) {
  RawStep s{current_,
            op,
            obj != nullptr ? obj->kind() : ObjectKind::Memory,
            note,
            obj != nullptr,
            obj != nullptr ? obj->id() : 0,
            addr,
            loc.file_name(),
            loc.line()};
  buf_.trace.push_back(s);
  if (current_ < threads_.size()) threads_[current_]->last_step = buf_.trace.size() - 1;
  if (log_ != nullptr) {
    if (log_->pending.size() <= current_) log_->pending.resize(current_ + 1);
    PendingOp& p = log_->pending[current_];
    p.op = op;
    p.count = 1;
    // Reading a variable, a future's result or an atomic commutes with reading it again; so does
    // joining a thread or waiting for a future (it looks at whether it ended).
    p.write = op != Op::Read && !(op == Op::Join && obj != nullptr && looks_only(*obj));
    if (obj != nullptr) {
      p.key = object_key(obj->kind(), obj->id());
    } else if (addr != nullptr) {
      p.key = kMemoryKey | reinterpret_cast<std::uintptr_t>(addr) >> 3;
    } else {
      p.key = 0;
    }
  }
  std::uint64_t h = fnv(
      hash_, static_cast<std::uint64_t>(s.thread) << 32 | static_cast<std::uint64_t>(s.op) << 24 |
                 static_cast<std::uint64_t>(s.kind) << 16 | static_cast<std::uint64_t>(s.note));
  hash_ = fnv(h, s.object << 24 ^ s.line);
  // A write changes what others see; so does clearing an Event. The other operations' effects
  // count where they happen (released(), acquired(), wake(), touched()).
  if (op == Op::Write || op == Op::ReadWrite || op == Op::Clear) progress();
  if (current_ < threads_.size()) note_spin(s);
}

// Spin detection. A thread spins when it repeats one step (the same operation on the same object
// at the same line) kSpinRepeats times while nothing any thread could observe changed: polling a
// flag, a query, a failed try_acquire, a timed wait that times out, a lock taken and let go again
// (locks are neutral: a loop that takes and releases one leaves it as it was). A thread that yields
// (yield(), sleep(0)) asks the same at once. Either way the strategy is told (Decision::yielded):
// the priority strategies lower its priority, the systematic ones treat it as a yield, so that a
// busy-waiting thread lets the thread it waits for run (CHESS's fair scheduling). Eight repeats:
// few enough to be cheap, and a finite loop re-reading unchanged state is rarely that long.
namespace {
constexpr std::uint32_t kSpinRepeats = 8;
}  // namespace

void Execution::note_spin(const RawStep& s) {
  FThread& t = cur();
  const std::uint64_t print =
      fnv(fnv(static_cast<std::uint64_t>(s.op) << 8 | static_cast<std::uint64_t>(s.kind),
              s.has_object ? s.object : reinterpret_cast<std::uintptr_t>(s.addr)),
          reinterpret_cast<std::uintptr_t>(s.file) ^ s.line);
  if (t.spin_since != progress_) {
    t.spin_since = progress_;
    t.spin_print = print;
    t.spin_repeats = 0;
  } else if (print == t.spin_print) {
    ++t.spin_repeats;
  }
  yielded_ = s.op == Op::Yield || s.op == Op::Sleep || t.spin_repeats >= kSpinRepeats;
}

void Execution::point(Op op, const Object* obj, const std::source_location& loc) {
  if (unwinding_) {
    // A release during teardown goes ahead (it is usually a guard's destructor, where an
    // exception ends the program); the thread stops at its next other operation.
    if (op != Op::Release) check_unwinding();
    return;
  }
  record(op, obj, nullptr, loc, StepNote::None);
  if (buf_.trace.size() > config_.max_steps) {
    Failure f = livelock();
    if (op != Op::Release) fail(f.kind, std::move(f.message), std::move(f.involved));
    // In a release (maybe a destructor's), end the thread at its next operation instead.
    note_failure(f.kind, std::move(f.message), std::move(f.involved));
    return;
  }
  // A release is often made by a destructor (a lock guard's), where an exception would end the
  // program: when the execution is torn down meanwhile, the release goes ahead, and the thread
  // stops at its next operation instead.
  schedule(/*may_throw=*/op != Op::Release);
}

void Execution::access(Op op, const Object* obj, const void* addr, std::size_t size,
                       const std::source_location& loc) {
  if (unwinding_) {
    check_unwinding();
    return;
  }
  record(op, obj, addr, loc, StepNote::None);
  if (log_ != nullptr && obj == nullptr && size > 1) {
    // A raw range covers every 8-byte granule it overlaps.
    const auto first = reinterpret_cast<std::uintptr_t>(addr) >> 3;
    const auto last = (reinterpret_cast<std::uintptr_t>(addr) + size - 1) >> 3;
    log_->pending[current_].count =
        static_cast<std::uint32_t>(std::min<std::uintptr_t>(last - first + 1, kMaxGranules));
  }
  if (buf_.trace.size() > config_.max_steps) {
    Failure f = livelock();
    fail(f.kind, std::move(f.message), std::move(f.involved));
  }
  if (!detectors_.empty()) {
    const StepRef at = here();
    for (Detector* d : detectors_) {
      if (auto f = d->on_access(op, obj, addr, size, at, *this)) {
        fail(f->kind, std::move(f->message), std::move(f->involved), f->step);
      }
    }
  }
  schedule();
}

StepRef Execution::here() const {
  const FThread& t = *threads_[current_];
  if (t.last_step < buf_.trace.size()) {
    const RawStep& s = buf_.trace[t.last_step];
    return {current_, t.last_step + 1, s.file, s.line, s.op};
  }
  return {current_, 0, "", 0, Op::Run};
}

void Execution::released(const Object& sync) {
  if (unwinding_) return;
  // Letting go of a lock is neutral for spin detection (see note_spin); an Atomic's writes count
  // in record().
  if (sync.kind() != ObjectKind::Lock && sync.kind() != ObjectKind::RLock &&
      sync.kind() != ObjectKind::Atomic) {
    progress();
  }
  note_touch(sync);
  if (detectors_.empty()) return;
  const StepRef at = here();
  for (Detector* d : detectors_) d->on_release(sync, at);
}

void Execution::acquired(const Object& sync) {
  if (unwinding_) return;
  // Taking a permit, an item or a task changes what others see; taking a lock, seeing an Event
  // set or a thread ended does not.
  switch (sync.kind()) {
    case ObjectKind::Semaphore:
    case ObjectKind::BoundedSemaphore:
    case ObjectKind::Queue:
    case ObjectKind::Executor:
      progress();
      break;
    default:
      break;
  }
  note_touch(sync, !looks_only(sync));
  if (detectors_.empty()) return;
  const StepRef at = here();
  for (Detector* d : detectors_) {
    if (auto f = d->on_acquire(sync, at, *this); f && !deferred_) {
      deferred_ = Failure{f->kind, std::move(f->message), std::move(f->involved), f->step};
    }
  }
}

void Execution::notified(const Object& cond, std::size_t woken) {
  if (unwinding_) return;
  note_touch(cond);
  if (detectors_.empty()) return;
  const StepRef at = here();
  for (Detector* d : detectors_) d->on_notify(cond, woken, at);
}

std::uint64_t Execution::draw(std::uint64_t bound) {
  const std::uint64_t r = strategy_.next_u64(bound);
  if (r >= bound) {
    diverged();
    return 0;
  }
  buf_.choices.push_back(kDrawBit | static_cast<std::uint32_t>(r));
  return r;
}

bool Execution::block(Waiter& w, Instant deadline, const std::source_location& loc) {
  if (unwinding_) {
    check_unwinding();
    return false;  // inside a destructor during teardown: never block
  }
  // Blocking read the object's state (a lock found held, a thread not finished): a dependence
  // like any other access.
  if (w.object != nullptr) note_touch(*w.object, !looks_only(*w.object));
  FThread& t = cur();
  set_run_state(t, ThreadState::Blocked);
  t.status = Status::Blocked;
  t.waiter = &w;
  t.deadline = deadline;
  t.timed_out = false;
  w.park = &t;
  if (!buf_.trace.empty() && buf_.trace.back().thread == current_ &&
      buf_.trace.back().note == StepNote::None) {
    buf_.trace.back().note = StepNote::Blocked;
  } else if (t.last_step < buf_.trace.size()) {
    // Other threads ran since this one's operation began: repeat that operation as "blocked".
    RawStep again = buf_.trace[t.last_step];
    again.note = StepNote::Blocked;
    buf_.trace.push_back(again);
    t.last_step = buf_.trace.size() - 1;
  } else {
    record(Op::Wait, w.object, nullptr, loc, StepNote::Blocked);
  }
  t.blocked_step = buf_.trace.size() - 1;
  if (config_.spurious_wakeups && w.object != nullptr &&
      w.object->kind() == ObjectKind::Condition) {
    // May this wait end without a notify? Never twice in a row, so a waiting loop still makes
    // progress and the choices stay finite.
    if (t.last_spurious) {
      t.last_spurious = false;
    } else if (draw(2) == 1) {
      t.last_spurious = true;
      set_run_state(t, ThreadState::Running);
      t.status = Status::Runnable;
      t.waiter = nullptr;
      t.deadline = kNever;
      record_resumed(t, StepNote::Spurious);
      // No scheduling point here: the caller unlinks the waiter first, so no notify can take it.
      return true;
    }
  }
  const std::int64_t next = pick();
  if (next == kDiverged) diverged();
  if (next == kNobody) {
    Failure f = deadlock();
    fail(f.kind, std::move(f.message), std::move(f.involved), f.failing_step);
  }
  if (static_cast<std::uint32_t>(next) != current_) switch_to(static_cast<std::uint32_t>(next));
  // Resumed: woken, or timed out.
  record_resumed(t, t.timed_out ? StepNote::TimedOut : StepNote::Woken);
  return !t.timed_out;
}

void Execution::record_resumed(FThread& t, StepNote note) {
  RawStep again = buf_.trace[t.blocked_step];
  again.note = note;
  again.thread = t.index;
  buf_.trace.push_back(again);
  t.last_step = buf_.trace.size() - 1;
  hash_ = fnv(hash_, static_cast<std::uint64_t>(again.note) << 32 | again.line);
}

void Execution::wake(Waiter& w) {
  auto* t = static_cast<FThread*>(w.park);
  if (t == nullptr) return;
  if (w.object != nullptr && !unwinding_) note_touch(*w.object);
  progress();
  set_run_state(*t, ThreadState::Running);
  t->status = Status::Runnable;
  t->waiter = nullptr;
  t->deadline = kNever;
  t->timed_out = false;
}

void Execution::register_object(Object& obj) {
  const auto k = static_cast<std::size_t>(obj.kind());
  obj.set_id(++next_object_id_[k]);
  buf_.objects.push_back({obj.kind(), obj.id(), obj.name(), obj.created()});
}

namespace {

// File names found by user_caller(), kept for the process: a RawStep points at its file.
const char* intern(std::string file) {
  static std::mutex mutex;
  static auto* files = new std::set<std::string>();  // never destroyed: traces may outlive exit
  std::lock_guard<std::mutex> lk(mutex);
  return files->insert(std::move(file)).first->c_str();
}

// Abandoned fibers (Execution::abandon_current): never destroyed, since destroying a fiber
// unwinds its stack.
void keep_forever(boost::context::fiber&& f) {
  static std::mutex mutex;
  static auto* kept = new std::vector<boost::context::fiber>();
  std::lock_guard<std::mutex> lk(mutex);
  kept->push_back(std::move(f));
}

}  // namespace

void Execution::destroying(const Object& obj) {
  if (unwinding_) return;
  // Who still uses it: the threads blocked on it, and a lock's holder.
  std::string who, involved;
  for (const auto& t : threads_) {
    if (t->status != Status::Blocked || t->waiter == nullptr || t->waiter->object != &obj) {
      continue;
    }
    const RawStep& s = buf_.trace[t->blocked_step];
    who += fmt::format("{}{} waits on it in {} at {}:{}", who.empty() ? "" : "; ",
                       thread_name(t->index), op_name(s.op), s.file, s.line);
    involved += fmt::format("  {} waits on it in {} at {}:{} (step {})\n", thread_name(t->index),
                            op_name(s.op), s.file, s.line, t->blocked_step + 1);
  }
  const std::uint64_t holder = obj.holder() != nullptr ? obj.holder()->load() : 0;
  if (holder != 0 && holder - 1 < threads_.size()) {
    const auto h = static_cast<std::uint32_t>(holder - 1);
    std::string since;
    for (std::size_t i = buf_.trace.size(); i-- > 0;) {
      const RawStep& s = buf_.trace[i];
      if (s.thread == h && s.has_object && s.kind == obj.kind() && s.object == obj.id() &&
          (s.op == Op::Acquire || s.op == Op::TryAcquire || s.op == Op::Wait)) {
        since = fmt::format(" (it took it at {}:{}, step {})", s.file, s.line, i + 1);
        break;
      }
    }
    const std::string name = h == current_ ? thread_name(h) + " itself" : thread_name(h);
    who += fmt::format("{}{} holds it{}", who.empty() ? "" : "; ", name, since);
    involved += fmt::format("  {} holds it{}\n", thread_name(h), since);
  }
  if (who.empty()) return;

  // The destroying line: the user's frame on this stack (a destructor has no source_location).
  const SourceLine at = user_caller();
  const FThread& t = cur();
  const RawStep* last = t.last_step < buf_.trace.size() ? &buf_.trace[t.last_step] : nullptr;
  const char* file = !at.file.empty() ? intern(at.file) : last != nullptr ? last->file : "";
  const std::uint32_t line = !at.file.empty() ? at.line : last != nullptr ? last->line : 0;
  const std::string where = !at.file.empty()  ? fmt::format("at {}:{}", file, line)
                            : last != nullptr ? fmt::format("after its step at {}:{}", file, line)
                                              : std::string("before its first step");
  const std::string what = fmt::format("{} {}", kind_name(obj.kind()), obj.display_name());
  buf_.trace.push_back(RawStep{current_, Op::Destroy, obj.kind(), StepNote::Failed, true, obj.id(),
                               nullptr, file, line});
  hash_ = fnv(hash_, static_cast<std::uint64_t>(Op::Destroy) << 24 ^ line);
  note_failure(
      BugKind::Misuse,
      fmt::format("Misuse: {} (created at {}:{}) was destroyed by {} {} while {}: its "
                  "memory is gone while they use it. Keep it alive until no thread "
                  "holds it or waits on it (join them first)",
                  what, obj.created().file_name(), obj.created().line(), thread_name(current_),
                  where, who),
      fmt::format("  {} destroyed {} {}\n{}  {} created at {}:{}\n", thread_name(current_), what,
                  where, involved, what, obj.created().file_name(), obj.created().line()),
      buf_.trace.size());
  // The other threads are torn down now, while the object is still there; this one never goes
  // on (its own frames may still refer to the object).
  abandon_current();
}

void Execution::abandon_current() {
  cur().abandoned = true;
  next_ = current_;
  void* fake = nullptr;
  start_switch(&fake, sched_bottom_, sched_size_);
  sched_ = std::move(sched_).resume();
  // Never resumed: retire() keeps the fiber from it.
  std::abort();
}

void Execution::retire(FThread& t) {
  pool_.retire(t.stack_bottom);
  if (t.ctx) keep_forever(std::move(t.ctx));
}

void Execution::spawn(ThreadCore& core) {
  auto t = std::make_unique<FThread>();
  t->index = static_cast<std::uint32_t>(threads_.size());
  t->core = core.shared_from_this();
  core.ident.store(t->index + 1);
  core.backend_data = t.get();
  if (unwinding_) {
    Guard g(core.monitor);
    core.finished = true;
    core.state.store(ThreadState::Terminated);
    t->status = Status::Finished;
    threads_.push_back(std::move(t));
    return;
  }
  make_fiber(*t);
  for (Detector* d : detectors_) d->on_spawn(t->index);
  threads_.push_back(std::move(t));
}

ThreadCore& Execution::current() {
  if (threads_.empty()) return *main_core_;
  return *cur().core;
}

std::uint64_t Execution::next_thread_number() { return ++thread_numbers_; }

std::size_t Execution::active_count() {
  // It looks at every thread: its start and its exit change the count.
  for (const auto& t : threads_) note_touch(t->core->object, false);
  return static_cast<std::size_t>(
      std::count_if(threads_.begin(), threads_.end(),
                    [](const auto& t) { return t->status != Status::Finished; }));
}

void Execution::sleep(Duration d, const std::source_location& loc) {
  if (unwinding_) {
    check_unwinding();
    return;
  }
  if (d.count() <= 0) {
    point(Op::Sleep, nullptr, loc);
    return;
  }
  record(Op::Sleep, nullptr, nullptr, loc, StepNote::None);
  Waiter w;
  const Instant deadline = d.count() > kNever - now_ ? kNever : now_ + d.count();
  block(w, deadline, loc);
}

// ---- failures --------------------------------------------------------------------------------

void Execution::note_failure(BugKind kind, std::string message, std::string involved,
                             std::uint64_t step) {
  if (failure_ || !divergence_.empty()) return;
  Failure f{kind, std::move(message), std::move(involved), buf_.trace.size()};
  if (step != 0 && step <= buf_.trace.size()) {
    f.failing_step = step;
  } else if (!buf_.trace.empty()) {
    // Mark the failing thread's last step.
    for (std::size_t i = buf_.trace.size(); i-- > 0;) {
      if (buf_.trace[i].thread == current_) {
        if (kind != BugKind::Deadlock) buf_.trace[i].note = StepNote::Failed;
        f.failing_step = i + 1;
        break;
      }
    }
  }
  failure_ = std::move(f);
  unwinding_ = true;
}

void Execution::fail(BugKind kind, std::string message, std::string involved, std::uint64_t step) {
  note_failure(kind, std::move(message), std::move(involved), step);
  // Let the scheduler tear the other threads down first, then unwind this one.
  next_ = current_;
  void* fake = nullptr;
  start_switch(&fake, sched_bottom_, sched_size_);
  sched_ = std::move(sched_).resume();
  finish_switch(fake);
  throw ExecutionAborted{};
}

void Execution::diverged(bool may_throw) {
  if (divergence_.empty()) {
    divergence_ =
        fmt::format("replay diverged at step {}: {}", buf_.trace.size(), strategy_.divergence());
  }
  unwinding_ = true;
  // In a release (maybe a destructor's) the thread goes on to its next operation, which ends it.
  if (may_throw && !threads_.empty() && cur().status != Status::Finished &&
      std::uncaught_exceptions() == 0) {
    next_ = current_;
    void* fake = nullptr;
    start_switch(&fake, sched_bottom_, sched_size_);
    sched_ = std::move(sched_).resume();
    finish_switch(fake);
    throw ExecutionAborted{};
  }
}

void Execution::misuse(const std::string& message, const std::source_location& loc) {
  if (unwinding_ && std::uncaught_exceptions() > 0) {
    std::fprintf(stderr, "weave: misuse during teardown (%s at %s:%u); aborting\n", message.c_str(),
                 loc.file_name(), static_cast<unsigned>(loc.line()));
    std::abort();
  }
  check_unwinding();
  fail(BugKind::Misuse,
       fmt::format("Misuse: {} (in {} at {}:{})", message, thread_name(current_), loc.file_name(),
                   loc.line()),
       fmt::format("  {} misused a primitive at {}:{}\n", thread_name(current_), loc.file_name(),
                   loc.line()));
}

void Execution::assertion_failed(const char* expr, const std::source_location& loc) {
  if (unwinding_ && std::uncaught_exceptions() > 0) {
    std::fprintf(stderr, "weave: assertion failed during teardown (%s at %s:%u); aborting\n", expr,
                 loc.file_name(), static_cast<unsigned>(loc.line()));
    std::abort();
  }
  check_unwinding();
  record(Op::Assert, nullptr, nullptr, loc, StepNote::None);
  fail(BugKind::AssertionFailure,
       fmt::format("AssertionFailure: WEAVE_ASSERT({}) failed in {} at {}:{}", expr,
                   thread_name(current_), loc.file_name(), loc.line()),
       fmt::format("  {} evaluated WEAVE_ASSERT({}) to false at {}:{}\n", thread_name(current_),
                   expr, loc.file_name(), loc.line()));
}

void Execution::uncaught(ThreadCore& core, std::exception_ptr e) {
  const std::string what = what_of(e);
  record(Op::Exit, &core.object, nullptr, core.object.created(), StepNote::None);
  note_failure(
      BugKind::UncaughtException,
      fmt::format("UncaughtException: an exception escaped {}: {}", core.object.name(), what),
      fmt::format("  {} ended by an exception: {}\n", core.object.name(), what));
}

std::size_t os_thread_count() {
  // Field 20 of /proc/self/stat, after the command name in parentheses (which may hold spaces).
  std::FILE* f = std::fopen("/proc/self/stat", "r");
  if (f == nullptr) return 0;
  char buf[1024];
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return 0;
  for (int field = 2; field < 20 && p != nullptr; ++field) p = std::strchr(p + 1, ' ');
  return p != nullptr ? std::strtoull(p + 1, nullptr, 10) : 0;
}

Failure Execution::deadlock() const {
  // Every thread is blocked. If the process has more OS threads than when the search began, the
  // body may have started a std::thread that is about to use (or uses) this execution's objects
  // behind its back: give it a moment to be caught at it (see foreign_thread), and else say so.
  std::string os_note;
  if (const std::size_t now = os_thread_count(); buf_.os_threads != 0 && now > buf_.os_threads) {
    for (int i = 0; i < 50; ++i) {
      if (std::string foreign = take_foreign_use(); !foreign.empty()) {
        return foreign_use(std::move(foreign), 0);
      }
      ::usleep(1000);
    }
    os_note = fmt::format(
        " (note: the process has {} more OS threads than when the search began: a std::thread or "
        "std::jthread started in the checked body is not scheduled by weave; use weave::Thread)",
        now - buf_.os_threads);
  }
  Failure f{BugKind::Deadlock, {}, {}, 0};
  f.involved = deadlock_report(f.message);
  f.message += os_note;
  if (detectors_.empty()) return f;
  std::vector<BlockedThread> blocked;
  for (const auto& t : threads_) {
    if (t->status == Status::Finished) continue;
    BlockedThread b;
    b.thread = t->index;
    b.waits_on = t->waiter != nullptr ? t->waiter->object : nullptr;
    if (t->blocked_step < buf_.trace.size()) {
      const RawStep& s = buf_.trace[t->blocked_step];
      b.wait = {t->index, t->blocked_step + 1, s.file, s.line, s.op};
    }
    blocked.push_back(b);
  }
  for (Detector* d : detectors_) {
    if (auto found = d->on_deadlock(blocked, *this)) {
      return Failure{found->kind, std::move(found->message), found->involved + f.involved,
                     found->step};
    }
  }
  return f;
}

Failure Execution::livelock() const {
  // Who ran in the last kWindow steps, and the steps each repeated most.
  constexpr std::size_t kWindow = 1000;
  constexpr std::size_t kShown = 3;
  struct Repeat {
    const RawStep* step;
    std::size_t count;
  };
  struct Looper {
    std::uint32_t thread;
    std::size_t steps = 0;
    std::vector<Repeat> repeats;
  };
  const std::vector<RawStep>& trace = buf_.trace;
  const std::size_t from = trace.size() > kWindow ? trace.size() - kWindow : 0;
  std::vector<Looper> loopers;
  for (std::size_t i = from; i < trace.size(); ++i) {
    const RawStep& s = trace[i];
    auto l = std::find_if(loopers.begin(), loopers.end(),
                          [&](const Looper& x) { return x.thread == s.thread; });
    if (l == loopers.end()) l = loopers.insert(loopers.end(), Looper{s.thread, 0, {}});
    ++l->steps;
    auto r = std::find_if(l->repeats.begin(), l->repeats.end(), [&](const Repeat& x) {
      const RawStep& o = *x.step;
      return o.op == s.op && o.kind == s.kind && o.has_object == s.has_object &&
             o.object == s.object && o.addr == s.addr && o.line == s.line && o.file == s.file;
    });
    if (r == l->repeats.end()) {
      l->repeats.push_back({&s, 1});
    } else {
      ++r->count;
    }
  }
  std::stable_sort(loopers.begin(), loopers.end(),
                   [](const Looper& a, const Looper& b) { return a.steps > b.steps; });
  Failure f{BugKind::Livelock, {}, {}, 0};
  std::string summary;
  for (std::size_t i = 0; i < loopers.size() && i < kShown; ++i) {
    Looper& l = loopers[i];
    std::stable_sort(l.repeats.begin(), l.repeats.end(),
                     [](const Repeat& a, const Repeat& b) { return a.count > b.count; });
    const auto describe = [&](const RawStep& s) {
      const std::string object = step_object(s);
      return fmt::format("{}{}{} at {}:{}", op_name(s.op), object.empty() ? "" : " ", object,
                         s.file, s.line);
    };
    std::string what, top;
    for (std::size_t j = 0; j < l.repeats.size() && j < kShown; ++j) {
      const RawStep& s = *l.repeats[j].step;
      if (!what.empty()) what += ", ";
      what += fmt::format("{} ({} times)", describe(s), l.repeats[j].count);
      if (j < 2) top += (j == 0 ? "" : " and ") + describe(s);
    }
    if (l.repeats.size() > kShown) what += fmt::format(", and {} more", l.repeats.size() - kShown);
    f.involved += fmt::format("  {} ran {} of the last {} steps, repeating {}\n",
                              thread_name(l.thread), l.steps, trace.size() - from, what);
    if (!summary.empty()) summary += "; ";
    summary += fmt::format("{} repeats {}", thread_name(l.thread), top);
  }
  const FThread& t = *threads_[current_];
  std::string stalled;
  if (t.spin_since == progress_ && t.spin_repeats > 0) {
    stalled = fmt::format(
        "; no thread changed anything another could see while {} repeated its loop {} times",
        thread_name(current_), t.spin_repeats);
  }
  f.message = fmt::format(
      "Livelock: the execution ran more than {} steps (Config::max_steps) without "
      "ending: {}{}",
      config_.max_steps, summary, stalled);
  return f;
}

std::string Execution::deadlock_report(std::string& message) const {
  std::string involved;
  std::vector<std::int64_t> waits_for(threads_.size(), -1);
  std::string summary;
  for (const auto& t : threads_) {
    if (t->status == Status::Finished) continue;
    const std::string name = thread_name(t->index);
    const Waiter* w = t->waiter;
    const RawStep* at =
        t->blocked_step < buf_.trace.size() ? &buf_.trace[t->blocked_step] : nullptr;
    std::string where = at != nullptr ? fmt::format(" at {}:{}", at->file, at->line) : "";
    std::string what = "something";
    std::string holder;
    if (w != nullptr && w->object != nullptr) {
      const Object& o = *w->object;
      what = fmt::format("{} {}", kind_name(o.kind()), o.display_name());
      if (o.holder() != nullptr) {
        const std::uint64_t h = o.holder()->load();
        if (h != 0 && h - 1 < threads_.size()) {
          waits_for[t->index] = static_cast<std::int64_t>(h - 1);
          holder = fmt::format(" held by {}", thread_name(static_cast<std::uint32_t>(h - 1)));
        }
      }
      if (o.kind() == ObjectKind::Thread) {
        for (const auto& u : threads_) {
          if (&u->core->object == &o) waits_for[t->index] = u->index;
        }
      }
    } else if (w != nullptr) {
      what = "an untimed wait";
    }
    const char* op = at != nullptr ? op_name(at->op) : "wait";
    involved += fmt::format("  {}{} blocked in {} on {}{}{}\n", name,
                            t->core->daemon ? " (daemon)" : "", op, what, holder, where);
    if (!summary.empty()) summary += "; ";
    summary += fmt::format("{} waits in {} on {}{}", name, op, what, holder);
  }
  // The wait-for cycle, if there is one.
  std::string cycle;
  for (std::size_t start = 0; start < threads_.size() && cycle.empty(); ++start) {
    std::vector<int> seen(threads_.size(), 0);
    std::int64_t x = static_cast<std::int64_t>(start);
    while (x >= 0 && seen[x] == 0) {
      seen[x] = 1;
      x = waits_for[x];
    }
    if (x >= 0 && static_cast<std::size_t>(x) == start) {
      std::int64_t y = x;
      do {
        cycle += thread_name(static_cast<std::uint32_t>(y)) + " -> ";
        y = waits_for[y];
      } while (y != x);
      cycle += thread_name(static_cast<std::uint32_t>(x));
    }
  }
  if (!cycle.empty()) involved += fmt::format("  wait-for cycle: {}\n", cycle);
  message = fmt::format("Deadlock: every thread is blocked: {}", summary);
  return involved;
}

// ---- names -----------------------------------------------------------------------------------

std::string Execution::thread_name(std::uint32_t thread) const {
  if (thread < threads_.size()) return threads_[thread]->core->object.name();
  return fmt::format("thread #{}", thread);
}

std::string Execution::object_name(ObjectKind kind, std::uint64_t id) const {
  for (const auto& o : buf_.objects) {
    if (o.kind == kind && o.id == id) {
      return o.name.empty() ? fmt::format("{}#{}", kind_name(kind), id) : o.name;
    }
  }
  return fmt::format("{}#{}", kind_name(kind), id);
}

std::string Execution::step_object(const RawStep& s) const {
  if (s.has_object) return fmt::format("{} {}", kind_name(s.kind), object_name(s.kind, s.object));
  if (s.addr != nullptr) return fmt::format("memory {}", s.addr);
  return {};
}

std::string Execution::creation_sites() const {
  std::string out;
  std::vector<const ObjectRecord*> seen;
  constexpr std::size_t kMax = 24;
  for (const RawStep& s : buf_.trace) {
    if (!s.has_object) continue;
    for (const auto& o : buf_.objects) {
      if (o.kind != s.kind || o.id != s.object) continue;
      if (std::find(seen.begin(), seen.end(), &o) == seen.end()) seen.push_back(&o);
      break;
    }
  }
  for (std::size_t i = 0; i < seen.size() && i < kMax; ++i) {
    const ObjectRecord& o = *seen[i];
    std::string name = o.name.empty() ? fmt::format("{}#{}", kind_name(o.kind), o.id) : o.name;
    if (o.kind == ObjectKind::Thread) {
      // A thread's creation site is where it was started.
      for (const auto& t : threads_) {
        if (t->core->object.id() == o.id && t->index != 0) {
          name = t->core->object.name();
          out += fmt::format("  Thread {} started at {}:{}{}\n", name,
                             t->core->object.created().file_name(),
                             t->core->object.created().line(), t->core->daemon ? " (daemon)" : "");
        }
      }
      continue;
    }
    out += fmt::format("  {} {} created at {}:{}\n", kind_name(o.kind), name, o.created.file_name(),
                       o.created.line());
  }
  if (seen.size() > kMax) out += fmt::format("  ... and {} more\n", seen.size() - kMax);
  return out;
}

std::vector<Step> Execution::steps_for_report() const {
  std::vector<Step> out;
  out.reserve(buf_.trace.size());
  for (std::size_t i = 0; i < buf_.trace.size(); ++i) {
    const RawStep& s = buf_.trace[i];
    Step st;
    st.index = i + 1;
    st.thread = s.thread;
    st.thread_name = thread_name(s.thread);
    st.operation = op_name(s.op);
    st.object = step_object(s);
    st.file = s.file;
    st.line = s.line;
    st.note = note_text(s.note);
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace weave::detail
