#pragma once
// Per-object detector state, found by an object's kind and number without hashing or allocating
// in the steady state: objects created inside an execution are numbered 1, 2, ... per kind, so a
// vector indexed by number serves them; objects from outside (numbered by the process) fall back
// to a map. clear() keeps every entry's storage for the next execution.
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "weave/backend.hpp"

namespace weave::detail {

template <class T>
class ObjectTable {
 public:
  T& operator[](const Object& o) { return at(o.kind(), o.id()); }
  T& at(ObjectKind kind, std::uint64_t id) {
    auto& v = dense_[static_cast<std::size_t>(kind)];
    if (id < kDense) {
      if (id >= v.size()) v.resize(id + 1);
      auto& used = used_[static_cast<std::size_t>(kind)];
      if (id >= used) used = id + 1;
      return v[id];
    }
    return sparse_[key(kind, id)];
  }
  T* find(ObjectKind kind, std::uint64_t id) {
    auto& v = dense_[static_cast<std::size_t>(kind)];
    if (id < kDense) return id < used_[static_cast<std::size_t>(kind)] ? &v[id] : nullptr;
    auto it = sparse_.find(key(kind, id));
    return it == sparse_.end() ? nullptr : &it->second;
  }
  // Resets every entry in use with `reset(T&)`, keeping storage.
  template <class F>
  void clear(F&& reset) {
    for (std::size_t k = 0; k < kKinds; ++k) {
      for (std::size_t i = 0; i < used_[k]; ++i) reset(dense_[k][i]);
      used_[k] = 0;
    }
    sparse_.clear();
  }

 private:
  static constexpr std::uint64_t kDense = 1u << 16;
  static constexpr std::size_t kKinds = static_cast<std::size_t>(ObjectKind::Memory) + 1;
  static std::uint64_t key(ObjectKind kind, std::uint64_t id) {
    return static_cast<std::uint64_t>(kind) << 56 ^ id;
  }
  std::vector<T> dense_[kKinds];
  std::size_t used_[kKinds] = {};
  std::unordered_map<std::uint64_t, T> sparse_;
};

}  // namespace weave::detail
