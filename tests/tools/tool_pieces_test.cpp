// The pieces of the weave tool on their own: option parsing, the JSON reader, traces and their
// column table, the timeline's spans and arrows, JUnit escaping.
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli.hpp"
#include "json.hpp"
#include "junit.hpp"
#include "timeline.hpp"
#include "trace.hpp"
#include "xml_check.hpp"

using namespace weave::tool;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TraceStep step(std::uint64_t index, std::uint32_t thread, const std::string& op,
               const std::string& object, const std::string& note = "") {
  const char* names[] = {"MainThread", "left", "right"};
  return TraceStep{index,
                   thread,
                   names[thread],
                   op,
                   object,
                   "/src/pair.cpp",
                   10 + static_cast<std::uint32_t>(index),
                   note};
}

// MainThread takes and gives back a lock, `left` gets it after a wait; `right` waits on a
// Condition that MainThread notifies.
Trace sample() {
  Trace t;
  t.outcome = "bug";
  t.bug = TraceBug{"Deadlock", "Deadlock: stuck", "weave1:1:0:", "", 7, ""};
  t.steps = {
      step(1, 0, "acquire", "Lock l"),
      step(2, 1, "acquire", "Lock l"),
      step(3, 1, "acquire", "Lock l", "blocked"),
      step(4, 2, "acquire", "RLock c.lock"),
      step(5, 2, "wait", "Condition c", "blocked"),
      step(6, 0, "release", "Lock l"),
      step(7, 1, "acquire", "Lock l", "woken"),
      step(8, 0, "notify", "Condition c"),
      step(9, 2, "wait", "Condition c", "woken"),
  };
  return t;
}

}  // namespace

TEST_CASE("Options: values, flags, unknown options and bad values", "[tools][cli]") {
  const OptionSpec spec[] = {{"--jobs", true}, {"--fast", false}};
  const std::vector<std::string> args{"bin", "--jobs=3", "filter", "--fast", "--", "--literal"};
  const Args a = parse_args(args, spec, "run");
  CHECK(a.positional == std::vector<std::string>{"bin", "filter", "--literal"});
  CHECK(a.get("--jobs") == "3");
  CHECK(a.has("--fast"));
  CHECK_THROWS_WITH(parse_args(std::vector<std::string>{"--nope"}, spec, "run"),
                    Catch::Contains("run: unknown option '--nope'"));
  CHECK_THROWS_WITH(parse_args(std::vector<std::string>{"--fast=1"}, spec, "run"),
                    Catch::Contains("--fast takes no value"));
  CHECK(parse_count("--jobs", "12", 1, 256) == 12);
  for (const char* bad : {"", "0", "257", "1x", "-1"}) {
    CHECK_THROWS_AS(parse_count("--jobs", bad, 1, 256), ToolError);
  }
  CHECK(parse_duration("--t", "1.5s") == std::chrono::milliseconds(1500));
  CHECK(parse_duration("--t", "2m") == std::chrono::minutes(2));
  CHECK(parse_duration("--t", "250ms") == std::chrono::milliseconds(250));
  for (const char* bad : {"", "s", "-1s", "3 s", "4d"})
    CHECK_THROWS_AS(parse_duration("--t", bad), ToolError);
}

TEST_CASE("Shards: --shard i/n and how --jobs splits each part", "[tools][cli]") {
  const Shard s = parse_shard("1/3");
  CHECK(s.index == 1);
  CHECK(s.count == 3);
  for (const char* bad : {"3/3", "1/0", "1", "/2", "a/b", "1/2/3"}) {
    CHECK_THROWS_AS(parse_shard(bad), ToolError);
  }
  CHECK_FALSE(shard_for(std::nullopt, 1, 0));  // one process: the whole search
  CHECK(shard_for(std::nullopt, 4, 2) == "2/4");
  CHECK(shard_for(Shard{0, 1}, 2, 1) == "1/2");
  // Part 1 of 3, in two processes: parts 2 and 3 of 6, disjoint from every other shard's.
  CHECK(shard_for(s, 2, 0) == "2/6");
  CHECK(shard_for(s, 2, 1) == "3/6");
  CHECK(file_stem("transfers deadlock [bank]") == "transfers_deadlock_bank_");
}

TEST_CASE("The JSON reader is strict", "[tools][json]") {
  const Json j = Json::parse(R"({"a": [1, 2.5, -3e2], "s": "x\"\u00e9\n", "t": true, "n": null})");
  CHECK(j["a"].array().size() == 3);
  CHECK(j["a"].array()[2].number() == -300);
  CHECK(j["s"].str() == "x\"\xc3\xa9\n");
  CHECK(j["n"].is_null());
  CHECK(j["missing"].is_null());
  CHECK(j["s"].count(7) == 7);  // a string is no count
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "\"\x01\"", "tru", "{} x", "\"\\q\""}) {
    INFO(bad);
    CHECK_THROWS_AS(Json::parse(bad), JsonError);
  }
}

