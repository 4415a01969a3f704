#pragma once
// A strict little XML reader for the tests: elements, attributes, text and the five predefined
// entities (and numeric ones). Anything a conforming parser would refuse in the JUnit the tool
// writes (an unescaped '<' or '&', an unclosed or mismatched tag, an unquoted attribute, a control
// character) throws, so a test can tell that CI systems will read the file.
#include <cctype>
#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xml_check {

struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<Element> children;
  std::string text;  // the character data directly inside, entities decoded
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Element document() {
    skip_space();
    if (s_.substr(i_, 5) == "<?xml") {
      const auto end = s_.find("?>", i_);
      if (end == std::string_view::npos) fail("unterminated XML declaration");
      i_ = end + 2;
    }
    skip_space();
    Element root = element();
    skip_space();
    if (i_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(what + " at byte " + std::to_string(i_));
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
      ++i_;
  }
  std::string name() {
    const std::size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' ||
                              s_[i_] == '-' || s_[i_] == ':' || s_[i_] == '.')) {
      ++i_;
    }
    if (i_ == start) fail("expected a name");
    return std::string(s_.substr(start, i_ - start));
  }
  // Character data up to `stop`, entities decoded.
  std::string chars(char stop) {
    std::string out;
    while (i_ < s_.size() && s_[i_] != stop) {
      const char c = s_[i_];
      if (c == '<') fail("'<' in character data");
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        fail("a control character");
      }
      if (c != '&') {
        out += c;
        ++i_;
        continue;
      }
      const auto semi = s_.find(';', i_);
      if (semi == std::string_view::npos) fail("an unterminated entity");
      const std::string_view e = s_.substr(i_ + 1, semi - i_ - 1);
      if (e == "amp") {
        out += '&';
      } else if (e == "lt") {
        out += '<';
      } else if (e == "gt") {
        out += '>';
      } else if (e == "quot") {
        out += '"';
      } else if (e == "apos") {
        out += '\'';
      } else if (e.size() > 1 && e[0] == '#') {
        out += static_cast<char>(
            std::stoi(std::string(e.substr(e[1] == 'x' ? 2 : 1)), nullptr, e[1] == 'x' ? 16 : 10));
      } else {
        fail("an unknown entity &" + std::string(e) + ";");
      }
      i_ = semi + 1;
    }
    return out;
  }
  Element element() {
    if (i_ >= s_.size() || s_[i_] != '<') fail("expected '<'");
    ++i_;
    Element e;
    e.name = name();
    for (;;) {
      skip_space();
      if (i_ >= s_.size()) fail("an unterminated tag");
      if (s_.substr(i_, 2) == "/>") {
        i_ += 2;
        return e;
      }
      if (s_[i_] == '>') {
        ++i_;
        break;
      }
      const std::string key = name();
      skip_space();
      if (i_ >= s_.size() || s_[i_] != '=') fail("expected '=' after " + key);
      ++i_;
      skip_space();
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) fail("an unquoted attribute");
      const char quote = s_[i_++];
      if (e.attributes.count(key) != 0) fail("a repeated attribute " + key);
      e.attributes[key] = chars(quote);
      if (i_ >= s_.size()) fail("an unterminated attribute");
      ++i_;
    }
    for (;;) {
      e.text += chars('<');
      if (i_ >= s_.size()) fail("element " + e.name + " is not closed");
      if (s_.substr(i_, 2) == "</") {
        i_ += 2;
        if (name() != e.name) fail("a mismatched closing tag for " + e.name);
        skip_space();
        if (i_ >= s_.size() || s_[i_] != '>') fail("expected '>'");
        ++i_;
        return e;
      }
      e.children.push_back(element());
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

inline Element parse(std::string_view text) { return Parser(text).document(); }

}  // namespace xml_check
