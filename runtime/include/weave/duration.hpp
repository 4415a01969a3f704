#pragma once
// weave/duration.hpp — Duration, the one time type of the facade.
//
// Every timeout and interval is a weave::Duration (nanoseconds). It converts implicitly from any
// std::chrono::duration, integral or floating, rounding up and saturating at Duration::max(),
// which means "no timeout".
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ratio>

namespace weave {

class Duration : public std::chrono::nanoseconds {
 public:
  using Base = std::chrono::nanoseconds;
  constexpr Duration() noexcept : Base(0) {}
  constexpr Duration(Base d) noexcept : Base(d) {}  // NOLINT: implicit by design
  template <class Rep, class Period>
  constexpr Duration(std::chrono::duration<Rep, Period> d) noexcept  // NOLINT: implicit by design
      : Base(convert(d)) {}

  static constexpr Duration max() noexcept { return Duration(Base::max()); }
  static constexpr Duration zero() noexcept { return Duration(Base::zero()); }
  // Duration::max() and anything at least as long means "wait forever".
  constexpr bool infinite() const noexcept { return count() == Base::max().count(); }

 private:
  template <class Rep, class Period>
  static constexpr Base convert(std::chrono::duration<Rep, Period> d) noexcept {
    using Long = std::chrono::duration<long double, std::nano>;
    const long double ns = std::chrono::duration_cast<Long>(d).count();
    if (!(ns == ns)) return Base::zero();  // NaN: treat as no wait
    if (ns >= static_cast<long double>(std::numeric_limits<Base::rep>::max())) return Base::max();
    if (ns <= 0) return Base::zero();
    auto whole = static_cast<Base::rep>(ns);
    if (static_cast<long double>(whole) < ns) ++whole;  // round up: never wait less than asked
    return Base(whole);
  }
};

namespace detail {
// A point on the clock of whatever runs the code: steady_clock on OS threads, the virtual clock
// in a checked execution. Nanoseconds since that clock's epoch; kNever means no deadline.
using Instant = std::int64_t;
inline constexpr Instant kNever = std::numeric_limits<Instant>::max();
}  // namespace detail

}  // namespace weave
