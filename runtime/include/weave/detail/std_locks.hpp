#pragma once
// weave/detail/std_locks.hpp — std::lock_guard, std::unique_lock and single-lock
// std::scoped_lock for weave::Lock, weave::RLock and weave::Condition.
//
// The standard wrappers call lock()/unlock() from inside <mutex>, so a defaulted
// std::source_location would name a line of the standard library. These specializations take the
// location in their constructors instead, where the default argument is evaluated on the user's
// line (a release at the end of the scope is reported at the guard's line). Specializing these
// templates is allowed for program-defined types ([namespace.std]); each one keeps the whole
// interface of the original.
#include <chrono>
#include <mutex>
#include <source_location>
#include <system_error>
#include <utility>

#include "weave/duration.hpp"

namespace weave {
class Lock;
class RLock;
class Condition;
}  // namespace weave

namespace weave::detail {

template <class M>
class GuardFor {
 public:
  using mutex_type = M;
  GuardFor(M& m, std::source_location loc) : m_(m), loc_(loc) { m_.acquire(loc_); }
  GuardFor(M& m, std::adopt_lock_t, std::source_location loc) : m_(m), loc_(loc) {}
  ~GuardFor() { m_.release(loc_); }
  GuardFor(const GuardFor&) = delete;
  GuardFor& operator=(const GuardFor&) = delete;

 private:
  M& m_;
  std::source_location loc_;
};

template <class M>
class UniqueFor {
 public:
  using mutex_type = M;
  UniqueFor() noexcept = default;
  UniqueFor(M& m, std::source_location loc) : m_(&m), loc_(loc) {
    m_->acquire(loc_);
    owns_ = true;
  }
  UniqueFor(M& m, std::defer_lock_t, std::source_location loc) noexcept : m_(&m), loc_(loc) {}
  UniqueFor(M& m, std::try_to_lock_t, std::source_location loc) : m_(&m), loc_(loc) {
    owns_ = m_->try_acquire(loc_);
  }
  UniqueFor(M& m, std::adopt_lock_t, std::source_location loc) noexcept
      : m_(&m), owns_(true), loc_(loc) {}
  UniqueFor(M& m, Duration timeout, std::source_location loc) : m_(&m), loc_(loc) {
    owns_ = m_->acquire(timeout, loc_);
  }
  UniqueFor(UniqueFor&& o) noexcept
      : m_(std::exchange(o.m_, nullptr)), owns_(std::exchange(o.owns_, false)), loc_(o.loc_) {}
  UniqueFor& operator=(UniqueFor&& o) noexcept {
    if (owns_) m_->release(loc_);
    m_ = std::exchange(o.m_, nullptr);
    owns_ = std::exchange(o.owns_, false);
    loc_ = o.loc_;
    return *this;
  }
  ~UniqueFor() {
    if (owns_) m_->release(loc_);
  }

  void lock(std::source_location loc = std::source_location::current()) {
    check(loc);
    m_->acquire(loc);
    owns_ = true;
  }
  bool try_lock(std::source_location loc = std::source_location::current()) {
    check(loc);
    return owns_ = m_->try_acquire(loc);
  }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d,
                    std::source_location loc = std::source_location::current()) {
    check(loc);
    return owns_ = m_->acquire(Duration(d), loc);
  }
  template <class Clock, class Dur>
  bool try_lock_until(const std::chrono::time_point<Clock, Dur>& t,
                      std::source_location loc = std::source_location::current()) {
    return try_lock_for(t - Clock::now(), loc);
  }
  void unlock(std::source_location loc = std::source_location::current()) {
    if (!owns_) throw std::system_error(std::make_error_code(std::errc::operation_not_permitted));
    m_->release(loc);
    owns_ = false;
  }
  void swap(UniqueFor& o) noexcept {
    std::swap(m_, o.m_);
    std::swap(owns_, o.owns_);
    std::swap(loc_, o.loc_);
  }
  M* release() noexcept {
    owns_ = false;
    return std::exchange(m_, nullptr);
  }
  bool owns_lock() const noexcept { return owns_; }
  explicit operator bool() const noexcept { return owns_; }
  M* mutex() const noexcept { return m_; }

 private:
  void check(const std::source_location&) const {
    if (m_ == nullptr) {
      throw std::system_error(std::make_error_code(std::errc::operation_not_permitted));
    }
    if (owns_) {
      throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur));
    }
  }
  M* m_ = nullptr;
  bool owns_ = false;
  std::source_location loc_{};
};

}  // namespace weave::detail

#define WEAVE_STD_LOCKS_FOR(M)                                                                     \
  template <>                                                                                      \
  class lock_guard<M> : public ::weave::detail::GuardFor<M> {                                      \
   public:                                                                                         \
    explicit lock_guard(M& m, source_location loc = source_location::current())                    \
        : ::weave::detail::GuardFor<M>(m, loc) {}                                                  \
    lock_guard(M& m, adopt_lock_t t, source_location loc = source_location::current())             \
        : ::weave::detail::GuardFor<M>(m, t, loc) {}                                               \
  };                                                                                               \
  template <>                                                                                      \
  class scoped_lock<M> : public ::weave::detail::GuardFor<M> {                                     \
   public:                                                                                         \
    explicit scoped_lock(M& m, source_location loc = source_location::current())                   \
        : ::weave::detail::GuardFor<M>(m, loc) {}                                                  \
    scoped_lock(adopt_lock_t t, M& m, source_location loc = source_location::current())            \
        : ::weave::detail::GuardFor<M>(m, t, loc) {}                                               \
  };                                                                                               \
  template <>                                                                                      \
  class unique_lock<M> : public ::weave::detail::UniqueFor<M> {                                    \
    using Base = ::weave::detail::UniqueFor<M>;                                                    \
                                                                                                   \
   public:                                                                                         \
    unique_lock() noexcept = default;                                                              \
    explicit unique_lock(M& m, source_location loc = source_location::current()) : Base(m, loc) {} \
    unique_lock(M& m, defer_lock_t t, source_location loc = source_location::current()) noexcept   \
        : Base(m, t, loc) {}                                                                       \
    unique_lock(M& m, try_to_lock_t t, source_location loc = source_location::current())           \
        : Base(m, t, loc) {}                                                                       \
    unique_lock(M& m, adopt_lock_t t, source_location loc = source_location::current()) noexcept   \
        : Base(m, t, loc) {}                                                                       \
    template <class Rep, class Period>                                                             \
    unique_lock(M& m, const chrono::duration<Rep, Period>& d,                                      \
                source_location loc = source_location::current())                                  \
        : Base(m, ::weave::Duration(d), loc) {}                                                    \
    unique_lock(unique_lock&&) noexcept = default;                                                 \
    unique_lock& operator=(unique_lock&&) noexcept = default;                                      \
  };                                                                                               \
  inline void swap(unique_lock<M>& a, unique_lock<M>& b) noexcept { a.swap(b); }

namespace std {
WEAVE_STD_LOCKS_FOR(::weave::Lock)
WEAVE_STD_LOCKS_FOR(::weave::RLock)
}  // namespace std
