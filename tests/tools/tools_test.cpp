// The weave tool from the outside, as a user meets it: a Catch2 test binary of theirs (user_tests)
// with a deadlocking test and a clean one, and the real `weave` binary run as a subprocess.
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "process.hpp"
#include "trace.hpp"
#include "xml_check.hpp"

namespace fs = std::filesystem;
using weave::tool::ProcessSpec;
using weave::tool::TempDir;

namespace {

struct Outcome {
  int code = -1;
  std::string out;  // stdout and stderr
};

Outcome run(std::vector<std::string> argv, const TempDir& dir,
            std::vector<std::pair<std::string, std::string>> env = {}) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = std::move(env);
  spec.output_path = dir.file("output.txt");
  spec.timeout = std::chrono::minutes(4);
  const auto r = weave::tool::run_process(spec);
  INFO("command: " << spec.argv[0] << " " << (spec.argv.size() > 1 ? spec.argv[1] : ""));
  REQUIRE_FALSE(r.timed_out);
  return {r.signal != 0 ? -r.signal : r.exit_code, weave::tool::read_file(spec.output_path)};
}

Outcome weave_tool(std::vector<std::string> args, const TempDir& dir) {
  args.insert(args.begin(), WEAVE_TOOL);
  return run(std::move(args), dir);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// "user_code.hpp:N", N the line of user_code.hpp that holds `marker`.
std::string user_line(const std::string& marker) {
  std::ifstream in(USER_CODE_SOURCE);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (has(line, marker)) return "user_code.hpp:" + std::to_string(n);
  }
  FAIL("no line marked " << marker);
  return {};
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A saved schedule of the deadlocking test: the user runs it as usual, and it fails.
fs::path failing_schedule(const TempDir& dir) {
  const fs::path artifacts = dir.file("artifacts");
  const auto r = run({USER_TESTS, "transfers deadlock"}, dir,
                     {{"WEAVE_ARTIFACTS", artifacts.string()}, {"WEAVE_SEED", "7"}});
  CHECK(r.code != 0);
  CHECK(has(r.out, "Deadlock"));
  const auto files = files_in(artifacts, ".schedule");
  REQUIRE(files.size() == 1);
  CHECK(files[0].filename().string().rfind("transfers_deadlock-", 0) == 0);
  return files[0];
}

// The token on a schedule file's `schedule:` line.
std::string token_in(const fs::path& schedule_file) {
  std::istringstream lines(weave::tool::read_file(schedule_file.string()));
  std::string token;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("schedule: ", 0) == 0) token = line.substr(10);
  }
  return token;
}

std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    for (const char* name : {"chromium", "chromium-browser"}) {
      const fs::path p = fs::path(dirs.substr(start, end - start)) / name;
      if (fs::exists(p)) return p.string();
    }
    start = end + 1;
  }
  return {};
}

