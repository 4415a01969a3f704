// Crashes in checked code (crash.hpp): a fatal signal saves the schedule that crashed and prints
// the replay command; replaying that schedule crashes at the same step and says so; a replay that
// gets past that step says it did not reproduce. Each crash happens in a child process, with the
// default actions for the crash signals (no test framework's or sanitizer's handler takes part
// unless the test installs one). The crashing code is tests/tools/user_crash_code.hpp.
#include "crash.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <weave/catch2.hpp>
#include <weave/weave.hpp>

#include "../tools/user_crash_code.hpp"
#include "schedule.hpp"

namespace fs = std::filesystem;

namespace {

void null_after_race() { user_crash_code::null_after_race(); }
void null_checked() { user_crash_code::null_after_race(/*fixed=*/true); }
void oversell() { user_crash_code::oversell(); }

// Recurses until the stack runs out (the opaque global keeps the compiler from seeing it).
volatile int g_keep_going = 1;
int recurse_deep(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (g_keep_going == 0) return frame[0];
  return recurse_deep(depth + 1) + frame[0];
}

void overflow() {
  weave::Lock lock{"lock"};
  weave::Thread t(weave::ThreadOptions{"deep-recursion"}, [&] {
    std::lock_guard g(lock);
    (void)recurse_deep(0);
  });
  t.start();
  t.join();
}

// A thread that raises g_signal (0: executes a trap instruction, a real SIGILL fault).
int g_signal = 0;
void raise_signal() {
  weave::Thread t(weave::ThreadOptions{"raiser"}, [] {
    if (g_signal == 0) __builtin_trap();
    ::raise(g_signal);
  });
  t.start();
  t.join();
}

void say(const char* text) {
  const ssize_t r = ::write(2, text, std::char_traits<char>::length(text));
  (void)r;
}

struct Child {
  int status = 0;
  std::string err;  // what it wrote to stderr
  bool died_of(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
  bool exited(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
};

// Runs `fn` in a child process with WEAVE_ARTIFACTS=`artifacts` and the crash signals' default
// actions; it exits 0 when `fn` returns.
template <class F>
Child in_child(const fs::path& artifacts, F fn) {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], 2);
    ::close(out[0]);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(sig, SIG_DFL);
    ::setenv("WEAVE_ARTIFACTS", artifacts.c_str(), 1);
    ::unsetenv("WEAVE_TRACE_OUT");
    ::unsetenv("WEAVE_REPLAY");
    fn();
    ::_exit(0);
  }
  ::close(out[1]);
  Child c;
  char buf[512];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
    c.err.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  ::waitpid(pid, &c.status, 0);
  return c;
}

