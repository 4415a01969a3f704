#include "timeline.hpp"

#include <map>

namespace weave::tool {

namespace {

// Locks have an owner; a Condition's lock too (its object is the Condition). Semaphores do not:
// any thread may release them, so they get arrows but no ownership spans.
bool owned(const std::string& object) {
  for (const char* kind : {"Lock", "RLock", "Condition"}) {
    const std::string k = kind;
    if (object.size() > k.size() && object.compare(0, k.size(), k) == 0 &&
        (object[k.size()] == ' ' || object[k.size()] == '#')) {
      return true;
    }
  }
  return false;
}

bool is_acquire(const TraceStep& s) {
  return s.operation == "acquire" || s.operation == "try_acquire";
}

bool resumed(const TraceStep& s) {
  return s.note == "woken" || s.note == "timed out" || s.note == "woken spuriously";
}

// A step that can let another thread's step go on.
const char* signal_kind(const std::string& op) {
  if (op == "release") return "release";
  if (op == "notify" || op == "notify_all" || op == "set") return "notify";
  for (const char* s : {"put", "get", "task_done", "complete", "exit", "abort", "reset", "shutdown",
                        "cancel", "wait"}) {
    if (op == s) return "signal";
  }
  return nullptr;
}

}  // namespace

Timeline build_timeline(const Trace& trace) {
  Timeline out;
  const auto& steps = trace.steps;
  // The next step of the same thread, to tell an acquire that blocked from one that succeeded.
  std::vector<std::size_t> next_of_thread(steps.size(), steps.size());
  std::map<std::uint32_t, std::size_t> last_seen;
  for (std::size_t i = steps.size(); i-- > 0;) {
    auto it = last_seen.find(steps[i].thread);
    if (it != last_seen.end()) next_of_thread[i] = it->second;
    last_seen[steps[i].thread] = i;
  }
  auto blocks_next = [&](std::size_t i) {
    const std::size_t n = next_of_thread[i];
    return n < steps.size() && steps[n].note == "blocked" &&
           steps[n].operation == steps[i].operation && steps[n].object == steps[i].object;
  };

  struct Held {
    std::size_t from;
    int count;  // RLock re-entries
    int depth;
    std::string waiting_on;  // a Condition wait let it go, and takes it again when woken
  };
  std::map<std::uint32_t, std::map<std::string, Held>> held;
  auto open_count = [&](std::uint32_t thread) {
    int n = 0;
    for (const auto& [object, h] : held[thread]) n += h.waiting_on.empty() ? 1 : 0;
    return n;
  };
  auto close = [&](std::uint32_t thread, const std::string& object, Held& h, std::size_t to,
                   bool open) {
    out.spans.push_back({thread, object, h.from, to, h.depth, open});
  };
  // The lock a wait on `condition` lets go: the Condition's own ("Condition ready" owns
  // "RLock ready.lock"), else the one the thread took last.
  auto released_by_wait =
      [](std::map<std::string, Held>& mine,
         const std::string& condition) -> std::map<std::string, Held>::iterator {
    const std::string own = condition.substr(condition.find(' ') + 1) + ".lock";
    auto last = mine.end();
    for (auto it = mine.begin(); it != mine.end(); ++it) {
      if (!it->second.waiting_on.empty()) continue;
      const std::string& o = it->first;
      if (o.size() > own.size() && o.compare(o.size() - own.size(), own.size(), own) == 0 &&
          o[o.size() - own.size() - 1] == ' ') {
        return it;
      }
      if (last == mine.end() || it->second.from > last->second.from) last = it;
    }
    return last;
  };

  for (std::size_t i = 0; i < steps.size(); ++i) {
    const TraceStep& s = steps[i];
    const bool acquisition = is_acquire(s) && s.note != "blocked" && !blocks_next(i);
    // Arrows: into a step that was woken, or a lock taken after another thread let it go.
    if (resumed(s) || (acquisition && !s.object.empty())) {
      for (std::size_t j = i; j-- > 0;) {
        const TraceStep& p = steps[j];
        if (p.object != s.object || p.thread == s.thread || p.note == "blocked") continue;
        const char* kind = signal_kind(p.operation);
        if (kind == nullptr || (acquisition && p.operation != "release")) continue;
        if (p.operation == "wait" && s.operation != "wait") continue;  // a Barrier's last arrival
        out.arrows.push_back({j, i, kind});
        break;
      }
    }
    auto& mine = held[s.thread];
    if (s.operation == "wait" && s.note == "blocked") {
      auto it = released_by_wait(mine, s.object);
      if (it != mine.end()) {
        close(s.thread, it->first, it->second, i, false);
        it->second.waiting_on = s.object;
      }
      continue;
    }
    if (s.operation == "wait" && resumed(s)) {
      for (auto& [object, h] : mine) {
        if (h.waiting_on == s.object) h = Held{i, h.count, open_count(s.thread), {}};
      }
      continue;
    }
    if (!owned(s.object)) continue;
    auto it = mine.find(s.object);
    if (acquisition) {
      if (it == mine.end()) {
        mine[s.object] = Held{i, 1, open_count(s.thread), {}};
      } else if (it->second.waiting_on.empty()) {
        ++it->second.count;
      }
    } else if (s.operation == "release" && it != mine.end() && it->second.waiting_on.empty()) {
      if (--it->second.count == 0) {
        close(s.thread, s.object, it->second, i, false);
        mine.erase(it);
      }
    }
  }
  for (auto& [thread, objects] : held) {
    for (auto& [object, h] : objects) {
      if (h.waiting_on.empty()) close(thread, object, h, steps.size() - 1, true);
    }
  }
  return out;
}

}  // namespace weave::tool