// Width and height from a PNG's IHDR chunk (0, 0 when it is no PNG).
std::pair<unsigned, unsigned> png_size(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {0, 0};
  auto be32 = [&](std::size_t at) {
    unsigned v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(png[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

}  // namespace

TEST_CASE(
    "A failing test saves a schedule; weave replay reproduces it with the user's locks and lines",
    "[tools][replay]") {
  TempDir dir;
  const fs::path schedule = failing_schedule(dir);
  const auto r = weave_tool({"replay", USER_TESTS, "--schedule", schedule.string()}, dir);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(has(r.out, "weave found a bug: Deadlock"));
  // One column per thread: the header names them all on one line.
  CHECK(has(r.out, "step  MainThread"));
  CHECK(has(r.out, "| deposit"));
  CHECK(has(r.out, "| audit"));
  CHECK(has(r.out, "Lock accounts"));
  CHECK(has(r.out, "Lock ledger"));
  CHECK(has(r.out, user_line("// [deposit: ledger]")));
  CHECK(has(r.out, user_line("// [audit: accounts]")));
  CHECK(has(r.out, ">>"));
  CHECK(has(r.out, "<-- here"));
  // The same from the token, with the test named.
  const std::string token = token_in(schedule);
  const auto by_token =
      weave_tool({"replay", USER_TESTS, "transfers deadlock", "--schedule", token}, dir);
  CHECK(by_token.code == 1);
  CHECK(has(by_token.out, user_line("// [audit: accounts]")));
}

TEST_CASE("Bad schedules and binaries that are not weave tests are clear errors",
          "[tools][replay]") {
  TempDir dir;
  const fs::path schedule = failing_schedule(dir);
  const std::string token = token_in(schedule);
  const std::string binary = dir.file("binary.schedule");
  std::ofstream(binary) << std::string(
      "\x7f"
      "ELF\x02\x01\x1b[2J\0\0",
      11);
  const std::string newer = dir.file("newer.schedule");
  std::ofstream(newer) << "weave-schedule 2\ntest: transfers deadlock\nschedule: weave2:1:0:0\n";
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"replay", USER_TESTS, "--schedule", "weave1:8:zz:0.1"}, "malformed schedule"},
      {{"replay", USER_TESTS, "--schedule", dir.file("missing.schedule")}, "cannot read schedule"},
      // (A token names no test: it runs on the one named, and the test says whether it fits.)
      {{"replay", USER_TESTS, "counting is safe", "--schedule", token}, "does not fit"},
      {{"replay", USER_TESTS, "plain arithmetic", "--schedule", token}, "ran no weave::check"},
      {{"replay", WEAVE_TOOL, "--schedule", schedule.string()}, "is not a weave test binary"},
      {{"replay", dir.file("no-such-binary"), "--schedule", schedule.string()}, "no such file"},
      {{"replay", USER_TESTS, "no test has this name", "--schedule", schedule.string()},
       "no test of"},
      {{"replay", USER_TESTS, "--schedule", "weave1:8:00:0.1"}, "8 tests of"},
      // Files that are no schedule: refused with their path, never read on and on or echoed.
      {{"replay", USER_TESTS, "--schedule", "/dev/zero"}, "/dev/zero is not a regular file"},
      {{"replay", USER_TESTS, "--schedule", dir.path()}, dir.path() + " is a directory"},
      {{"replay", USER_TESTS, "--schedule", binary}, binary + " holds binary data"},
      {{"shrink", USER_TESTS, "--schedule", newer}, "was saved by a newer weave"},
      {{"run", USER_TESTS, "--iterations", "-5"}, "--iterations -5: expected a whole number"},
      {{"run", USER_TESTS, "--seed", "99999999999999999999"}, "--seed 99999999999999999999"},
      {{"replay", USER_TESTS}, "--schedule FILE|TOKEN is required"},
      {{"shrink", USER_TESTS, "--schedule", "weave1:1:0:q"}, "malformed schedule"},
      {{"explain", dir.file("missing.json")}, "no such file"},
      {{"explain", schedule.string()}, "not a weave trace"},
      {{"run", USER_TESTS, "--jobs", "0"}, "--jobs 0"},
      {{"run", USER_TESTS, "--shard", "2/2"}, "--shard 2/2"},
      {{"run", USER_TESTS, "--time-budget", "soon"}, "--time-budget soon"},
      {{"run", USER_TESTS, "--strategy", "bfs"}, "--strategy bfs"},
      {{"run", USER_TESTS, "--bogus"}, "unknown option '--bogus'"},
      {{"run", USER_TESTS, "--jobs"}, "--jobs needs a value"},
      {{"run"}, "expected BINARY"},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
  };
  for (const Case& c : cases) {
    const auto r = weave_tool(c.args, dir);
    INFO(c.args[0] << " ... -> " << r.out);
    CHECK(r.code == 2);
    CHECK(has(r.out, c.says));
    CHECK(r.out.rfind("weave: ", 0) == 0);  // one error line, not a crash
    CHECK(r.out.find('\x1b') == std::string::npos);
  }
}

TEST_CASE("Every subcommand has --help", "[tools]") {
  TempDir dir;
  for (const char* command : {"run", "replay", "explain", "shrink"}) {
    const auto r = weave_tool({command, "--help"}, dir);
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(has(r.out, std::string("usage: weave ") + command));
    CHECK(has(r.out, "exit status"));
  }
  CHECK(weave_tool({"--help"}, dir).code == 0);
  CHECK(weave_tool({}, dir).code == 2);
}