// A fresh folder for one test's schedules.
struct Folder {
  fs::path path;
  Folder() {
    std::string pattern = (fs::temp_directory_path() / "weave-crash-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A check() of `body` that crashed in a child, and the schedule it saved.
struct Crashed {
  Child child;
  fs::path file;
  std::string text;  // the file's
  weave::detail::Schedule schedule;
};

// check() of `body` in a child, which must die of `sig` after saving its schedule and printing
// the command that replays it.
Crashed crashing_check(const Folder& folder, void (*body)(), const char* name, std::uint64_t seed,
                       int sig, std::size_t stack_size = 256 * 1024) {
  Crashed out;
  out.child = in_child(folder.path, [&] {
    weave::Config config;
    config.name = name;
    config.seed = seed;
    config.iterations = 500;
    config.stack_size = stack_size;
    // A schedule that ran to its end says so: the crash needs one interleaving, not every one.
    config.on_schedule = [](std::string_view, bool) { say("weave-test: a schedule ended\n"); };
    (void)weave::check(body, config);
  });
  out.file = folder.path / (std::string(name) + "-" + std::to_string(seed) + ".schedule");
  INFO(out.child.err);
  CHECK(out.child.died_of(sig));
  REQUIRE(fs::exists(out.file));
  CHECK(has(out.child.err,
            "weave: the schedule that crashed is saved in " + out.file.string() + "\n"));
  CHECK(has(out.child.err,
            "weave: replay this failure with:\n  WEAVE_REPLAY=" + out.file.string() + " "));
  out.text = read(out.file);
  out.schedule = weave::detail::load_schedule_argument(out.file.string()).schedule;
  CHECK(out.schedule.crashed);
  return out;
}

// weave::replay() of `schedule_file` with `body` in a child; a ReplayError is written to stderr,
// and the child exits 3.
Child replayed(const Folder& folder, void (*body)(), const fs::path& schedule_file) {
  return in_child(folder.path, [&] {
    try {
      (void)weave::replay(body, schedule_file.string());
    } catch (const weave::ReplayError& e) {
      say("ReplayError: ");
      say(e.what());
      say("\n");
      ::_exit(3);
    }
  });
}

std::string at_step(std::uint64_t n) { return "at step " + std::to_string(n); }

// weave::replay() of `crashed`'s schedule with `body` in a child, which must die of `sig` at the
// recorded step, and say so.
Child replays_as_recorded(const Folder& folder, void (*body)(), const Crashed& crashed, int sig) {
  Child again = replayed(folder, body, crashed.file);
  INFO(again.err);
  CHECK(again.died_of(sig));
  CHECK(has(again.err,
            "weave: replay crashed " + at_step(crashed.schedule.steps) + ", as recorded\n"));
  return again;
}

}  // namespace

TEST_CASE("A segfault under one interleaving saves its schedule; its replay crashes at that step",
          "[checker][crash]") {
  Folder folder;
  const Crashed c = crashing_check(folder, null_after_race, "null-after-race", 3, SIGSEGV);
  INFO(c.child.err);
  // Only some interleavings crash: schedules ran to their end before this one.
  CHECK(has(c.child.err, "weave-test: a schedule ended\n"));
  const std::string step = at_step(c.schedule.steps);
  CHECK(has(c.child.err,
            "weave: crash: SIGSEGV (segmentation fault) in thread reader " + step + "\n"));
  // The schedule file: the same format as every other bug's.
  INFO(c.text);
  CHECK(c.text.rfind("# weave schedule: replay it with WEAVE_REPLAY=<this file>", 0) == 0);
  // Its test line names the test (what `weave replay` runs); Config::name names the file.
  CHECK(has(c.text,
            "\ntest: A segfault under one interleaving saves its schedule; its replay "
            "crashes at that step\nbug: Crash\nmessage: SIGSEGV (segmentation fault) in "
            "thread reader " +
                step + "\nstrategy: pct\nseed: 3\nschedule: weave1:"));
  CHECK(has(c.text, "schedule: weave1:" + std::to_string(c.schedule.steps) + "C:"));

  const Child again = replays_as_recorded(folder, null_after_race, c, SIGSEGV);
  CHECK(has(again.err, "weave: crash: SIGSEGV (segmentation fault) in thread reader " + step));
  CHECK(has(again.err, "weave: replay this failure with:\n  WEAVE_REPLAY=" + c.file.string()));

  // The program, fixed: the replay goes past the step where the recorded run crashed.
  const Child fixed = replayed(folder, null_checked, c.file);
  INFO(fixed.err);
  CHECK(fixed.exited(3));
  CHECK(has(fixed.err, "ReplayError: the recorded run crashed " + step + ", but the replay ran "));
  CHECK(has(fixed.err, " steps without crashing"));
  CHECK_FALSE(has(fixed.err, "weave: crash"));
}

TEST_CASE("abort() in a checked thread saves its schedule; its replay aborts at that step",
          "[checker][crash]") {
  Folder folder;
  const Crashed c = crashing_check(folder, oversell, "oversell", 5, SIGABRT);
  INFO(c.child.err);
  CHECK(has(c.child.err, "weave-test: a schedule ended\n"));
  const std::string step = at_step(c.schedule.steps);
  CHECK(has(c.child.err,
            "weave: crash: SIGABRT (abort: abort(), a failed assert() or "
            "std::terminate) in thread seller-"));
  CHECK(has(c.text, "bug: Crash\nmessage: SIGABRT (abort"));
  replays_as_recorded(folder, oversell, c, SIGABRT);
}

TEST_CASE("A fiber stack overflow is reported with the thread's name, and its schedule saved",
          "[checker][crash][stack]") {
  Folder folder;
  const Crashed c = crashing_check(folder, overflow, "overflow", 1, SIGSEGV, 64 * 1024);
  INFO(c.child.err);
  CHECK(has(c.child.err, "weave: stack overflow in thread deep-recursion (its fiber stack is "));
  CHECK(has(c.child.err, "Config::stack_size"));
  const std::string step = at_step(c.schedule.steps);
  CHECK(has(c.child.err,
            "weave: crash: SIGSEGV (stack overflow) in thread deep-recursion " + step + "\n"));
  CHECK(has(c.text, "message: SIGSEGV (stack overflow) in thread deep-recursion " + step));
  // The replay runs on stacks of the default size, and overflows them too, at the same step.
  replays_as_recorded(folder, overflow, c, SIGSEGV);
}

TEST_CASE("Each crash signal is reported by its name, and the process dies of it",
          "[checker][crash]") {
  struct Case {
    int raised;  // 0: a trap instruction
    int dies_of;
    std::string says;
  };
  const Case cases[] = {{SIGBUS, SIGBUS, "SIGBUS (bus error)"},
                        {SIGFPE, SIGFPE, "SIGFPE (arithmetic error)"},
                        {SIGILL, SIGILL, "SIGILL (illegal instruction)"},
                        {0, SIGILL, "SIGILL (illegal instruction)"},
                        {SIGSEGV, SIGSEGV, "SIGSEGV (segmentation fault)"},
                        {SIGABRT, SIGABRT, "SIGABRT (abort"}};
  for (const Case& k : cases) {
    Folder folder;
    g_signal = k.raised;  // the child gets a copy
    const Crashed c = crashing_check(folder, raise_signal, "raised", 1, k.dies_of);
    INFO(c.child.err);
    CHECK(has(c.child.err, "weave: crash: " + k.says));
    CHECK(has(c.child.err, " in thread raiser " + at_step(c.schedule.steps) + "\n"));
  }
}

TEST_CASE("A replay that crashes where the recorded run did not says so", "[checker][crash]") {
  Folder folder;
  const Crashed c = crashing_check(folder, null_after_race, "null-after-race", 3, SIGSEGV);
  // The same choices, recorded as a run that did not crash.
  weave::detail::Schedule clean = c.schedule;
  clean.crashed = false;
  const fs::path token_file = folder.path / "clean.schedule";
  std::ofstream(token_file) << "weave-schedule 1\nschedule: "
                            << weave::detail::encode_schedule(clean) << "\n";
  const Child again = replayed(folder, null_after_race, token_file);
  INFO(again.err);
  CHECK(again.died_of(SIGSEGV));
  CHECK(has(again.err, "weave: replay crashed " + at_step(c.schedule.steps) +
                           ", but the recorded run did not crash\n"));
  CHECK(
      has(again.err, "weave: this run's schedule: " + weave::detail::encode_schedule(c.schedule)));
}

TEST_CASE("The handler that was there before gets the signal after the schedule is saved",
          "[checker][crash]") {
  Folder folder;
  const Child c = in_child(folder.path, [] {
    // A test framework's handler, say, that reports and returns: the process still dies of the
    // signal.
    struct sigaction sa {};
    sa.sa_handler = [](int) { say("weave-test: the previous handler ran\n"); };
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGABRT, &sa, nullptr);
    weave::Config config;
    config.name = "chained";
    config.seed = 5;
    (void)weave::check(oversell, config);
  });
  INFO(c.err);
  CHECK(c.died_of(SIGABRT));
  const auto saved = c.err.find("weave: replay this failure with:");
  const auto previous = c.err.find("weave-test: the previous handler ran");
  REQUIRE(saved != std::string::npos);
  REQUIRE(previous != std::string::npos);
  CHECK(saved < previous);
  CHECK(fs::exists(folder.path / "chained-5.schedule"));
}

TEST_CASE("A crash outside a checked execution is handed on without a schedule",
          "[checker][crash]") {
  Folder folder;
  const Child c = in_child(folder.path, [] {
    weave::Config config;
    config.name = "between";
    config.seed = 1;
    // Between two schedules: check() runs, but no execution does.
    config.on_schedule = [](std::string_view, bool) { std::abort(); };
    (void)weave::check([] {}, config);
  });
  INFO(c.err);
  CHECK(c.died_of(SIGABRT));
  CHECK_FALSE(has(c.err, "weave: crash"));
  CHECK(fs::is_empty(folder.path));
}

TEST_CASE("check() and replay() put back the signal handlers that were there before",
          "[checker][crash]") {
  struct sigaction mine {};
  mine.sa_handler = [](int) {};
  sigemptyset(&mine.sa_mask);
  struct sigaction before {};
  REQUIRE(::sigaction(SIGBUS, &mine, &before) == 0);
  struct sigaction during {};
  weave::Config config;
  config.iterations = 3;
  config.seed = 1;
  const weave::Result r = weave::check([&] { ::sigaction(SIGBUS, nullptr, &during); }, config);
  CHECK(r.ok());
  struct sigaction after {};
  ::sigaction(SIGBUS, &before, &after);
  CHECK((during.sa_flags & SA_SIGINFO) != 0);  // the crash handler
  CHECK(after.sa_handler == mine.sa_handler);
  CHECK((after.sa_flags & SA_SIGINFO) == 0);
}

TEST_CASE("The handler's token is the one encode_schedule writes", "[checker][crash]") {
  using weave::detail::Schedule;
  constexpr std::uint32_t kTimeout = 0x8000'0000u;
  std::vector<Schedule> cases;
  Schedule plain;
  plain.steps = 0;
  cases.push_back(plain);
  Schedule mixed;
  mixed.steps = 1234567;
  mixed.hash = 0x0123456789abcdefull;
  mixed.choices = {0, 0, 0, 1, kTimeout | 2, weave::detail::kDrawBit | 1, 1, 1, 0x3fff'ffffu, 0};
  mixed.spurious_wakeups = true;
  mixed.races_off = true;
  mixed.check = 12;
  cases.push_back(mixed);
  Schedule runs;  // a long repeat
  runs.steps = 2000;
  runs.hash = ~0ull;
  runs.choices.assign(5000, 3);
  runs.choices.push_back(kTimeout | 0);
  cases.push_back(runs);
  Schedule long_token;  // longer than the buffer below: cut short, its whole length counted
  long_token.steps = 700;
  for (std::uint32_t i = 0; i < 300; ++i) long_token.choices.push_back(i % 2);
  cases.push_back(long_token);
  for (Schedule s : cases) {
    s.crashed = true;
    const std::string expected = weave::detail::encode_schedule(s);
    const std::string flags = weave::detail::crash_token_flags(s);
    char buf[256];
    const std::size_t n =
        weave::detail::write_crash_token(buf, sizeof buf, s.steps, flags, s.hash, s.choices);
    INFO(expected);
    CHECK(n == expected.size());
    CHECK(std::string(buf, std::min(n, sizeof buf)) == expected.substr(0, sizeof buf));
    const Schedule back = weave::detail::parse_schedule(expected);
    CHECK(back.crashed);
    CHECK(back.choices == s.choices);
  }
  CHECK(weave::detail::crash_token_flags(mixed) == "SNC@12");
  CHECK_THROWS_AS(weave::detail::parse_schedule("weave1:5LC:00:0"), weave::ReplayError);
}
