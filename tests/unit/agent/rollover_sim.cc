// Rollover simulation: the planner on simulated time against a simulated parent.
#include "rollover_sim.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ts::agent::sim {

ZoneSim::ZoneSim(std::string zone, RolloverPolicy p, Timing timing, UnixTime start,
                 uint16_t first_tag)
    : policy(std::move(p)), now(start), next_tag_(first_tag) {
  state.zone = std::move(zone);
  timings.push_back({std::numeric_limits<UnixTime>::min(), timing});
}

Timing ZoneSim::timing_at(UnixTime t) const {
  Timing out = timings.front().second;
  for (const auto& [from, timing] : timings)
    if (from <= t) out = timing;
  return out;
}

void ZoneSim::set_timing_from(UnixTime t, Timing timing) {
  timings.push_back({t, timing});
  std::stable_sort(timings.begin(), timings.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

ParentView ZoneSim::parent_view(UnixTime t) const {
  return model::simulated_parent_view(state.keys, t, parent_registration_delay,
                                      timing_at(t).parent_propagation_delay, parent_ignores_after);
}

Plan ZoneSim::step_once() {
  Plan plan;
  for (int round = 0; round < 8; ++round) {
    plan = step(state, policy, timing_at(now), now, parent_view(now));
    ++steps;
    log.insert(log.end(), plan.transitions.begin(), plan.transitions.end());
    bool again = false;
    for (const auto& a : plan.actions) {
      // the parent may react at once (no delays): look again at the same instant
      if (a.kind == Action::Kind::SubmitDs || a.kind == Action::Kind::WithdrawDs) again = true;
      if (a.kind != Action::Kind::GenerateKey) continue;
      KeyRecord k;
      k.id = state.zone + "#" + std::to_string(++key_counter_);
      k.role = a.role;
      k.algorithm = a.algorithm;
      k.tag = next_tag_++;
      Status s = add_key(state, policy, k, now);
      EXPECT_TRUE(s.ok()) << s.error().message;
      again = true;
    }
    if (!again) break;
  }
  last_plan = plan;
  return plan;
}

UnixTime ZoneSim::next_event() const {
  UnixTime next = last_plan.next_check;
  Timing t = timing_at(now);
  next = std::min(next, model::next_parent_event(state.keys, now, parent_registration_delay,
                                                 t.parent_propagation_delay, parent_ignores_after));
  for (const auto& [from, timing] : timings)
    if (from > now) next = std::min(next, from);
  return next;
}

void ZoneSim::run_until(UnixTime end) {
  step_once();
  for (;;) {
    UnixTime next = std::max(next_event(), now + 1);
    if (next > end) return;
    now = next;
    step_once();
  }
}

bool ZoneSim::run_until_idle(UnixTime limit) {
  step_once();
  while (!state.rollovers.empty()) {
    UnixTime next = std::max(next_event(), now + 1);
    if (next > limit) return false;
    now = next;
    step_once();
  }
  return true;
}

model::ZoneHistory ZoneSim::history() const {
  model::ZoneHistory h;
  h.keys = state.keys;
  auto copy = timings;
  h.timing_at = [copy](UnixTime t) {
    Timing out = copy.front().second;
    for (const auto& [from, timing] : copy)
      if (from <= t) out = timing;
    return out;
  };
  for (const auto& [from, timing] : timings)
    if (from != std::numeric_limits<UnixTime>::min()) h.timing_changes.push_back(from);
  h.parent_registration_delay = parent_registration_delay;
  h.parent_ignores_after = parent_ignores_after;
  return h;
}

int ZoneSim::count(const std::string& subject, const std::string& to) const {
  return static_cast<int>(std::count_if(log.begin(), log.end(), [&](const Transition& t) {
    return t.subject == subject && t.to == to;
  }));
}

}  // namespace ts::agent::sim