TEST_CASE("WEAVE_TRACE_OUT writes JSON that weave explain draws as text and HTML",
          "[tools][explain]") {
  TempDir dir;
  const std::string json = dir.file("trace.json");
  const auto failed = run({USER_TESTS, "transfers deadlock"}, dir,
                          {{"WEAVE_TRACE_OUT", json}, {"WEAVE_ARTIFACTS", dir.file("a")}});
  CHECK(failed.code != 0);
  const weave::tool::Trace t = weave::tool::read_trace(json);
  REQUIRE(t.bug);
  CHECK(t.bug->kind == "Deadlock");
  CHECK(t.threads().size() == 3);

  const auto text = weave_tool({"explain", json}, dir);
  CHECK(text.code == 1);
  CHECK(has(text.out, "Lock ledger"));
  CHECK(has(text.out, user_line("// [deposit: ledger]")));

  const std::string html = dir.file("timeline.html");
  const auto drawn = weave_tool({"explain", json, "--html", html}, dir);
  CHECK(drawn.code == 1);
  const std::string page = weave::tool::read_file(html);
  CHECK(has(page, "<svg"));
  CHECK(has(page, "Lock accounts held"));     // an ownership span's hover text
  CHECK(has(page, "acquire Lock ledger\n"));  // a step's hover text: operation, object...
  CHECK(has(page, "user_code.hpp:"));         // ...and source line
  CHECK(has(page, "the failing step"));
  CHECK(has(page, "class=\"lane-name\""));
  CHECK(has(page, ">audit</text>"));
  // Self-contained: nothing to fetch (the only URL is the SVG namespace, which is a name).
  CHECK_FALSE(has(page, "src="));
  CHECK_FALSE(has(page, "<link"));
  CHECK_FALSE(has(page, "href=\"http"));
  CHECK_FALSE(has(page, "url(http"));

  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    WARN(
        "SKIPPED: chromium is not installed, so the HTML timeline was not rendered in a browser "
        "(apt-get install chromium; CI installs it)");
    return;
  }
  // A screenshot of the page, and of an empty page the same size: the timeline draws far more.
  std::ofstream(dir.file("blank.html")) << "<!DOCTYPE html><html><body></body></html>\n";
  auto shoot = [&](const std::string& page_path, const std::string& png) {
    const auto r = run({chromium, "--headless", "--disable-gpu", "--no-sandbox",
                        "--user-data-dir=" + dir.file("chromium-profile"), "--screenshot=" + png,
                        "--window-size=1200,800", "file://" + page_path},
                       dir);
    INFO(r.out);
    REQUIRE(fs::exists(png));
    return weave::tool::read_file(png);
  };
  const std::string shot = shoot(html, dir.file("timeline.png"));
  const std::string blank = shoot(dir.file("blank.html"), dir.file("blank.png"));
  CHECK(png_size(shot) == std::pair<unsigned, unsigned>(1200, 800));
  CHECK(shot.size() > 4 * blank.size());
}