TEST_CASE("Traces: read back, one column per thread, the failing step marked", "[tools][trace]") {
  const Trace t = parse_trace(
      R"({"weave_trace": 1, "outcome": "bug", "bug": {"kind": "Deadlock", "message": "m",
          "schedule": "weave1:2:0:", "failing_step": 2, "involved": ""},
          "steps": [{"index": 1, "thread": 0, "thread_name": "MainThread", "operation": "start",
                     "object": "Thread w", "file": "/a/b.cpp", "line": 3, "note": ""},
                    {"index": 2, "thread": 1, "thread_name": "w", "operation": "acquire",
                     "object": "Lock x", "file": "/a/b.cpp", "line": 9, "note": "blocked"}]})",
      "t.json");
  REQUIRE(t.bug);
  CHECK(t.bug->failing_step == 2);
  const std::string table = format_columns(t, 0);
  INFO(table);
  CHECK(has(table, "step  MainThread"));
  CHECK(has(table, "| w"));
  CHECK(has(table, "1  start Thread w  b.cpp:3"));
  CHECK(has(table, ">>     2"));
  CHECK(has(table, "| acquire Lock x  b.cpp:9  blocked  <-- here"));
  // A capped column is cut, not wrapped: every row stays one line.
  const std::string narrow = format_columns(t, 12);
  CHECK(has(narrow, "acquire Loc~"));
  CHECK_THROWS_WITH(parse_trace("{}", "x.json"), Catch::Contains("x.json: not a weave trace"));
  CHECK_THROWS_WITH(parse_trace("nope", "x.json"), Catch::Contains("invalid JSON"));
}

TEST_CASE("The timeline: lock spans, release -> acquire and notify -> wait arrows",
          "[tools][timeline]") {
  const Trace t = sample();
  const Timeline tl = build_timeline(t);
  // Spans: MainThread held l over steps 1..6; left holds it from 7 on; right held c.lock until
  // its wait, and again once woken.
  auto span = [&](std::uint32_t thread, std::size_t from) -> const Timeline::Span* {
    for (const auto& s : tl.spans) {
      if (s.thread == thread && s.from == from) return &s;
    }
    return nullptr;
  };
  REQUIRE(span(0, 0));
  CHECK(span(0, 0)->to == 5);
  CHECK_FALSE(span(0, 0)->open);
  CHECK(span(1, 1) == nullptr);  // step 2 blocked: not an acquisition
  REQUIRE(span(1, 6));
  CHECK(span(1, 6)->open);
  REQUIRE(span(2, 3));
  CHECK(span(2, 3)->to == 4);
  REQUIRE(span(2, 8));
  CHECK(span(2, 8)->object == "RLock c.lock");
  // Arrows: release (6) -> woken acquire (7); notify (8) -> woken wait (9).
  auto arrow = [&](std::size_t from, std::size_t to) {
    for (const auto& a : tl.arrows) {
      if (a.from == from && a.to == to) return a.kind;
    }
    return std::string();
  };
  CHECK(arrow(5, 6) == "release");
  CHECK(arrow(7, 8) == "notify");
  CHECK(tl.arrows.size() == 2);
}

TEST_CASE("JUnit XML escapes reports so that a strict reader takes them", "[tools][junit]") {
  JUnitCase bug;
  bug.name = "a <tricky> & \"quoted\" test";
  bug.kind = JUnitCase::Kind::Failure;
  bug.type = "Deadlock";
  bug.message = "Deadlock: 'x' < y";
  bug.text = "report\n\x1b[31mcolour\x1b[0m & more\n";
  JUnitCase ok;
  ok.name = "fine";
  const std::string xml = junit_xml("suite", {bug, ok}, 1.5);
  const xml_check::Element doc = xml_check::parse(xml);
  const auto& cases = doc.children.at(0).children;
  REQUIRE(cases.size() == 2);
  CHECK(cases[0].attributes.at("name") == bug.name);
  CHECK(cases[0].children.at(0).attributes.at("message") == bug.message);
  CHECK(cases[0].children.at(0).text == "report\n?[31mcolour?[0m & more\n");
  CHECK(doc.children.at(0).attributes.at("failures") == "1");
  // The reader is strict: what it refuses, CI would too.
  for (const char* bad :
       {"<a>", "<a></b>", "<a x=1/>", "<a>&nope;</a>", "<a>1 < 2</a>", "<a/><b/>"}) {
    INFO(bad);
    CHECK_THROWS(xml_check::parse(bad));
  }
}
