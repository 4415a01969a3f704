#pragma once
// weave/event.hpp — Event, a flag threads can wait for (Python's threading.Event).
//
// An Event starts cleared. set() raises the flag and wakes every waiter; clear() lowers it;
// wait() returns at once while the flag is up and otherwise blocks until the next set(). A waiter
// woken by set() returns true even if clear() lowered the flag again before it ran, as in Python.
//
// Happens-before: set() happens before every wait() that returns true after it, and before every
// is_set() that returns true after it.
#include <cstdint>
#include <source_location>
#include <string>

#include "weave/backend.hpp"
#include "weave/detail/wait_queue.hpp"
#include "weave/duration.hpp"

namespace weave {

class Event {
 public:
  explicit Event(std::string name = {}, std::source_location loc = std::source_location::current())
      : object_(detail::ObjectKind::Event, std::move(name), loc) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() { detail::on_destroy(object_); }

  // Raises the flag and wakes all waiters.
  void set(std::source_location loc = std::source_location::current());
  // Lowers the flag.
  void clear(std::source_location loc = std::source_location::current());
  // Whether the flag is up.
  bool is_set(std::source_location loc = std::source_location::current()) const;
  // Blocks until the flag is up.
  void wait(std::source_location loc = std::source_location::current());
  // Waits at most `timeout`; true when the flag was up or set() woke us.
  bool wait(Duration timeout, std::source_location loc = std::source_location::current());

  const detail::Object& object() const noexcept { return object_; }

 private:
  bool wait_until(detail::Instant deadline, const std::source_location& loc);

  detail::Object object_;
  bool flag_ = false;       // under monitor_
  std::uint64_t sets_ = 0;  // set() calls so far, under monitor_: tells a waiter it was set
  mutable detail::Monitor monitor_;
  detail::WaitQueue waiters_{&object_};
};

}  // namespace weave
