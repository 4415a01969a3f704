#include "race.hpp"

#include <fmt/format.h>

namespace weave::detail {

namespace {
std::string memory(const void* addr, std::size_t size) {
  return fmt::format("memory at {} ({} byte{})", addr, size, size == 1 ? "" : "s");
}
}  // namespace

void RaceDetector::Shadow::reset() noexcept {
  write = Access{};
  for (auto& r : reads) r.epoch.clock = 0;
}

void RaceDetector::begin_execution() {
  for (std::size_t i = 0; i < thread_count_; ++i) threads_[i].clear();
  thread_count_ = 0;
  sync_.clear([](VectorClock& c) { c.clear(); });
  vars_.clear([](Shadow& s) { s.reset(); });
  for (std::size_t i = 0; i < ranges_used_; ++i) ranges_[i].shadow.reset();
  ranges_used_ = 0;
}

void RaceDetector::grow(std::uint32_t thread) {
  if (thread >= threads_.size()) threads_.resize(thread + 1);
  thread_count_ = thread + 1;
}

void RaceDetector::on_spawn(std::uint32_t thread) {
  // A thread's own component starts at 1, so that epoch 0 can mean "no access".
  clock(thread).set(thread, 1);
}

void RaceDetector::on_release(const Object& sync, const StepRef& at) {
  VectorClock& c = clock(at.thread);
  sync_[sync].join(c);
  c.tick(at.thread);
}

std::optional<Finding> RaceDetector::on_acquire(const Object& sync, const StepRef& at,
                                                const ThreadNames& /*names*/) {
  if (VectorClock* s = sync_.find(sync.kind(), sync.id())) clock(at.thread).join(*s);
  return std::nullopt;
}

const RaceDetector::Access* RaceDetector::conflict(const Shadow& s, bool write, const StepRef& at) {
  const VectorClock& c = clock(at.thread);
  if (s.write.epoch.clock != 0 && s.write.epoch.thread != at.thread && !s.write.epoch.before(c)) {
    return &s.write;
  }
  if (write) {
    for (const Access& r : s.reads) {
      if (r.epoch.clock != 0 && r.epoch.thread != at.thread && !r.epoch.before(c)) return &r;
    }
  }
  return nullptr;
}

void RaceDetector::update(Shadow& s, bool write, const StepRef& at) {
  const Access a{{at.thread, clock(at.thread).get(at.thread)}, at.step, at.file, at.line};
  if (write) {
    // Every earlier read happens before this write (or it raced and was reported): a later
    // access needs to be checked against the write alone.
    s.write = a;
    for (auto& r : s.reads) r.epoch.clock = 0;
  } else {
    if (at.thread >= s.reads.size()) s.reads.resize(at.thread + 1);
    s.reads[at.thread] = a;
  }
}

std::optional<Finding> RaceDetector::on_access(Op op, const Object* obj, const void* addr,
                                               std::size_t size, const StepRef& at,
                                               const ThreadNames& names) {
  const bool write = op != Op::Read;
  if (obj != nullptr) {
    Shadow& s = vars_[*obj];
    if (const Access* a = conflict(s, write, at)) {
      const std::string what = fmt::format("{} {}", kind_name(obj->kind()), obj->display_name());
      return report(*a, a == &s.write, write, obj, what, what, at, names);
    }
    update(s, write, at);
    return std::nullopt;
  }
  // Raw memory: check every recorded range that overlaps, record in the exact one.
  const char* lo = static_cast<const char*>(addr);
  const std::size_t n = size == 0 ? 1 : size;
  Range* exact = nullptr;
  for (std::size_t i = 0; i < ranges_used_; ++i) {
    Range& r = ranges_[i];
    if (r.lo == lo && r.size == n) exact = &r;
    if (r.lo < lo + n && lo < r.lo + r.size) {
      if (const Access* a = conflict(r.shadow, write, at)) {
        return report(*a, a == &r.shadow.write, write, nullptr, memory(r.lo, r.size),
                      memory(addr, n), at, names);
      }
    }
  }
  if (exact == nullptr) {
    if (ranges_used_ == ranges_.size()) ranges_.emplace_back();
    exact = &ranges_[ranges_used_++];
    exact->lo = lo;
    exact->size = n;
  }
  update(exact->shadow, write, at);
  return std::nullopt;
}

Finding RaceDetector::report(const Access& earlier, bool earlier_write, bool write,
                             const Object* obj, const std::string& before, const std::string& what,
                             const StepRef& at, const ThreadNames& names) const {
  const std::string first = names.thread_name(earlier.epoch.thread);
  const std::string second = names.thread_name(at.thread);
  Finding f;
  f.kind = BugKind::DataRace;
  f.message = fmt::format(
      "DataRace: {} {} {} at {}:{} while {} {} it at {}:{}, and nothing orders the two accesses "
      "(no lock, join, queue or other synchronisation between them)",
      second, write ? "writes" : "reads", what, at.file, at.line, first,
      earlier_write ? "wrote" : "read", earlier.file, earlier.line);
  f.involved =
      fmt::format("  {} {} {} at {}:{} (step {})\n", first, earlier_write ? "wrote" : "read",
                  before, earlier.file, earlier.line, earlier.step);
  f.involved += fmt::format("  {} {} {} at {}:{} (step {}), unordered with it\n", second,
                            write ? "writes" : "reads", what, at.file, at.line, at.step);
  if (obj != nullptr) {
    f.involved += fmt::format("  {} created at {}:{}\n", what, obj->created().file_name(),
                              obj->created().line());
  }
  return f;
}

}  // namespace weave::detail
