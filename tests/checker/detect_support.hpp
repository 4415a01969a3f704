#pragma once
// Helpers shared by the detector tests: configs, both randomized strategies, and the source
// lines of accesses (captured with at(line) where the access happens).
#include <array>
#include <cstdint>
#include <source_location>
#include <string>
#include <weave/check.hpp>

namespace detect_support {

inline weave::Config make_config(weave::Strategy s, std::uint64_t iterations, std::uint64_t seed) {
  weave::Config c;
  c.strategy = s;
  c.iterations = iterations;
  c.seed = seed;
  return c;
}

inline constexpr std::array<weave::Strategy, 2> kStrategies{weave::Strategy::Random,
                                                            weave::Strategy::PCT};

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Passes the caller's source location on, and remembers its line.
inline std::source_location at(std::uint32_t& line,
                               std::source_location loc = std::source_location::current()) {
  line = loc.line();
  return loc;
}

// "file.cpp:LINE", as reports print a location.
inline std::string file_line(const char* file, std::uint32_t line) {
  return std::string(file) + ":" + std::to_string(line);
}

}  // namespace detect_support
