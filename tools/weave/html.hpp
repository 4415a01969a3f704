#pragma once
// The HTML timeline of a trace: one self-contained page (inline CSS and SVG, no script, nothing
// fetched), a swimlane per thread, a mark per step with its operation, object and source line on
// hover, lock ownership as spans, release -> acquire and notify -> wait as arrows, the failing
// step highlighted, and the full step table below.
#include <string>

#include "trace.hpp"

namespace weave::tool {

std::string render_html(const Trace& trace, const std::string& title);

}  // namespace weave::tool
