#pragma once
// weave/shared.hpp — memory the checker watches.
//
//   Shared<T>   a plain shared variable. Every load and store is a scheduling point and is seen
//               by the race detector. `x += 1`, `++x` ... are a load then a store: two steps, not
//               atomic, so lost updates can be found.
//   Atomic<T>   std::atomic-like and sequentially consistent. Every operation synchronises
//               (happens-before with every other operation on it), so it never races.
//   note_read / note_write  annotate memory the checker cannot see (no-ops on OS threads).
//
// On OS threads Shared<T> is just a T (concurrent unsynchronised use is a real data race there)
// and Atomic<T> is a std::atomic<T>.
#include <atomic>
#include <concepts>
#include <cstddef>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

#include "weave/backend.hpp"

namespace weave {

namespace detail {
// A value with the source location of the expression that produced it: lets operators, which
// cannot take a defaulted source_location, still report the user's line.
template <class T>
struct Located {
  template <class U>
    requires std::convertible_to<U, T>
  Located(U&& v, std::source_location l = std::source_location::current())  // NOLINT: implicit
      : value(std::forward<U>(v)), loc(l) {}
  T value;
  std::source_location loc;
};
}  // namespace detail

template <class T>
class Shared {
 public:
  explicit Shared(T init = T{}, std::string name = {},
                  std::source_location loc = std::source_location::current())
      : object_(detail::ObjectKind::Shared, std::move(name), loc), value_(std::move(init)) {}
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  // Reads the value (a scheduling point; a read access for the race detector).
  T load(std::source_location loc = std::source_location::current()) const {
    access(detail::Op::Read, loc);
    return value_;
  }
  // Writes the value (a scheduling point; a write access for the race detector).
  void store(T v, std::source_location loc = std::source_location::current()) {
    access(detail::Op::Write, loc);
    value_ = std::move(v);
  }
  operator T() const { return load(); }  // NOLINT: implicit by design
  Shared& operator=(detail::Located<T> v) {
    store(std::move(v.value), v.loc);
    return *this;
  }
  Shared& operator+=(detail::Located<T> v) { return update(v, [](T& a, T&& b) { a += b; }); }
  Shared& operator-=(detail::Located<T> v) { return update(v, [](T& a, T&& b) { a -= b; }); }
  Shared& operator*=(detail::Located<T> v) { return update(v, [](T& a, T&& b) { a *= b; }); }
  Shared& operator/=(detail::Located<T> v) { return update(v, [](T& a, T&& b) { a /= b; }); }
  Shared& operator|=(detail::Located<T> v) { return update(v, [](T& a, T&& b) { a |= b; }); }
  Shared& operator&=(detail::Located<T> v) { return update(v, [](T& a, T&& b) { a &= b; }); }
  Shared& operator^=(detail::Located<T> v) { return update(v, [](T& a, T&& b) { a ^= b; }); }
  Shared& operator++() { return *this += T(1); }
  Shared& operator--() { return *this -= T(1); }
  T operator++(int) {
    T old = load();
    store(old + T(1));
    return old;
  }
  T operator--(int) {
    T old = load();
    store(old - T(1));
    return old;
  }

  const detail::Object& object() const noexcept { return object_; }

 private:
  // A read or write the checker watches; on OS threads, refused to a checked execution's object.
  void access(detail::Op op, const std::source_location& loc) const {
    if (detail::Backend* b = detail::backend()) {
      b->access(op, &object_, &value_, sizeof(T), loc);
    } else if (object_.checked()) [[unlikely]] {
      detail::foreign_thread(object_, loc);
    }
  }

  template <class Op>
  Shared& update(detail::Located<T>& v, Op op) {
    T x = load(v.loc);
    op(x, std::move(v.value));
    store(std::move(x), v.loc);
    return *this;
  }

