#include "test_binary.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "cli.hpp"
#include "process.hpp"

namespace weave::tool {

namespace {

// Catch2 reads a test name on the command line as a test spec: ',' separates specs, '[' starts a
// tag and '\' escapes (the same escaping as Catch2's own CMake test discovery).
std::string catch2_exact(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == ',' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

// `--gtest_list_tests` prints "Suite." lines, then "  Test" lines (either may end with a
// "  # TypeParam = ..." comment).
std::vector<std::string> parse_gtest_listing(const std::string& text) {
  std::vector<std::string> out;
  std::string suite;
  for (std::string line : lines_of(text)) {
    if (const auto hash = line.find("  #"); hash != std::string::npos) line.resize(hash);
    if (line.empty()) continue;
    if (line[0] != ' ') {
      suite = line;
    } else {
      out.push_back(suite + line.substr(line.find_first_not_of(' ')));
    }
  }
  return out;
}

}  // namespace

TestBinary::TestBinary(std::string path, const std::string& scratch_dir,
                       std::chrono::milliseconds timeout)
    : path_(std::move(path)), scratch_(scratch_dir), timeout_(timeout) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    throw ToolError(fmt::format("{}: no such file", path_));
  }
  if (std::filesystem::is_directory(path_, ec) || ::access(path_.c_str(), X_OK) != 0) {
    throw ToolError(fmt::format("{}: not an executable file", path_));
  }
  // A bare name would be looked up nowhere: run it from here, as the user meant.
  if (path_.find('/') == std::string::npos) path_ = "./" + path_;
  const std::string help = run_listing({path_, "--help"});
  if (help.find("--gtest_list_tests") != std::string::npos) {
    framework_ = Framework::GoogleTest;
  } else if (help.find("--list-test-names-only") != std::string::npos) {
    framework_ = Framework::Catch2;
  } else {
    throw ToolError(
        fmt::format("{} is not a weave test binary: its --help mentions neither Catch2's "
                    "--list-test-names-only nor GoogleTest's --gtest_list_tests",
                    path_));
  }
}

std::string TestBinary::run_listing(std::vector<std::string> argv) const {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.output_path = scratch_ + "/listing.txt";
  spec.timeout = timeout_;
  const ProcessResult r = run_process(spec);
  if (r.timed_out || r.signal != 0) {
    throw ToolError(fmt::format("{} {}: {}", path_, spec.argv[1], r.describe(timeout_)));
  }
  return read_file(spec.output_path);
}

std::vector<std::string> TestBinary::list(const std::string& filter) const {
  if (framework_ == Framework::GoogleTest) {
    std::vector<std::string> argv{path_, "--gtest_list_tests"};
    if (!filter.empty()) argv.push_back("--gtest_filter=" + filter);
    return parse_gtest_listing(run_listing(argv));
  }
  // Catch2 exits with the number of tests it listed: not an error.
  std::vector<std::string> argv{path_};
  if (!filter.empty()) argv.push_back(filter);
  argv.push_back("--list-test-names-only");
  std::vector<std::string> out;
  for (const std::string& line : lines_of(run_listing(argv))) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::vector<std::string> TestBinary::command_for(const std::string& test) const {
  if (framework_ == Framework::GoogleTest) return {path_, "--gtest_filter=" + test};
  return {path_, catch2_exact(test)};
}

std::string pick_one_test(const TestBinary& binary, const std::string& filter,
                          const std::string& fallback) {
  const std::vector<std::string> all = binary.list(filter);
  if (filter.empty() && !fallback.empty() &&
      std::find(all.begin(), all.end(), fallback) != all.end()) {
    return fallback;
  }
  if (all.size() == 1) return all.front();
  if (all.empty()) {
    throw ToolError(filter.empty()
                        ? fmt::format("{} has no tests", binary.path())
                        : fmt::format("no test of {} matches '{}'", binary.path(), filter));
  }
  std::string names;
  for (std::size_t i = 0; i < all.size() && i < 10; ++i) names += "\n  " + all[i];
  if (all.size() > 10) names += fmt::format("\n  ... and {} more", all.size() - 10);
  throw ToolError(
      fmt::format("{} tests of {} match{}; name one (a FILTER that selects exactly one):{}",
                  all.size(), binary.path(), filter.empty() ? "" : " '" + filter + "'", names));
}

}  // namespace weave::tool
