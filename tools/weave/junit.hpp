#pragma once
// JUnit XML, as CI systems read it: one <testsuite> with a <testcase> per test; a bug or a failed
// test is a <failure> (its type the bug kind, its text the report), a crash or a time-out an
// <error>.
#include <string>
#include <vector>

namespace weave::tool {

struct JUnitCase {
  std::string name;
  double seconds = 0;
  enum class Kind { Passed, Failure, Error } kind = Kind::Passed;
  std::string type;     // "Deadlock", "TestFailure", "Timeout", "Crash"
  std::string message;  // one line
  std::string text;     // the report, the test's output
};

std::string junit_xml(const std::string& suite, const std::vector<JUnitCase>& cases,
                      double seconds);

// `s` as XML character data or attribute text: markup escaped, and the control characters XML
// cannot hold (all below 0x20 but tab, newline and carriage return) replaced by '?'.
std::string xml_escape(const std::string& s);

}  // namespace weave::tool
