#pragma once
// Child processes: the test binaries the tool runs, each in its own process group (so a timeout
// ends it with whatever it started), with stdin from /dev/null and stdout and stderr into one file
// (no pipe to drain, however much a test prints).
#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace weave::tool {

struct ProcessSpec {
  std::vector<std::string> argv;
  // Set in the child. The WEAVE_* variables that steer a run (WEAVE_REPLAY, WEAVE_SHRINK,
  // WEAVE_TRACE_OUT, ...) are never inherited from the tool's environment: only these set them.
  std::vector<std::pair<std::string, std::string>> env;
  std::string output_path;               // stdout and stderr go there
  std::chrono::milliseconds timeout{0};  // 0: none
};

struct ProcessResult {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  bool timed_out = false;
  std::chrono::steady_clock::duration elapsed{};
  bool ok() const { return exit_code == 0; }
  // "exit status 1", "killed by signal 11 (Segmentation fault)", "timed out after 30 s".
  std::string describe(std::chrono::milliseconds timeout) const;
};

// A running child. Destroying one that still runs kills it.
class Child {
 public:
  // Starts it; a ToolError when it cannot be started.
  explicit Child(const ProcessSpec& spec);
  ~Child();
  Child(Child&& other) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Does not block: true once the child has ended, or has been killed because its time ran out.
  bool finished();
  // Kills it (and its process group) and reaps it.
  void kill();
  const ProcessResult& result() const { return result_; }

 private:
  pid_t pid_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::milliseconds timeout_;
  ProcessResult result_;
};

// Runs a child to its end.
ProcessResult run_process(const ProcessSpec& spec);

// Waits a little for children to change (a short sleep: polling keeps this portable and simple).
void nap();

// SIGINT and SIGTERM set a flag instead of killing the tool at once, so it can end its children
// first; check_interrupted() throws Interrupted when the flag is set.
void handle_interrupts();
struct Interrupted {};
void check_interrupted();

// The contents of a file; "" when it cannot be read.
std::string read_file(const std::string& path);

// A private temporary folder, removed with its contents when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace weave::tool
