#include "lost_notification.hpp"

#include <fmt/format.h>

namespace weave::detail {

void LostNotificationDetector::begin_execution() {
  unheard_.clear([](StepRef& s) { s = StepRef{}; });
}

void LostNotificationDetector::on_notify(const Object& cond, std::size_t woken, const StepRef& at) {
  // Only the latest notify counts: once one is heard, an earlier unheard one no longer explains
  // a hang.
  unheard_[cond] = woken == 0 ? at : StepRef{};
}

std::optional<Finding> LostNotificationDetector::on_deadlock(std::span<const BlockedThread> blocked,
                                                             const ThreadNames& names) {
  for (const BlockedThread& b : blocked) {
    if (b.waits_on == nullptr || b.waits_on->kind() != ObjectKind::Condition) continue;
    const StepRef* n = unheard_.find(ObjectKind::Condition, b.waits_on->id());
    // Any notify after this wait began had a waiter, so an unheard one came before it.
    if (n == nullptr || n->step == 0 || n->step > b.wait.step) continue;
    const std::string cond = fmt::format("Condition {}", b.waits_on->display_name());
    const std::string waiter = names.thread_name(b.thread);
    const std::string notifier = names.thread_name(n->thread);
    Finding f;
    f.kind = BugKind::LostNotification;
    f.step = b.wait.step;
    f.message = fmt::format(
        "LostNotification: {} waits forever on {} at {}:{}; the notify it needed was sent "
        "earlier by {} at {}:{}, when nobody was waiting, and was lost. Wait for the state, not "
        "the signal: cond.wait_for(predicate) checks the state before it sleeps",
        waiter, cond, b.wait.file, b.wait.line, notifier, n->file, n->line);
    f.involved = fmt::format("  {} notified {} at {}:{} (step {}) with no thread waiting\n",
                             notifier, cond, n->file, n->line, n->step);
    f.involved += fmt::format("  {} then waited on {} at {}:{} (step {}) and was never woken\n",
                              waiter, cond, b.wait.file, b.wait.line, b.wait.step);
    return f;
  }
  return std::nullopt;
}

}  // namespace weave::detail
