#include "process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli.hpp"

extern char** environ;

namespace weave::tool {

namespace {

// The variables that steer one run of a test; a stray one in the user's shell (a WEAVE_REPLAY
// left exported, say) must not change what the tool asked for.
constexpr const char* kSteering[] = {"WEAVE_REPLAY",    "WEAVE_SHRINK",    "WEAVE_SHRINK_OUT",
                                     "WEAVE_TRACE_OUT", "WEAVE_STATS_OUT", "WEAVE_PROGRESS_OUT",
                                     "WEAVE_SHARD"};

bool overridden(std::string_view entry, const ProcessSpec& spec) {
  const std::string_view name = entry.substr(0, entry.find('='));
  for (const char* s : kSteering) {
    if (name == s) return true;
  }
  for (const auto& [k, v] : spec.env) {
    if (name == k) return true;
  }
  return false;
}

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

}  // namespace

std::string ProcessResult::describe(std::chrono::milliseconds timeout) const {
  if (timed_out) {
    return fmt::format("timed out after {} s (--timeout)",
                       std::chrono::duration<double>(timeout).count());
  }
  if (signal != 0) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exit status {}", exit_code);
}

Child::Child(const ProcessSpec& spec)
    : start_(std::chrono::steady_clock::now()), timeout_(spec.timeout) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e, spec)) env_strings.emplace_back(*e);
  }
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, spec.output_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  const int rc = posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    pid_ = -1;
    throw ToolError(fmt::format("cannot run {}: {}", spec.argv[0], std::strerror(rc)));
  }
}

Child::~Child() {
  if (pid_ > 0) kill();
}

Child::Child(Child&& other) noexcept
    : pid_(other.pid_), start_(other.start_), timeout_(other.timeout_), result_(other.result_) {
  other.pid_ = -1;
}

bool Child::finished() {
  if (pid_ <= 0) return true;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result_.signal = WTERMSIG(status);
    result_.elapsed = std::chrono::steady_clock::now() - start_;
    pid_ = -1;
    return true;
  }
  if (timeout_.count() > 0 && std::chrono::steady_clock::now() - start_ >= timeout_) {
    kill();
    result_.timed_out = true;
    return true;
  }
  return false;
}

void Child::kill() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  result_.signal = SIGKILL;
  result_.elapsed = std::chrono::steady_clock::now() - start_;
  pid_ = -1;
}

ProcessResult run_process(const ProcessSpec& spec) {
  Child child(spec);
  while (!child.finished()) {
    check_interrupted();
    nap();
  }
  return child.result();
}

void nap() { std::this_thread::sleep_for(std::chrono::milliseconds(5)); }

void handle_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void check_interrupted() {
  if (g_interrupted.load()) throw Interrupted{};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/weave-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw ToolError(
        fmt::format("cannot create a temporary folder {}: {}", pattern, std::strerror(errno)));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace weave::tool
