#pragma once
// Lost notifications: a notify on a Condition that nobody was waiting for, followed by a wait on
// that Condition that never returns. The waiter missed the signal because it came first; waiting
// for the state (Condition::wait_for with a predicate) instead of the signal fixes it.
#include "detector.hpp"
#include "object_table.hpp"

namespace weave::detail {

class LostNotificationDetector final : public Detector {
 public:
  void begin_execution() override;
  void on_notify(const Object& cond, std::size_t woken, const StepRef& at) override;
  std::optional<Finding> on_deadlock(std::span<const BlockedThread> blocked,
                                     const ThreadNames& names) override;

 private:
  // Per Condition: the latest notify, when it woke nobody (step 0: none such).
  ObjectTable<StepRef> unheard_;
};

}  // namespace weave::detail
