#pragma once
// A small JSON reader: enough for the traces the checker writes (WEAVE_TRACE_OUT) and the stats
// lines (WEAVE_STATS_OUT). Strict: anything that is not JSON is an error with its byte offset.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace weave::tool {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json, std::less<>>;

  Json() = default;  // null

  // Parses one JSON text; throws JsonError.
  static Json parse(std::string_view text);

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }
  // The member `key`, or null when this is not an object or has no such member.
  const Json& operator[](std::string_view key) const;
  // Typed reads; a value of another type (for count(), anything but a whole number that fits in
  // 64 bits) gives the fallback.
  std::string str(std::string fallback = {}) const;
  double number(double fallback = 0) const;
  std::uint64_t count(std::uint64_t fallback = 0) const;
  const Array& array() const;

 private:
  friend class JsonParser;
  std::variant<std::monostate, bool, double, std::string, Array, Object> v_;
};

struct JsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace weave::tool
