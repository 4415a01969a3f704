#include "weave/errors.hpp"

#include <string>

#include "weave/assert.hpp"
#include "weave/backend.hpp"

namespace weave::detail {

std::string where(const std::source_location& loc) {
  std::string s = loc.file_name();
  s += ':';
  s += std::to_string(loc.line());
  return s;
}

void usage_error(const std::string& message, const std::source_location& loc) {
  if (Backend* b = backend()) b->misuse(message, loc);
  throw UsageError(message + " (at " + where(loc) + ")");
}

}  // namespace weave::detail

namespace weave::detail {

void assertion_failed(const char* expr, const std::source_location& loc) {
  if (Backend* b = backend()) b->assertion_failed(expr, loc);
  throw AssertionError(std::string("assertion failed: ") + expr + " (at " + where(loc) + ")");
}

}  // namespace weave::detail
