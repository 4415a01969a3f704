#pragma once
// weave/errors.hpp — the error types of the facade.
//
// Error (a std::runtime_error) is the base of all of them:
//   UsageError          a primitive was misused (releasing a Lock not held, ...)
//   TimeoutError        Future::result(timeout) ran out
//   BrokenBarrierError  a Barrier was broken, aborted or reset while waiting
//   QueueShutDown       put after Queue::shutdown, or get on a shut-down empty queue
//   CancelledError      the result of a cancelled Future
//   AssertionError      WEAVE_ASSERT failed on OS threads
#include <source_location>
#include <stdexcept>
#include <string>

namespace weave {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class UsageError : public Error {
 public:
  using Error::Error;
};
class TimeoutError : public Error {
 public:
  using Error::Error;
};
class BrokenBarrierError : public Error {
 public:
  using Error::Error;
};
class QueueShutDown : public Error {
 public:
  using Error::Error;
};
class CancelledError : public Error {
 public:
  using Error::Error;
};
class AssertionError : public Error {
 public:
  using Error::Error;
};

namespace detail {
// Formats "file:line" for messages.
std::string where(const std::source_location& loc);
// Misuse of a primitive: a Misuse bug in a checked execution, otherwise throws UsageError
// "<message> (at file:line)".
[[noreturn]] void usage_error(const std::string& message, const std::source_location& loc);
}  // namespace detail

}  // namespace weave
