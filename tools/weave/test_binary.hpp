#pragma once
// A user's test binary: a Catch2 (v2) or GoogleTest program. Lists its tests and says how to run
// exactly one of them.
#include <chrono>
#include <string>
#include <vector>

namespace weave::tool {

enum class Framework { Catch2, GoogleTest };

class TestBinary {
 public:
  // Checks that `path` is an executable test binary and finds out which framework it uses (from
  // its --help); a ToolError when it is neither.
  TestBinary(std::string path, const std::string& scratch_dir, std::chrono::milliseconds timeout);

  // The tests `filter` selects (every test when empty), in the binary's order: Catch2 test specs
  // ("name", "*wildcards*", "[tag]"), GoogleTest filters ("Suite.*").
  std::vector<std::string> list(const std::string& filter) const;
  // The command line that runs exactly `test`.
  std::vector<std::string> command_for(const std::string& test) const;

  const std::string& path() const { return path_; }
  Framework framework() const { return framework_; }

 private:
  std::string run_listing(std::vector<std::string> argv) const;

  std::string path_;
  std::string scratch_;
  std::chrono::milliseconds timeout_;
  Framework framework_ = Framework::Catch2;
};

// Exactly one test of the binary: `filter` must select one, or, with no filter, the binary must
// have one test or `fallback` (the test a schedule file names) must be one of its tests.
std::string pick_one_test(const TestBinary& binary, const std::string& filter,
                          const std::string& fallback);

}  // namespace weave::tool