TEST_CASE("weave run --jobs 2 --junit fails on the deadlock and writes parseable JUnit",
          "[tools][run]") {
  TempDir dir;
  const std::string xml = dir.file("junit.xml");
  const std::string artifacts = dir.file("failures");
  const auto r = weave_tool({"run", USER_TESTS, "[bank]", "--jobs", "2", "--junit", xml,
                             "--artifacts", artifacts, "--iterations", "300", "--seed", "7"},
                            dir);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(has(r.out, "2 tests of"));
  CHECK(has(r.out, "Deadlock"));
  CHECK(has(r.out, "counting is safe"));
  CHECK(has(r.out, "1 passed, 1 failed (1 bug)"));
  // The failing test's schedule (in the folder of the part of the search that found it), output
  // and trace are gathered.
  const auto schedules = files_in(artifacts, ".schedule");
  REQUIRE(schedules.size() >= 1);
  CHECK(schedules[0].parent_path().filename().string().rfind("shard-", 0) == 0);
  // The summary names one of them (whichever part failed first).
  const auto named = std::count_if(schedules.begin(), schedules.end(), [&](const fs::path& p) {
    return has(r.out, "schedule: " + p.string() + "\n");
  });
  CHECK(named == 1);
  CHECK(fs::exists(fs::path(artifacts) / "transfers_deadlock.log"));
  CHECK(fs::exists(fs::path(artifacts) / "transfers_deadlock.trace.json"));

  const xml_check::Element doc = xml_check::parse(weave::tool::read_file(xml));
  REQUIRE(doc.name == "testsuites");
  REQUIRE(doc.children.size() == 1);
  const xml_check::Element& suite = doc.children[0];
  CHECK(suite.name == "testsuite");
  CHECK(suite.attributes.at("tests") == "2");
  CHECK(suite.attributes.at("failures") == "1");
  std::map<std::string, const xml_check::Element*> cases;
  for (const auto& c : suite.children) cases[c.attributes.at("name")] = &c;
  REQUIRE(cases.count("transfers deadlock") == 1);
  REQUIRE(cases.count("counting is safe") == 1);
  CHECK(cases["counting is safe"]->children.empty());
  REQUIRE(cases["transfers deadlock"]->children.size() == 1);
  const xml_check::Element& failure = cases["transfers deadlock"]->children[0];
  CHECK(failure.name == "failure");
  CHECK(failure.attributes.at("type") == "Deadlock");
  CHECK(has(failure.attributes.at("message"), "Lock ledger held by audit"));
  CHECK(has(failure.text, "weave found a bug: Deadlock"));  // the report
  CHECK(has(failure.text, user_line("// [audit: accounts]")));

  // A clean test alone: exit 0.
  const auto clean = weave_tool({"run", USER_TESTS, "counting is safe", "--jobs", "2",
                                 "--artifacts", artifacts, "--iterations", "50"},
                                dir);
  INFO(clean.out);
  CHECK(clean.code == 0);
  CHECK(has(clean.out, "1 passed, 0 failed"));
  // Without --artifacts, WEAVE_ARTIFACTS says where failures go, as for a test run directly.
  const std::string from_env = dir.file("from-env");
  const auto env_run = run({WEAVE_TOOL, "run", USER_TESTS, "transfers deadlock", "--seed", "7"},
                           dir, {{"WEAVE_ARTIFACTS", from_env}});
  CHECK(env_run.code == 1);
  CHECK(files_in(from_env, ".schedule").size() == 1);
  CHECK(fs::exists(fs::path(from_env) / "transfers_deadlock.log"));
  // Every strategy check() knows, the tool takes.
  for (const char* strategy : {"random", "pct", "pos", "dfs", "dpor"}) {
    const auto by = weave_tool({"run", USER_TESTS, "counting is safe", "--strategy", strategy,
                                "--iterations", "20", "--artifacts", artifacts},
                               dir);
    INFO(strategy << ": " << by.out);
    CHECK(by.code == 0);
  }
  // A test that never calls weave::check passes, and the table says so.
  const auto plain =
      weave_tool({"run", USER_TESTS, "plain arithmetic", "--artifacts", artifacts}, dir);
  CHECK(plain.code == 0);
  CHECK(has(plain.out, "ok (no weave::check)"));
}

TEST_CASE("weave shrink saves a schedule with no more preemptions that still deadlocks",
          "[tools][shrink]") {
  TempDir dir;
  const fs::path schedule = failing_schedule(dir);
  const std::string out = dir.file("small.schedule");
  const auto r =
      weave_tool({"shrink", USER_TESTS, "--schedule", schedule.string(), "--out", out}, dir);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(has(r.out, "before: "));
  CHECK(has(r.out, "after:  1 preemption,"));  // one preemption is all this deadlock needs
  CHECK(has(r.out, "Lock ledger"));
  const std::string saved = weave::tool::read_file(out);
  CHECK(has(saved, "test: transfers deadlock"));
  CHECK(has(saved, "bug: Deadlock"));
  CHECK(has(saved, "preemptions: 1\n"));
  const auto again = weave_tool({"replay", USER_TESTS, "--schedule", out}, dir);
  CHECK(again.code == 1);
  CHECK(has(again.out, "weave found a bug: Deadlock"));
}

