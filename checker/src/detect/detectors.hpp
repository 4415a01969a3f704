#pragma once
// The detectors one check runs, as a replay or a shrinking attempt runs them too. Races and lost
// notifications are judged per execution; the lock-order graph spans every execution given the
// same Detectors.
#include <vector>

#include "detector.hpp"
#include "lock_order.hpp"
#include "lost_notification.hpp"
#include "race.hpp"
#include "weave/check.hpp"

namespace weave::detail {

struct Detectors {
  RaceDetector race;
  LostNotificationDetector lost;
  LockOrderDetector order;
  std::vector<Detector*> list;
  explicit Detectors(const Config& c) {
    if (c.detect_races) list.push_back(&race);
    list.push_back(&lost);
    list.push_back(&order);
  }
};

}  // namespace weave::detail
