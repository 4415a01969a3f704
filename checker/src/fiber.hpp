#pragma once
// Fiber stacks: pooled, guard-paged, reused across schedules; and stack-overflow reporting.
#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <vector>

namespace weave::detail {

// Stacks of one size, each with a PROT_NONE guard page below it. Creating one costs an mmap and
// an mprotect (~25 us); taking one from the pool costs a vector pop.
class StackPool {
 public:
  explicit StackPool(std::size_t usable_size);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sc) noexcept;
  // The stack at `base` (sp - size, as allocate() gave it) belongs to a fiber that is abandoned:
  // never resumed nor unwound. It is never reused nor unmapped, so what its frames own stays
  // reachable (LeakSanitizer scans it).
  void retire(const void* base) noexcept;
  std::size_t usable_size() const noexcept { return usable_; }

 private:
  std::size_t usable_;
  std::size_t total_;
  std::vector<void*> free_;
  std::vector<void*> all_;
};

// The allocator handed to boost::context::fiber: forwards to a pool.
struct PooledStack {
  StackPool* pool;
  boost::context::stack_context allocate() { return pool->allocate(); }
  void deallocate(boost::context::stack_context& sc) noexcept { pool->deallocate(sc); }
};

// While alive, a SIGSEGV handler on an alternate stack recognises a fault in a fiber's guard page
// and reports a stack overflow naming the thread, instead of a bare crash. Other faults go to the
// handler that was installed before (a test framework's, say), which is restored at the end.
class OverflowReporting {
 public:
  OverflowReporting();
  ~OverflowReporting();
  OverflowReporting(const OverflowReporting&) = delete;
  OverflowReporting& operator=(const OverflowReporting&) = delete;

 private:
  bool active_ = false;
};
// What the overflow report says about the running fiber (a static, NUL-terminated string).
void set_running_fiber_name(const char* name, std::size_t stack_size) noexcept;

}  // namespace weave::detail