TEST_CASE("A schedule file runs only on the test that saved it, and shrink keeps to its own files",
          "[tools][replay][shrink]") {
  TempDir dir;
  const fs::path schedule = failing_schedule(dir);  // saved by "transfers deadlock"
  const fs::path own_shrunk = fs::path(schedule).replace_extension(".shrunk.schedule");
  const fs::path other_shrunk = schedule.parent_path() / "audit_deadlock.shrunk.schedule";
  for (const char* command : {"replay", "shrink"}) {
    const auto r = weave_tool({command, USER_TESTS, "audit deadlock", "--schedule", schedule}, dir);
    INFO(r.out);
    CHECK(r.code == 2);
    CHECK(has(r.out,
              "was saved by test 'transfers deadlock', but this would run it on 'audit "
              "deadlock'"));
    CHECK(has(r.out, std::string("Run `weave ") + command + " " + USER_TESTS + " --schedule "));
    CHECK(has(r.out, "--any-test"));
  }
  // Before: shrink ran the other test and saved its result as this test's shrunk schedule.
  CHECK_FALSE(fs::exists(own_shrunk));

  // On purpose (a renamed test, say): the other test runs it, and its shrunk schedule is its own.
  const auto replayed = weave_tool(
      {"replay", USER_TESTS, "audit deadlock", "--schedule", schedule, "--any-test"}, dir);
  INFO(replayed.out);
  CHECK(replayed.code == 1);
  CHECK(has(replayed.out, "weave replay: audit deadlock"));
  const auto shrunk = weave_tool(
      {"shrink", USER_TESTS, "audit deadlock", "--schedule", schedule, "--any-test"}, dir);
  INFO(shrunk.out);
  CHECK(shrunk.code == 1);
  CHECK(has(shrunk.out, "saved to " + other_shrunk.string()));
  CHECK(has(weave::tool::read_file(other_shrunk), "test: audit deadlock\n"));
  CHECK_FALSE(fs::exists(own_shrunk));

  // --out replaces a schedule file of the same test, nothing else.
  const std::string notes = dir.file("notes.txt");
  std::ofstream(notes) << "keep me\n";
  for (const std::string& out : {notes, other_shrunk.string()}) {
    const auto r = weave_tool({"shrink", USER_TESTS, "--schedule", schedule, "--out", out}, dir);
    INFO(r.out);
    CHECK(r.code == 2);
    CHECK(has(r.out, "weave shrink does not replace"));
  }
  CHECK(weave::tool::read_file(notes) == "keep me\n");
  CHECK(has(weave::tool::read_file(other_shrunk), "test: audit deadlock\n"));
  for (int twice = 0; twice < 2; ++twice) {
    const auto r = weave_tool({"shrink", USER_TESTS, "--schedule", schedule}, dir);
    INFO(r.out);
    CHECK(r.code == 1);
    CHECK(has(weave::tool::read_file(own_shrunk), "test: transfers deadlock\n"));
  }
}

TEST_CASE("weave replay shows when the replayed run differs from the recorded one",
          "[tools][replay]") {
  TempDir dir;
  std::string token = token_in(failing_schedule(dir));
  // The same choices with another trace hash: the recorded run was another one.
  const auto colon = token.find(':', 7);
  token.replace(colon + 1, 16, std::string(16, '0'));
  const auto r = weave_tool({"replay", USER_TESTS, "transfers deadlock", "--schedule", token}, dir);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(has(r.out, "weave found a bug: Deadlock"));
  CHECK(has(r.out, "Warning: the replayed run differs from the recorded one"));
}

TEST_CASE("weave run reports a test that misbehaves as failed, and goes on", "[tools][run]") {
  TempDir dir;
  const std::string xml = dir.file("junit.xml");
  const auto r = weave_tool({"run", USER_TESTS, "[trust]", "--iterations", "50", "--seed", "7",
                             "--artifacts", dir.file("failures"), "--junit", xml},
                            dir);
  INFO(r.out);
  CHECK(r.code == 1);
  // Before: counted as "ok (no weave::check)".
  CHECK(has(r.out, "FAILED   exits inside check"));
  CHECK(has(r.out,
            "weave::check() started but never finished: the process ended inside it "
            "(exit status 0)"));
  // Before: the whole run ended here, with no summary and no JUnit.
  CHECK(has(r.out, "FAILED   spoils its trace"));
  CHECK(has(r.out, "its trace (WEAVE_TRACE_OUT): not a weave trace (invalid JSON"));
  // Before: the line was skipped, and the test passed.
  CHECK(has(r.out, "FAILED   spoils its stats"));
  CHECK(has(r.out, "line 3 of its WEAVE_STATS_OUT file is not a weave stats line"));
  CHECK(has(r.out, "Deadlock audit deadlock"));
  CHECK(has(r.out, "4 tests: 0 passed, 4 failed (1 bug)"));
  const xml_check::Element doc = xml_check::parse(weave::tool::read_file(xml));
  REQUIRE(doc.children.size() == 1);
  CHECK(doc.children[0].attributes.at("tests") == "4");
  CHECK(doc.children[0].attributes.at("failures") == "4");
}

