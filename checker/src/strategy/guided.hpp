#pragma once
// The guided strategy: follows a recorded schedule where it still fits, and otherwise lets the
// running thread go on. Shrinking (shrink.cpp) edits a failing schedule and runs the edit with
// it: an edited schedule rarely fits the program exactly, and a strict replay would give up at the
// first misfit.
#include <cstdint>
#include <memory>
#include <vector>

#include "strategy.hpp"

namespace weave::detail {

// At each decision, takes the guide's next entry when it is one of the candidates; an entry that
// is not (a thread that cannot run now, or a draw) is dropped with the entries equal to it that
// follow. Once the guide is used up, the running thread goes on when it can, else the
// lowest-numbered runnable thread, else the earliest timeout. A random draw takes the guide's next
// entry when that is a draw in range, else 0. It never diverges.
std::unique_ptr<StrategyImpl> make_guided_strategy(std::vector<std::uint32_t> guide);

}  // namespace weave::detail
