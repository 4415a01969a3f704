#include "junit.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace weave::tool {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else if (c == '\'') {
      out += "&apos;";
    } else if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

std::string junit_xml(const std::string& suite, const std::vector<JUnitCase>& cases,
                      double seconds) {
  const auto count = [&](JUnitCase::Kind k) {
    return std::count_if(cases.begin(), cases.end(),
                         [&](const JUnitCase& c) { return c.kind == k; });
  };
  const std::string counts =
      fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\"", cases.size(),
                  count(JUnitCase::Kind::Failure), count(JUnitCase::Kind::Error), seconds);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"weave\" {}>\n", counts);
  out += fmt::format("  <testsuite name=\"{}\" {} skipped=\"0\">\n", xml_escape(suite), counts);
  for (const JUnitCase& c : cases) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"",
                       xml_escape(suite), xml_escape(c.name), c.seconds);
    if (c.kind == JUnitCase::Kind::Passed) {
      out += "/>\n";
      continue;
    }
    const char* tag = c.kind == JUnitCase::Kind::Failure ? "failure" : "error";
    out += fmt::format(">\n      <{} message=\"{}\" type=\"{}\">{}</{}>\n    </testcase>\n", tag,
                       xml_escape(c.message), xml_escape(c.type), xml_escape(c.text), tag);
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace weave::tool
