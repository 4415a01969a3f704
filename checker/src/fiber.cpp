#include "fiber.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
bool in_guard(std::uintptr_t addr) {
  const std::size_t n = std::min(g_guard_count.load(), kMaxGuards);
  // A fault slightly below the guard page (a large frame) still counts.
  const std::uintptr_t slack = page_size() * 16;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uintptr_t g = g_guards[i].load();
    if (g != 0 && addr + slack >= g && addr < g + page_size()) return true;
  }
  return false;
}

thread_local const char* t_fiber_name = nullptr;
thread_local std::size_t t_fiber_stack = 0;
// The handler and alternate stack that were in place before, restored when reporting ends.
struct sigaction g_previous_action {};
stack_t g_previous_stack{};
int g_depth = 0;  // nested check() calls on this thread share one installation
constexpr std::size_t kAltSize = 64 * 1024;
alignas(16) char g_alt_stack[kAltSize];

void write_str(const char* s) {
  const std::size_t n = std::strlen(s);
  ssize_t r = ::write(2, s, n);
  (void)r;
}

void on_segv(int sig, siginfo_t* info, void* ctx) {
  const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  if (!in_guard(addr)) {
    // Not ours: hand it to the handler that was there before.
    if ((g_previous_action.sa_flags & SA_SIGINFO) != 0 &&
        g_previous_action.sa_sigaction != nullptr) {
      g_previous_action.sa_sigaction(sig, info, ctx);
      return;
    }
    if (g_previous_action.sa_handler != SIG_DFL && g_previous_action.sa_handler != SIG_IGN &&
        g_previous_action.sa_handler != nullptr) {
      g_previous_action.sa_handler(sig);
      return;
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  char size[32];
  std::snprintf(size, sizeof size, "%zu", t_fiber_stack);
  write_str("weave: stack overflow in thread ");
  write_str(t_fiber_name != nullptr ? t_fiber_name : "?");
  write_str(" (its fiber stack is ");
  write_str(size);
  write_str(" bytes: raise weave::Config::stack_size)\n");
  // A fiber whose stack overflowed cannot be resumed: die with SIGSEGV as before.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
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

OverflowReporting::OverflowReporting() {
  if (g_depth++ > 0) return;
  stack_t ss{};
  ss.ss_sp = g_alt_stack;
  ss.ss_size = kAltSize;
  ss.ss_flags = 0;
  if (::sigaltstack(&ss, &g_previous_stack) != 0) return;
  struct sigaction sa {};
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGSEGV, &sa, &g_previous_action) != 0) {
    ::sigaltstack(&g_previous_stack, nullptr);
    return;
  }
  active_ = true;
}

OverflowReporting::~OverflowReporting() {
  --g_depth;
  if (!active_) return;
  ::sigaction(SIGSEGV, &g_previous_action, nullptr);
  if ((g_previous_stack.ss_flags & SS_DISABLE) != 0) {
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    ::sigaltstack(&off, nullptr);
  } else {
    ::sigaltstack(&g_previous_stack, nullptr);
  }
}

void set_running_fiber_name(const char* name, std::size_t stack_size) noexcept {
  t_fiber_name = name;
  t_fiber_stack = stack_size;
}

}  // namespace weave::detail