TEST_CASE("GoogleTest binaries: weave run and weave replay", "[tools][gtest]") {
#ifndef USER_GTEST
  WARN(
      "SKIPPED: GoogleTest is not installed (apt-get install libgtest-dev), so no GoogleTest "
      "binary was built to run the tool on");
#else
  TempDir dir;
  const std::string artifacts = dir.file("failures");
  const auto r = weave_tool(
      {"run", USER_GTEST, "Bank.*", "--jobs", "2", "--artifacts", artifacts, "--seed", "7"}, dir);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(has(r.out, "2 tests of"));
  CHECK(has(r.out, "Deadlock Bank.TransfersDeadlock"));
  CHECK(has(r.out, "ok       Bank.CountingIsSafe"));
  const auto schedules = files_in(artifacts, ".schedule");
  REQUIRE(schedules.size() >= 1);
  // The schedule file names the test (Suite.Name), as it does for Catch2.
  CHECK(schedules[0].filename().string().rfind("Bank_TransfersDeadlock-", 0) == 0);
  const auto replayed =
      weave_tool({"replay", USER_GTEST, "--schedule", schedules[0].string()}, dir);
  INFO(replayed.out);
  CHECK(replayed.code == 1);
  CHECK(has(replayed.out, "weave replay: Bank.TransfersDeadlock"));
  CHECK(has(replayed.out, user_line("// [audit: accounts]")));
#endif
}

namespace {

// The command a failing test prints to replay its failure: under Catch2 on a line of its own
// (Catch2 wraps the report at its console width), else under the report's "Replay it:".
std::string replay_command_in(const std::string& output) {
  const std::string whole = "weave: replay this failure with:\n";
  auto at = output.find(whole);
  std::size_t start = at + whole.size();
  if (at == std::string::npos) {
    at = output.find("Replay it:\n");
    if (at == std::string::npos) return {};
    start = at + 11;
  }
  while (start < output.size() && output[start] == ' ') ++start;
  return output.substr(start, output.find('\n', start) - start);
}

// Runs the printed replay command in a shell, as a user pastes it, with WEAVE_TRACE_OUT set:
// the trace file appears only when a check() call replayed the schedule.
Outcome run_printed_command(const std::string& command, const TempDir& dir,
                            const std::string& trace) {
  return run({"/bin/sh", "-c", command}, dir, {{"WEAVE_TRACE_OUT", trace}});
}

}  // namespace

TEST_CASE("A schedule belongs to its check() call: the printed command replays the second one",
          "[tools][replay]") {
  TempDir dir;
  const std::string artifacts = dir.file("artifacts");
  const auto found = run({USER_TESTS, "count\\, then transfer"}, dir,
                         {{"WEAVE_ARTIFACTS", artifacts}, {"WEAVE_SEED", "7"}});
  INFO(found.out);
  CHECK(found.code != 0);
  CHECK(has(found.out, "weave found a bug: Deadlock"));
  const auto files = files_in(artifacts, ".schedule");
  REQUIRE(files.size() == 1);  // the first call found nothing and saved nothing
  CHECK(files[0].filename().string().rfind("count_then_transfer-check2-", 0) == 0);
  CHECK(has(weave::tool::read_file(files[0]), "@2:"));
  // Catch2 wraps long lines of the report (this binary's path may be long): the command also
  // comes whole on a line of its own.
  CHECK(has(found.out, "weave: replay this failure with:\n"));
  const std::string command = replay_command_in(found.out);
  INFO("command: " << command);
  CHECK(has(command, "WEAVE_REPLAY=" + files[0].string()));
  CHECK(has(command, "'count\\, then transfer'"));  // the test spec that names just this test

  const std::string trace = dir.file("trace.json");
  const auto replayed = run_printed_command(command, dir, trace);
  INFO(replayed.out);
  CHECK(replayed.code != 0);
  CHECK(has(replayed.out, "weave found a bug: Deadlock"));
  CHECK(has(replayed.out, "test cases: 1 |"));  // Catch2 ran this test alone
  CHECK(has(weave::tool::read_file(trace), "\"kind\": \"Deadlock\""));

  const auto tool = weave_tool({"replay", USER_TESTS, "--schedule", files[0].string()}, dir);
  INFO(tool.out);
  CHECK(tool.code == 1);
  CHECK(has(tool.out, "weave replay: count, then transfer"));
  CHECK(has(tool.out, user_line("// [audit: accounts]")));

  // A schedule of a call the test never makes is an error, not a silent pass.
  std::string token = token_in(files[0]);
  REQUIRE(has(token, "@2:"));
  token.replace(token.find("@2:"), 3, "@3:");
  const auto missing =
      weave_tool({"replay", USER_TESTS, "count\\, then transfer", "--schedule", token}, dir);
  INFO(missing.out);
  CHECK(missing.code == 2);
  CHECK(has(missing.out, "belongs to check() call 3 of its test"));
  CHECK(has(missing.out, "made only 2 check() calls"));
}

