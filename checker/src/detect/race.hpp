#pragma once
// Data races by happens-before (vector clocks, FastTrack-style epochs for the last write).
//
// A race is two accesses to overlapping memory — the same Shared<T>, or overlapping
// note_read/note_write ranges — by different threads, at least one a write, with no
// happens-before between them. Happens-before comes from the execution's release/acquire events
// (thread start and join, locks, conditions, semaphores, events, barriers, queues, futures,
// executors, timers, atomics). It does not depend on the values read, so a race is found in the
// first schedule where both accesses occur.
#include <string>
#include <vector>

#include "detector.hpp"
#include "object_table.hpp"
#include "vector_clock.hpp"

namespace weave::detail {

class RaceDetector final : public Detector {
 public:
  void begin_execution() override;
  void on_spawn(std::uint32_t thread) override;
  void on_release(const Object& sync, const StepRef& at) override;
  std::optional<Finding> on_acquire(const Object& sync, const StepRef& at,
                                    const ThreadNames& names) override;
  std::optional<Finding> on_access(Op op, const Object* obj, const void* addr, std::size_t size,
                                   const StepRef& at, const ThreadNames& names) override;

 private:
  struct Access {
    Epoch epoch;  // clock 0: none
    std::uint64_t step = 0;
    const char* file = "";
    std::uint32_t line = 0;
  };
  // What is known of one variable: its last write and, per thread, its last read since then.
  struct Shadow {
    Access write;
    std::vector<Access> reads;
    void reset() noexcept;
  };
  struct Range {
    const char* lo = nullptr;
    std::size_t size = 0;
    Shadow shadow;
  };

  VectorClock& clock(std::uint32_t thread) {
    if (thread >= thread_count_) grow(thread);
    return threads_[thread];
  }
  void grow(std::uint32_t thread);
  // Checks the access against what `s` knows; a conflicting earlier access, or null.
  const Access* conflict(const Shadow& s, bool write, const StepRef& at);
  void update(Shadow& s, bool write, const StepRef& at);
  // `before` and `what` describe the memory of the earlier and of the current access.
  Finding report(const Access& earlier, bool earlier_write, bool write, const Object* obj,
                 const std::string& before, const std::string& what, const StepRef& at,
                 const ThreadNames& names) const;

  std::vector<VectorClock> threads_;
  std::size_t thread_count_ = 0;
  ObjectTable<VectorClock> sync_;
  ObjectTable<Shadow> vars_;
  std::vector<Range> ranges_;  // raw memory; the first ranges_used_ are live
  std::size_t ranges_used_ = 0;
};

}  // namespace weave::detail
