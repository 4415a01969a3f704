#include "weave/timer.hpp"

namespace weave {

Timer::Timer(Duration interval, std::function<void()> fn, std::string name,
             std::source_location loc, Untyped)
    : Thread(ThreadOptions{std::move(name)}),
      interval_(interval),
      fn_(std::move(fn)),
      loc_(loc),
      finished_(Thread::name() + ".finished", loc) {}

Timer::~Timer() {
  detail::Backend* b = detail::backend();
  if ((b != nullptr && b->unwinding()) || outlived_execution()) return;
  // run() uses members that die before ~Thread would join, so the thread must end here.
  try {
    if (!is_alive(loc_)) return;
    if (daemon()) cancel(loc_);
    join(loc_);
  } catch (...) {
    // A destructor must not throw (a timer destroying itself from its own function, or the
    // checked execution torn down meanwhile).
  }
}

void Timer::cancel(std::source_location loc) { finished_.set(loc); }

void Timer::run() {
  finished_.wait(interval_, loc_);
  if (!finished_.is_set()) fn_();
  finished_.set(loc_);
}

}  // namespace weave
