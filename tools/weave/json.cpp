#include "json.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace weave::tool {

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : t_(text) {}

  Json document() {
    Json v = value(0);
    skip_space();
    if (i_ != t_.size()) fail("text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw JsonError(fmt::format("{} at byte {}", what, i_));
  }

  void skip_space() {
    while (i_ < t_.size() &&
           (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t')) {
      ++i_;
    }
  }

  bool take(std::string_view word) {
    if (t_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  Json value(int depth) {
    if (depth > 64) fail("nesting too deep");
    skip_space();
    if (i_ >= t_.size()) fail("unexpected end");
    Json out;
    const char c = t_[i_];
    if (c == '{') {
      out.v_ = object(depth);
    } else if (c == '[') {
      out.v_ = array(depth);
    } else if (c == '"') {
      out.v_ = string();
    } else if (take("true")) {
      out.v_ = true;
    } else if (take("false")) {
      out.v_ = false;
    } else if (take("null")) {
      out.v_ = std::monostate{};
    } else {
      out.v_ = number();
    }
    return out;
  }

  Json::Object object(int depth) {
    Json::Object out;
    ++i_;
    skip_space();
    if (take("}")) return out;
    for (;;) {
      skip_space();
      if (i_ >= t_.size() || t_[i_] != '"') fail("expected a member name");
      std::string key = string();
      skip_space();
      if (!take(":")) fail("expected ':'");
      out[std::move(key)] = value(depth + 1);
      skip_space();
      if (take("}")) return out;
      if (!take(",")) fail("expected ',' or '}'");
    }
  }

  Json::Array array(int depth) {
    Json::Array out;
    ++i_;
    skip_space();
    if (take("]")) return out;
    for (;;) {
      out.push_back(value(depth + 1));
      skip_space();
      if (take("]")) return out;
      if (!take(",")) fail("expected ',' or ']'");
    }
  }

  unsigned hex4() {
    if (i_ + 4 > t_.size()) fail("a short \\u escape");
    unsigned v = 0;
    auto [end, ec] = std::from_chars(t_.data() + i_, t_.data() + i_ + 4, v, 16);
    if (ec != std::errc() || end != t_.data() + i_ + 4) fail("a bad \\u escape");
    i_ += 4;
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string string() {
    ++i_;  // the opening quote
    std::string out;
    for (;;) {
      if (i_ >= t_.size()) fail("an unterminated string");
      const char c = t_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("a control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= t_.size()) fail("an unterminated escape");
      const char e = t_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && take("\\u")) {
            const unsigned low = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail("an unknown escape");
      }
    }
  }

  double number() {
    const std::size_t start = i_;
    while (i_ < t_.size() && (std::isdigit(static_cast<unsigned char>(t_[i_])) || t_[i_] == '-' ||
                              t_[i_] == '+' || t_[i_] == '.' || t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_;
    }
    double v = 0;
    auto [end, ec] = std::from_chars(t_.data() + start, t_.data() + i_, v);
    if (i_ == start || ec != std::errc() || end != t_.data() + i_ || !std::isfinite(v)) {
      i_ = start;
      fail("expected a value");
    }
    return v;
  }

  std::string_view t_;
  std::size_t i_ = 0;
};

Json Json::parse(std::string_view text) { return JsonParser(text).document(); }

const Json& Json::operator[](std::string_view key) const {
  static const Json null;
  const Object* o = std::get_if<Object>(&v_);
  if (o == nullptr) return null;
  auto it = o->find(key);
  return it == o->end() ? null : it->second;
}

std::string Json::str(std::string fallback) const {
  const std::string* s = std::get_if<std::string>(&v_);
  return s != nullptr ? *s : fallback;
}

double Json::number(double fallback) const {
  const double* d = std::get_if<double>(&v_);
  return d != nullptr ? *d : fallback;
}

std::uint64_t Json::count(std::uint64_t fallback) const {
  const double* d = std::get_if<double>(&v_);
  // Only a whole number that fits: converting anything else would be undefined.
  const bool whole = d != nullptr && *d >= 0 && *d < 0x1p64 && std::floor(*d) == *d;
  return whole ? static_cast<std::uint64_t>(*d) : fallback;
}

const Json::Array& Json::array() const {
  static const Array empty;
  const Array* a = std::get_if<Array>(&v_);
  return a != nullptr ? *a : empty;
}

}  // namespace weave::tool
