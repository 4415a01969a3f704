#include "fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace weave::detail {

namespace {

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// Guard pages of every pool, for the signal handler (lock-free, fixed capacity).
constexpr std::size_t kMaxGuards = 1 << 14;
std::atomic<std::uintptr_t> g_guards[kMaxGuards];
std::atomic<std::size_t> g_guard_count{0};

void register_guard(void* base) {
  const std::size_t i = g_guard_count.fetch_add(1);
  if (i < kMaxGuards) g_guards[i].store(reinterpret_cast<std::uintptr_t>(base));
}
void unregister_guard(void* base) {
  const std::size_t n = std::min(g_guard_count.load(), kMaxGuards);
  for (std::size_t i = 0; i < n; ++i) {
    std::uintptr_t expected = reinterpret_cast<std::uintptr_t>(base);
    if (g_guards[i].compare_exchange_strong(expected, 0)) return;
  }
}

}  // namespace

StackPool::StackPool(std::size_t usable_size) {
  const std::size_t page = page_size();
  usable_ = (usable_size + page - 1) / page * page;
  if (usable_ < 4 * page) usable_ = 4 * page;
  total_ = usable_ + page;
}

StackPool::~StackPool() {
  for (void* base : all_) {
    unregister_guard(base);
    ::munmap(base, total_);
  }
}

boost::context::stack_context StackPool::allocate() {
  void* base = nullptr;
  if (!free_.empty()) {
    base = free_.back();
    free_.pop_back();
  } else {
    base = ::mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                  -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    if (::mprotect(base, page_size(), PROT_NONE) != 0) {
      ::munmap(base, total_);
      throw std::bad_alloc();
    }
    register_guard(base);
    all_.push_back(base);
  }
  boost::context::stack_context sc;
  sc.size = total_;
  sc.sp = static_cast<char*>(base) + total_;
  return sc;
}

void StackPool::retire(const void* base) noexcept {
  auto it = std::find(all_.begin(), all_.end(), base);
  if (it == all_.end()) return;
  all_.erase(it);
#if defined(__SANITIZE_ADDRESS__)
  __lsan_register_root_region(static_cast<const char*>(base) + page_size(), usable_);
#endif
}

void StackPool::deallocate(boost::context::stack_context& sc) noexcept {
  void* base = static_cast<char*>(sc.sp) - sc.size;
  try {
    free_.push_back(base);
  } catch (...) {
    // Out of memory while pooling: leave the mapping in all_ to be unmapped with the pool.
  }
}

bool in_guard_page(std::uintptr_t addr) noexcept {
  const std::size_t n = std::min(g_guard_count.load(), kMaxGuards);
  // A fault slightly below the guard page (a large frame) still counts.
  const std::uintptr_t slack = page_size() * 16;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uintptr_t g = g_guards[i].load();
    if (g != 0 && addr + slack >= g && addr < g + page_size()) return true;
  }
  return false;
}

}  // namespace weave::detail
