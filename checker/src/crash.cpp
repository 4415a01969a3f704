#include "crash.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "execution.hpp"
#include "fiber.hpp"
#include "schedule.hpp"
#include "strategy/strategy.hpp"

namespace weave::detail {

namespace {

// ---- output without allocation ---------------------------------------------------------------

// Text gathered in a caller's buffer and written to `fd` whenever the buffer fills and at flush();
// with no fd (fd < 0) it keeps what fits and only counts the rest.
class Out {
 public:
  Out(int fd, char* buffer, std::size_t capacity) : fd_(fd), buf_(buffer), cap_(capacity) {}
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;

  void put(char c) {
    if (n_ == cap_) {
      if (fd_ < 0) {
        ++total_;
        return;
      }
      flush();
    }
    buf_[n_++] = c;
    ++total_;
  }
  void put(std::string_view s) {
    for (char c : s) put(c);
  }
  void number(std::uint64_t v) {
    char digits[20];
    std::size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) put(digits[--n]);
  }
  void hex16(std::uint64_t v) {
    for (int shift = 60; shift >= 0; shift -= 4) put("0123456789abcdef"[(v >> shift) & 0xf]);
  }
  // `s` as the inside of a JSON string literal.
  void json(std::string_view s) {
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        put('\\');
        put(c);
      } else if (u < 0x20) {
        put("\\u00");
        put("0123456789abcdef"[u >> 4]);
        put("0123456789abcdef"[u & 0xf]);
      } else {
        put(c);
      }
    }
  }
  // Writes out what is buffered; false when the file would not take it all.
  bool flush() {
    bool ok = true;
    for (std::size_t done = 0; fd_ >= 0 && done < n_;) {
      const ssize_t w = ::write(fd_, buf_ + done, n_ - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        ok = false;
        break;
      }
      done += static_cast<std::size_t>(w);
    }
    if (fd_ >= 0) n_ = 0;
    return ok;
  }
  std::size_t total() const { return total_; }
  std::size_t size() const { return n_; }

 private:
  int fd_;
  char* buf_;
  std::size_t cap_;
  std::size_t n_ = 0;
  std::size_t total_ = 0;
};

void put_choice(Out& o, std::uint32_t c) {
  if ((c & kDrawBit) != 0) {
    o.put('r');
    c &= ~kDrawBit;
  } else if ((c & kTimeoutBit) != 0) {
    o.put('t');
    c &= ~kTimeoutBit;
  }
  o.number(c);
}

// The token, as encode_schedule writes it: weave1:<steps><flags>:<hash>:<choices>.
void put_token(Out& o, std::uint64_t steps, std::string_view flags, std::uint64_t hash,
               std::span<const std::uint32_t> choices) {
  o.put("weave1:");
  o.number(steps);
  o.put(flags);
  o.put(':');
  o.hex16(hash);
  o.put(':');
  for (std::size_t i = 0; i < choices.size();) {
    std::size_t j = i;
    while (j < choices.size() && choices[j] == choices[i]) ++j;
    if (i != 0) o.put('.');
    put_choice(o, choices[i]);
    if (j - i > 1) {
      o.put('x');
      o.number(j - i);
    }
    i = j;
  }
}

// ---- what the handler knows ------------------------------------------------------------------

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr std::size_t kSignalCount = sizeof kSignals / sizeof kSignals[0];

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
  }
  return "signal";
}

const char* signal_meaning(int sig, bool overflow) {
  if (overflow) return "stack overflow";
  switch (sig) {
    case SIGSEGV:
      return "segmentation fault";
    case SIGBUS:
      return "bus error";
    case SIGFPE:
      return "arithmetic error";
    case SIGILL:
      return "illegal instruction";
    case SIGABRT:
      return "abort: abort(), a failed assert() or std::terminate";
  }
  return "fatal signal";
}

struct ThreadState {
  const CrashPlan* plan = nullptr;
  const ExecutionBuffers* buffers = nullptr;
  const std::uint64_t* hash = nullptr;
  const char* fiber_name = nullptr;
  std::size_t fiber_stack = 0;
  int depth = 0;  // CrashReporting objects alive on this thread
  bool stack_set = false;
  stack_t previous_stack{};
};
// Constant-initialized, and touched before any signal comes (by CrashReporting and run()): the
// handler's reads neither allocate nor run an initializer.
thread_local ThreadState t_state;

