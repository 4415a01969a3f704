#pragma once
// What the HTML timeline draws, worked out from a trace: who held which lock when, and which
// step let which other step go on (a release to the acquire it allowed, a notify to the wait it
// woke, a thread's exit to the join that waited for it).
#include <cstdint>
#include <string>
#include <vector>

#include "trace.hpp"

namespace weave::tool {

struct Timeline {
  // A thread held `object` from step `from` to step `to` (its release or its wait), drawn
  // `depth` rows under the lane (the number of locks it already held). `open`: still held at the
  // end of the trace.
  struct Span {
    std::uint32_t thread;
    std::string object;
    std::size_t from, to;  // positions in the trace's steps
    int depth;
    bool open;
  };
  // Step `from` let step `to` (of another thread) go on. kind: "release", "notify" or "signal".
  struct Arrow {
    std::size_t from, to;  // positions in the trace's steps
    std::string kind;
  };
  std::vector<Span> spans;
  std::vector<Arrow> arrows;
};

Timeline build_timeline(const Trace& trace);

}  // namespace weave::tool