namespace {

// "at step N", N the step count of a crash schedule's token (weave1:<N>C:...).
std::string crash_step(const std::string& token) {
  REQUIRE(token.rfind("weave1:", 0) == 0);
  const std::size_t c = token.find('C');
  REQUIRE(c != std::string::npos);
  return "at step " + token.substr(7, c - 7);
}

}  // namespace

TEST_CASE("A crash in checked code leaves its schedule; weave replay crashes at the same step",
          "[tools][replay][crash]") {
  TempDir dir;
  const std::string artifacts = dir.file("artifacts");
  const auto r = run({USER_CRASHES, "reader meets a null pointer"}, dir,
                     {{"WEAVE_ARTIFACTS", artifacts}, {"WEAVE_SEED", "3"}});
  INFO(r.out);
  CHECK(r.code != 0);
#if !defined(__SANITIZE_ADDRESS__)
  CHECK(r.code == -SIGSEGV);  // died of the signal (a sanitizer's handler may end it otherwise)
#endif
  const auto files = files_in(artifacts, ".schedule");
  REQUIRE(files.size() == 1);
  CHECK(files[0].filename().string() == "reader_meets_a_null_pointer-3.schedule");
  const std::string token = token_in(files[0]);
  const std::string step = crash_step(token);
  CHECK(has(r.out, "weave: crash: SIGSEGV (segmentation fault) in thread reader " + step + "\n"));
  CHECK(has(r.out, "weave: the schedule that crashed is saved in " + files[0].string() + "\n"));
  // weave's report comes first, then Catch2's (the handler that was installed before weave's).
  const auto weave_at = r.out.find("weave: replay this failure with:");
  const auto catch_at = r.out.find("SIGSEGV - Segmentation violation signal");
  REQUIRE(weave_at != std::string::npos);
  REQUIRE(catch_at != std::string::npos);
  CHECK(weave_at < catch_at);

  // The printed command, pasted into a shell, crashes at the same step and says so.
  const std::string command = replay_command_in(r.out);
  INFO("command: " << command);
  CHECK(has(command, "WEAVE_REPLAY=" + files[0].string() + " "));
  CHECK(has(command, "'reader meets a null pointer'"));
  const auto pasted = run_printed_command(command, dir, dir.file("pasted.json"));
  INFO(pasted.out);
  CHECK(pasted.code != 0);
  CHECK(has(pasted.out, "weave: replay crashed " + step + ", as recorded\n"));

  // weave replay: the same, from the schedule file alone; its crash record explains itself.
  const std::string record = dir.file("crash.json");
  const auto replayed = weave_tool(
      {"replay", USER_CRASHES, "--schedule", files[0].string(), "--trace-out", record}, dir);
  INFO(replayed.out);
  CHECK(replayed.code == 1);
  CHECK(has(replayed.out, "weave replay: reader meets a null pointer, schedule " + token + "\n"));
  CHECK(has(replayed.out,
            "weave found a crash: SIGSEGV\n  SIGSEGV (segmentation fault) in "
            "thread reader " +
                step + "\n  replay crashed " + step + ", as recorded\n"));
  CHECK(has(replayed.out, "the test process: "));
  const auto explained = weave_tool({"explain", record}, dir);
  CHECK(explained.code == 1);
  CHECK(has(explained.out, "weave found a crash: SIGSEGV"));

  // The program, fixed: the replay gets past the step where the recorded run crashed, so the
  // schedule no longer fits.
  const auto fixed = run({WEAVE_TOOL, "replay", USER_CRASHES, "--schedule", files[0].string()}, dir,
                         {{"USER_CRASHES_FIXED", "1"}});
  INFO(fixed.out);
  CHECK(fixed.code == 2);
  CHECK(has(fixed.out, "the recorded run crashed " + step + ", but the replay ran "));
  CHECK(has(fixed.out, " steps without crashing"));
  // Nor does shrinking a crash (each try that crashed would end the process).
  const auto shrunk = weave_tool({"shrink", USER_CRASHES, "--schedule", files[0].string()}, dir);
  CHECK(shrunk.code == 2);
  CHECK(has(shrunk.out, "this schedule ended in a crash"));
}