// This thread's alternate signal stack: mapped by its first check(), kept for the next ones (a
// mapping per check() call cost more than the rest of crash reporting), unmapped when it ends.
constexpr std::size_t kAltStackSize = 128 * 1024;
struct AltStack {
  void* base = nullptr;
  AltStack() = default;
  AltStack(const AltStack&) = delete;
  AltStack& operator=(const AltStack&) = delete;
  ~AltStack() {
    if (base != nullptr) ::munmap(base, kAltStackSize);
  }
};
thread_local AltStack t_alt_stack;

std::mutex g_install_mutex;
int g_installs = 0;  // CrashReporting objects alive in the process
struct sigaction g_previous[kSignalCount];
std::atomic<bool> g_reporting{false};  // one report at a time: they share the buffers below
char g_buffer[8192];
char g_tmp_path[4096];

// One crash, as the handler sees it.
struct Crash {
  int sig;
  bool overflow;
  const char* thread;
  std::size_t stack_size;
  std::uint64_t steps;
  std::uint64_t hash;
  std::span<const std::uint32_t> choices;
  const CrashPlan* plan;
};

void put_message(Out& o, const Crash& c) {
  o.put(signal_name(c.sig));
  o.put(" (");
  o.put(signal_meaning(c.sig, c.overflow));
  o.put(") in thread ");
  o.put(c.thread);
  o.put(" at step ");
  o.number(c.steps);
}

void put_crash_token(Out& o, const Crash& c) {
  put_token(o, c.steps, c.plan->token_flags, c.hash, c.choices);
}

bool as_recorded(const Crash& c) {
  return c.plan->recorded_crash && c.steps == c.plan->recorded_steps &&
         c.hash == c.plan->recorded_hash;
}

// What a replay's crash says about the recorded run.
void put_verdict(Out& o, const Crash& c) {
  const CrashPlan& p = *c.plan;
  o.put("replay crashed at step ");
  o.number(c.steps);
  if (!p.recorded_crash) {
    o.put(", but the recorded run did not crash");
    return;
  }
  if (c.steps != p.recorded_steps) {
    o.put(", but the recorded run crashed at step ");
    o.number(p.recorded_steps);
  } else if (c.hash != p.recorded_hash) {
    o.put(", as recorded, but its trace differs from the recorded one");
  } else {
    o.put(", as recorded");
    return;
  }
  o.put(
      ": the program changed since the schedule was recorded, or it is nondeterministic "
      "outside weave's control");
}

void put_replay_command(Out& o, const Crash& c, bool saved) {
  const CrashPlan& p = *c.plan;
  if (saved || (p.replaying && !p.replay_with_file.empty())) {
    o.put(p.replay_with_file);
    return;
  }
  o.put(p.replay_head);
  put_crash_token(o, c);
  o.put(p.replay_tail);
}

