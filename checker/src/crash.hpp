#pragma once
// Crash reporting: a fatal signal in checked code keeps its schedule.
//
// While a CrashReporting is alive on a thread, a SIGSEGV (any fault: a bad pointer, a fiber stack
// overflow), SIGBUS, SIGFPE, SIGILL or SIGABRT (abort(), a failed assert(), std::terminate) raised
// on that thread while an Execution runs there is caught on an alternate signal stack. Before the
// process dies the handler, using only async-signal-safe calls (open, write, rename, mkdir; no
// allocation), writes the schedule that crashed — the execution's choices so far, as a weave1
// token with the `C` flag (schedule.hpp) — into a schedule file, prints the signal, the thread,
// the step, the file and the replay command to stderr, writes a crash record to WEAVE_TRACE_OUT,
// and then hands the signal on:
//
//   1. to the handler that was installed before (a test framework's: Catch2 reports the fatal
//      error in its test case; AddressSanitizer's: it prints its report with the stack and exits
//      with its exit code), called directly, with the signal's own siginfo and context;
//   2. when there was none, or it returns, the process dies of the same signal (the default
//      action), so its exit status says what killed it.
//
// Everything that needs allocation (the file's path and text, the replay command) is rendered
// into a CrashPlan before any execution runs, once per check() or replay() call; the handler
// fills in what only it knows (signal, thread, step, token). Replaying a schedule that crashed,
// the handler compares: "weave: replay crashed at step N, as recorded".
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weave::detail {

struct ExecutionBuffers;
struct Schedule;

// What the handler writes, rendered ahead of time.
struct CrashPlan {
  // Where the crashed schedule goes, and the folders to create first (outermost first); no file
  // (a replay, or a check() beside one): the handler prints the token instead.
  std::string schedule_file;
  std::vector<std::string> folders;
  // The schedule file's text around what only the handler knows: head MESSAGE middle TOKEN tail.
  std::string file_head, file_middle, file_tail;
  // What follows the step count in the token: "C", "SC@2"... (see crash_token_flags).
  std::string token_flags;
  // The replay command: with the schedule file, or head TOKEN tail when there is none.
  std::string replay_with_file;
  std::string replay_head, replay_tail;
  std::string trace_out;  // WEAVE_TRACE_OUT ("" : none)
  // check(): the schedules it has finished (the crashed one is the next), for the record.
  const std::uint64_t* schedules_done = nullptr;
  // When replaying: what the recorded run did, for the verdict.
  bool replaying = false;
  bool recorded_crash = false;
  std::uint64_t recorded_steps = 0;
  std::uint64_t recorded_hash = 0;
};

// The flags a crashed run of `s`'s settings carries after its step count ("C" and whatever
// encode_schedule writes for the settings and check() number).
std::string crash_token_flags(const Schedule& s);

// Arms crash reporting with `plan` on this thread for its lifetime (nested ones use the innermost
// plan). The first one in the process installs the handler, the last one restores the handlers
// that were there before; each thread gets its own alternate signal stack.
class CrashReporting {
 public:
  explicit CrashReporting(CrashPlan plan);
  ~CrashReporting();
  CrashReporting(const CrashReporting&) = delete;
  CrashReporting& operator=(const CrashReporting&) = delete;

 private:
  CrashPlan plan_;
  const CrashPlan* outer_;
};

// Execution::run() says where the running execution's choices and step count (`buffers`) and
// trace hash live; null when none runs. Two thread-local stores: the per-schedule cost.
void publish_execution(const ExecutionBuffers* buffers, const std::uint64_t* hash) noexcept;
// The thread the crash report names (a NUL-terminated string that outlives the execution).
void set_running_fiber_name(const char* name, std::size_t stack_size) noexcept;

// The token of a crashed run as the handler writes it, without allocating: into `out` (at most
// `capacity` bytes); returns the length of the whole token. Exposed so that tests can hold it
// against encode_schedule.
std::size_t write_crash_token(char* out, std::size_t capacity, std::uint64_t steps,
                              std::string_view flags, std::uint64_t hash,
                              std::span<const std::uint32_t> choices) noexcept;

}  // namespace weave::detail
