#pragma once
// Fiber stacks: pooled, guard-paged, reused across schedules (crash.hpp reports overflows).
#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <cstdint>
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

// Whether `addr` lies in (or just below) the guard page of a pooled stack: a fault there is a
// stack overflow. Async-signal-safe (crash.cpp's handler asks).
bool in_guard_page(std::uintptr_t addr) noexcept;

}  // namespace weave::detail