// Writes the schedule file (aside, then renamed into place, so it is whole or absent).
bool save_schedule_file(const Crash& c) {
  const CrashPlan& p = *c.plan;
  for (const std::string& folder : p.folders) ::mkdir(folder.c_str(), 0777);  // or it exists
  const std::string& file = p.schedule_file;
  if (file.size() + 5 > sizeof g_tmp_path) return false;
  std::memcpy(g_tmp_path, file.data(), file.size());
  std::memcpy(g_tmp_path + file.size(), ".tmp", 5);
  const int fd = ::open(g_tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  Out o(fd, g_buffer, sizeof g_buffer);
  o.put(p.file_head);
  put_message(o, c);
  o.put(p.file_middle);
  put_crash_token(o, c);
  o.put(p.file_tail);
  bool ok = o.flush();
  ok = ::close(fd) == 0 && ok;
  ok = ok && ::rename(g_tmp_path, file.c_str()) == 0;
  if (!ok) ::unlink(g_tmp_path);
  return ok;
}

// The crash record for WEAVE_TRACE_OUT (what `weave run` and `weave replay` read).
void write_trace_record(const Crash& c, bool saved) {
  const CrashPlan& p = *c.plan;
  const int fd = ::open(p.trace_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  Out o(fd, g_buffer, sizeof g_buffer);
  o.put("{\n  \"weave_trace\": 1,\n  \"outcome\": \"crash\",\n  \"crash\": {\"signal\": \"");
  o.put(signal_name(c.sig));
  o.put("\", \"thread\": \"");
  o.json(c.thread);
  o.put("\", \"step\": ");
  o.number(c.steps);
  if (p.schedules_done != nullptr) {
    o.put(", \"schedules\": ");
    o.number(*p.schedules_done + 1);
  }
  o.put(", \"message\": \"");
  // A message holds only the signal's names, the thread's name and numbers: escape it whole.
  char message[512];
  Out m(-1, message, sizeof message);
  put_message(m, c);
  o.json(std::string_view(message, m.size()));
  o.put("\", \"verdict\": \"");
  if (p.replaying) {
    Out v(-1, message, sizeof message);
    put_verdict(v, c);
    o.json(std::string_view(message, v.size()));
  }
  o.put("\", \"schedule\": \"");
  put_crash_token(o, c);
  o.put("\", \"schedule_file\": \"");
  if (saved) o.json(p.schedule_file);
  o.put("\", \"replay_command\": \"");
  // The command holds a shell-quoted path and test name: escaped piece by piece.
  if (saved || (p.replaying && !p.replay_with_file.empty())) {
    o.json(p.replay_with_file);
  } else {
    o.json(p.replay_head);
    put_crash_token(o, c);  // letters, digits, ':', '.', '@': nothing to escape
    o.json(p.replay_tail);
  }
  o.put("\"},\n  \"steps\": []\n}\n");
  o.flush();
  ::close(fd);
}

void report(const Crash& c) {
  const CrashPlan& p = *c.plan;
  const bool saved = !p.schedule_file.empty() && save_schedule_file(c);
  Out err(2, g_buffer, sizeof g_buffer);
  if (c.overflow) {
    err.put("weave: stack overflow in thread ");
    err.put(c.thread);
    err.put(" (its fiber stack is ");
    err.number(c.stack_size);
    err.put(" bytes: raise weave::Config::stack_size)\n");
  }
  err.put("weave: crash: ");
  put_message(err, c);
  err.put("\n");
  if (p.replaying) {
    err.put("weave: ");
    put_verdict(err, c);
    err.put("\n");
    if (!as_recorded(c)) {
      err.put("weave: this run's schedule: ");
      put_crash_token(err, c);
      err.put("\n");
    }
  } else if (saved) {
    err.put("weave: the schedule that crashed is saved in ");
    err.put(p.schedule_file);
    err.put("\n");
  } else {
    err.put("weave: the schedule that crashed: ");
    put_crash_token(err, c);
    if (!p.schedule_file.empty()) {
      err.put(" (it could not be saved in ");
      err.put(p.schedule_file);
      err.put(")");
    }
    err.put("\n");
  }
  err.put("weave: replay this failure with:\n  ");
  put_replay_command(err, c, saved);
  err.put("\n");
  err.flush();
  if (!p.trace_out.empty()) write_trace_record(c, saved);
}

void on_crash(int sig, siginfo_t* info, void* context);

bool is_ours(const struct sigaction& a) {
  return (a.sa_flags & SA_SIGINFO) != 0 && a.sa_sigaction == on_crash;
}

std::size_t index_of(int sig) {
  for (std::size_t i = 0; i < kSignalCount; ++i) {
    if (kSignals[i] == sig) return i;
  }
  return 0;
}

// Gives the signal to the handler that was there before. When `must_die`, or when there was none,
// the process then dies of the signal: a fault comes again when its instruction runs again, a sent
// signal (abort's) is sent again and arrives once this handler returns.
void hand_on(int sig, siginfo_t* info, void* context, bool must_die) {
  const struct sigaction previous = g_previous[index_of(sig)];
  bool called = false;
  if ((previous.sa_flags & SA_SIGINFO) != 0) {
    if (previous.sa_sigaction != nullptr) {
      previous.sa_sigaction(sig, info, context);
      called = true;
    }
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(sig);
    called = true;
  }
  if (called && !must_die) return;  // it dealt with a signal that was not ours
  // The handler in place now may be one the previous handler put back (Catch2 restores its
  // predecessor, maybe a sanitizer's): that one gets the signal. Ours, or none, means death.
  struct sigaction now {};
  if (::sigaction(sig, nullptr, &now) != 0 || is_ours(now) ||
      ((now.sa_flags & SA_SIGINFO) == 0 && now.sa_handler == SIG_IGN)) {
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    ::sigaction(sig, &fallback, nullptr);
  }
  if (info == nullptr || info->si_code <= 0) ::raise(sig);
}

void on_crash(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const ThreadState& t = t_state;
  const bool ours = t.plan != nullptr && t.buffers != nullptr && t.hash != nullptr;
  if (ours && !g_reporting.exchange(true)) {
    const bool overflow = sig == SIGSEGV && info != nullptr &&
                          in_guard_page(reinterpret_cast<std::uintptr_t>(info->si_addr));
    const Crash c{
        sig,
        overflow,
        t.fiber_name != nullptr ? t.fiber_name : "?",
        t.fiber_stack,
        t.buffers->trace.size(),
        *t.hash,
        std::span<const std::uint32_t>(t.buffers->choices.data(), t.buffers->choices.size()),
        t.plan};
    report(c);
  }
  errno = saved_errno;
  hand_on(sig, info, context, ours);
}

void install() {
  struct sigaction sa {};
  sa.sa_sigaction = on_crash;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (int sig : kSignals) sigaddset(&sa.sa_mask, sig);  // one crash report at a time
  for (std::size_t i = 0; i < kSignalCount; ++i) ::sigaction(kSignals[i], &sa, &g_previous[i]);
}

void uninstall() {
  for (std::size_t i = 0; i < kSignalCount; ++i) ::sigaction(kSignals[i], &g_previous[i], nullptr);
}

}  // namespace

std::string crash_token_flags(const Schedule& s) {
  Schedule flags = s;
  flags.steps = 0;
  flags.livelock = false;
  flags.crashed = true;
  flags.choices.clear();
  // "weave1:0<flags>:<hash>:": the encoder's own flags, so the handler writes what it reads.
  const std::string token = encode_schedule(flags);
  const std::size_t start = std::string_view("weave1:0").size();
  return token.substr(start, token.find(':', start) - start);
}

CrashReporting::CrashReporting(CrashPlan plan) : plan_(std::move(plan)), outer_(t_state.plan) {
  {
    std::lock_guard<std::mutex> lk(g_install_mutex);
    if (g_installs++ == 0) install();
  }
  ThreadState& t = t_state;
  if (t.depth++ == 0) {
    // The handler must run when a fiber's stack is used up: on a stack of its own.
    AltStack& alt = t_alt_stack;
    if (alt.base == nullptr) {
      void* base = ::mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
      if (base != MAP_FAILED) alt.base = base;
    }
    if (alt.base != nullptr) {
      stack_t ss{};
      ss.ss_sp = alt.base;
      ss.ss_size = kAltStackSize;
      t.stack_set = ::sigaltstack(&ss, &t.previous_stack) == 0;
    }
  }
  t.plan = &plan_;
}

CrashReporting::~CrashReporting() {
  ThreadState& t = t_state;
  t.plan = outer_;
  if (--t.depth == 0 && t.stack_set) {
    if ((t.previous_stack.ss_flags & SS_DISABLE) != 0) {
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      ::sigaltstack(&off, nullptr);
    } else {
      ::sigaltstack(&t.previous_stack, nullptr);
    }
    t.stack_set = false;
  }
  std::lock_guard<std::mutex> lk(g_install_mutex);
  if (--g_installs == 0) uninstall();
}

void publish_execution(const ExecutionBuffers* buffers, const std::uint64_t* hash) noexcept {
  ThreadState& t = t_state;
  t.buffers = buffers;
  t.hash = hash;
}

void set_running_fiber_name(const char* name, std::size_t stack_size) noexcept {
  ThreadState& t = t_state;
  t.fiber_name = name;
  t.fiber_stack = stack_size;
}

std::size_t write_crash_token(char* out, std::size_t capacity, std::uint64_t steps,
                              std::string_view flags, std::uint64_t hash,
                              std::span<const std::uint32_t> choices) noexcept {
  Out o(-1, out, capacity);
  put_token(o, steps, flags, hash, choices);
  return o.total();
}

}  // namespace weave::detail
