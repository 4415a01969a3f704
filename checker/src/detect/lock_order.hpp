#pragma once
// Lock-order inversion, as Linux lockdep: an edge A -> B whenever a thread acquires B while
// holding A, kept across every schedule of one check. A cycle whose edges come from different
// threads, and that no single lock held across all of its edges (a gate lock) serialises, can
// deadlock in some schedule, even when none explored did.
#include <string>
#include <vector>

#include "detector.hpp"

namespace weave::detail {

class LockOrderDetector final : public Detector {
 public:
  void begin_execution() override;
  void on_release(const Object& sync, const StepRef& at) override;
  std::optional<Finding> on_acquire(const Object& sync, const StepRef& at,
                                    const ThreadNames& names) override;

 private:
  struct Held {
    std::uint64_t key;
    const Object* lock;
    const char* file;
    std::uint32_t line;
  };
  struct Edge {
    std::uint64_t from, to;
    std::uint32_t thread;
    std::vector<std::uint64_t> guards;  // other locks held meanwhile, sorted
    std::uint64_t execution;
    std::string thread_name, from_name, to_name;
    std::string from_at, to_at;            // where each lock was acquired
    std::string from_created, to_created;  // where each lock was created
  };
  static std::uint64_t key(const Object& o) {
    return static_cast<std::uint64_t>(o.kind()) << 56 ^ o.id();
  }
  bool same_guards(const Edge& e, const std::vector<Held>& held, std::uint64_t from) const;
  bool find_cycle(std::size_t closing, std::vector<std::size_t>& path);
  Finding report(const std::vector<std::size_t>& cycle) const;

  std::vector<std::vector<Held>> held_;  // per thread, in acquisition order
  std::vector<Edge> edges_;
  std::uint64_t execution_ = 0;
  bool reported_ = false;
};

}  // namespace weave::detail