  detail::Object object_;
  T value_;
};

template <class T>
class Atomic {
 public:
  explicit Atomic(T init = T{}, std::string name = {},
                  std::source_location loc = std::source_location::current())
      : object_(detail::ObjectKind::Atomic, std::move(name), loc), value_(init) {}
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T load(std::source_location loc = std::source_location::current()) const {
    sync(detail::Op::Read, loc);
    return value_.load();
  }
  void store(T v, std::source_location loc = std::source_location::current()) {
    sync(detail::Op::Write, loc);
    value_.store(v);
  }
  T exchange(T v, std::source_location loc = std::source_location::current()) {
    sync(detail::Op::ReadWrite, loc);
    return value_.exchange(v);
  }
  // As std::atomic: on failure `expected` receives the current value.
  bool compare_exchange_strong(T& expected, T desired,
                               std::source_location loc = std::source_location::current()) {
    sync(detail::Op::ReadWrite, loc);
    return value_.compare_exchange_strong(expected, desired);
  }
  // Never fails spuriously here; kept for std::atomic compatibility.
  bool compare_exchange_weak(T& expected, T desired,
                             std::source_location loc = std::source_location::current()) {
    return compare_exchange_strong(expected, desired, loc);
  }
  T fetch_add(T v, std::source_location loc = std::source_location::current())
    requires(std::is_arithmetic_v<T>)
  {
    sync(detail::Op::ReadWrite, loc);
    return value_.fetch_add(v);
  }
  T fetch_sub(T v, std::source_location loc = std::source_location::current())
    requires(std::is_arithmetic_v<T>)
  {
    sync(detail::Op::ReadWrite, loc);
    return value_.fetch_sub(v);
  }
  T fetch_and(T v, std::source_location loc = std::source_location::current())
    requires(std::is_integral_v<T>)
  {
    sync(detail::Op::ReadWrite, loc);
    return value_.fetch_and(v);
  }
  T fetch_or(T v, std::source_location loc = std::source_location::current())
    requires(std::is_integral_v<T>)
  {
    sync(detail::Op::ReadWrite, loc);
    return value_.fetch_or(v);
  }
  T fetch_xor(T v, std::source_location loc = std::source_location::current())
    requires(std::is_integral_v<T>)
  {
    sync(detail::Op::ReadWrite, loc);
    return value_.fetch_xor(v);
  }

  operator T() const { return load(); }  // NOLINT: implicit by design
  Atomic& operator=(detail::Located<T> v) {
    store(v.value, v.loc);
    return *this;
  }
  T operator+=(detail::Located<T> v)
    requires(std::is_arithmetic_v<T>)
  {
    return fetch_add(v.value, v.loc) + v.value;
  }
  T operator-=(detail::Located<T> v)
    requires(std::is_arithmetic_v<T>)
  {
    return fetch_sub(v.value, v.loc) - v.value;
  }
  T operator++()
    requires(std::is_arithmetic_v<T>)
  {
    return fetch_add(T(1)) + T(1);
  }
  T operator--()
    requires(std::is_arithmetic_v<T>)
  {
    return fetch_sub(T(1)) - T(1);
  }
  T operator++(int)
    requires(std::is_arithmetic_v<T>)
  {
    return fetch_add(T(1));
  }
  T operator--(int)
    requires(std::is_arithmetic_v<T>)
  {
    return fetch_sub(T(1));
  }

  const detail::Object& object() const noexcept { return object_; }

 private:
  // Sequentially consistent: every operation both publishes and observes.
  void sync(detail::Op op, const std::source_location& loc) const {
    if (detail::Backend* b = detail::begin_op(op, object_, loc)) {
      b->acquired(object_);
      b->released(object_);
    }
  }

  detail::Object object_;
  std::atomic<T> value_;
};

// Tells the checker the calling thread reads [addr, addr+size). No-op on OS threads.
inline void note_read(const void* addr, std::size_t size = 1,
                      std::source_location loc = std::source_location::current()) {
  if (detail::Backend* b = detail::backend()) b->access(detail::Op::Read, nullptr, addr, size, loc);
}
// Tells the checker the calling thread writes [addr, addr+size). No-op on OS threads.
inline void note_write(const void* addr, std::size_t size = 1,
                       std::source_location loc = std::source_location::current()) {
  if (detail::Backend* b = detail::backend()) b->access(detail::Op::Write, nullptr, addr, size, loc);
}

}  // namespace weave
