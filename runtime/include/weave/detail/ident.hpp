#pragma once
// weave/detail/ident.hpp — the calling thread's ident, inline: lock fast paths need it on every
// acquire and release.
#include <cstdint>

#include "weave/backend.hpp"

namespace weave::detail {

// The calling OS thread's ident once it is known (0 before its first weave call).
extern constinit thread_local std::uint64_t tls_ident;
std::uint64_t current_ident_slow();

// The calling thread's ident, cheaply.
inline std::uint64_t current_ident() {
  if (backend() == nullptr && tls_ident != 0) return tls_ident;
  return current_ident_slow();
}

}  // namespace weave::detail