TEST_CASE("weave run shows each crash with its schedule and replay command, in JUnit too",
          "[tools][run][crash]") {
  TempDir dir;
  const std::string xml = dir.file("junit.xml");
  const std::string artifacts = dir.file("failures");
  const auto r = weave_tool(
      {"run", USER_CRASHES, "--seed", "3", "--junit", xml, "--artifacts", artifacts}, dir);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(has(r.out, "CRASHED  reader meets a null pointer"));
  CHECK(has(r.out, "CRASHED  sellers oversell"));
  CHECK(has(r.out, "2 tests: 0 passed, 2 failed (0 bugs)"));
  CHECK_FALSE(has(r.out, "(0 schedules"));  // the crash record counts the schedules that ran
  CHECK(has(r.out, "SIGSEGV (segmentation fault) in thread reader at step "));
  CHECK(has(r.out,
            "SIGABRT (abort: abort(), a failed assert() or std::terminate) in thread "
            "seller-"));
  const auto schedules = files_in(artifacts, ".schedule");
  REQUIRE(schedules.size() == 2);
  for (const fs::path& p : schedules) {
    CHECK(has(r.out, "schedule: " + p.string() + "\n"));
    CHECK(has(r.out, "replay: WEAVE_REPLAY=" + p.string() + " "));
  }

  const xml_check::Element doc = xml_check::parse(weave::tool::read_file(xml));
  REQUIRE(doc.children.size() == 1);
  const xml_check::Element& suite = doc.children[0];
  CHECK(suite.attributes.at("errors") == "2");
  for (const auto& c : suite.children) {
    INFO(c.attributes.at("name"));
    REQUIRE(c.children.size() == 1);
    const xml_check::Element& error = c.children[0];
    CHECK(error.name == "error");
    CHECK(error.attributes.at("type") == "Crash");
    CHECK(has(error.attributes.at("message"), " in thread "));
    CHECK(has(error.text, "\nschedule: " + artifacts + "/"));
    CHECK(has(error.text, "\nreplay: WEAVE_REPLAY=" + artifacts + "/"));
  }

  // The sellers' abort replays from the schedule weave run kept.
  const fs::path sellers = fs::path(artifacts) / "sellers_oversell-3.schedule";
  REQUIRE(fs::exists(sellers));
  const auto replayed = weave_tool({"replay", USER_CRASHES, "--schedule", sellers.string()}, dir);
  INFO(replayed.out);
  CHECK(replayed.code == 1);
  CHECK(has(replayed.out, "weave found a crash: SIGABRT\n"));
  CHECK(has(replayed.out, "replay crashed " + crash_step(token_in(sellers)) + ", as recorded\n"));
}

TEST_CASE("GoogleTest: a direct check() call's replay command selects the test with --gtest_filter",
          "[tools][gtest]") {
#ifndef USER_GTEST
  WARN("SKIPPED: GoogleTest is not installed (apt-get install libgtest-dev)");
#else
  TempDir dir;
  const std::string artifacts = dir.file("artifacts");
  const auto found = run({USER_GTEST, "--gtest_filter=Twice.CountThenTransfer"}, dir,
                         {{"WEAVE_ARTIFACTS", artifacts}, {"WEAVE_SEED", "7"}});
  INFO(found.out);
  CHECK(found.code != 0);
  const std::string command = replay_command_in(found.out);
  INFO("command: " << command);
  CHECK(has(command, " --gtest_filter=Twice.CountThenTransfer"));
  const auto files = files_in(artifacts, ".schedule");
  REQUIRE(files.size() == 1);
  CHECK(files[0].filename().string().rfind("Twice_CountThenTransfer-check2-", 0) == 0);

  const std::string trace = dir.file("trace.json");
  const auto replayed = run_printed_command(command, dir, trace);
  INFO(replayed.out);
  CHECK(replayed.code != 0);
  CHECK(has(replayed.out, "weave found a bug: Deadlock"));
  CHECK(has(replayed.out, "[==========] 1 test from 1 test suite ran."));
  CHECK(has(weave::tool::read_file(trace), "\"kind\": \"Deadlock\""));
#endif
}
