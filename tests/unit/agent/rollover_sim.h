// Rollover simulation (test support): drives the planner for one zone on simulated time,
// hands it keys when it asks, plays the parent (DS applied after a registration delay,
// served everywhere after the parent propagation delay) and records everything the
// validator model needs to replay the zone's history.
//
//   ZoneSim sim("example.", policy, timing);
//   sim.run_until(t0 + 365 * 86400);
//   ValidatorModel(sim.history(), {}).run(t0, sim.now);
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/rollover_planner.h"
#include "validator_model.h"

namespace ts::agent::sim {

class ZoneSim {
 public:
  ZoneSim(std::string zone, RolloverPolicy policy, Timing timing, UnixTime start,
          uint16_t first_tag = 1000);

  ZoneKeyState state;
  RolloverPolicy policy;
  std::vector<std::pair<UnixTime, Timing>> timings;  ///< timing in force from each instant
  int64_t parent_registration_delay = 3600;
  UnixTime parent_ignores_after = kNever;  ///< the parent stops acting on DS changes
  UnixTime now;
  std::vector<Transition> log;
  uint64_t steps = 0;
  Plan last_plan;

  Timing timing_at(UnixTime t) const;
  void set_timing_from(UnixTime t, Timing timing);
  ParentView parent_view(UnixTime t) const;
  /// One planner step at `now`, handing over any keys it asks for.
  Plan step_once();
  /// The next instant something can change (planner, parent or timing), kNever if none.
  UnixTime next_event() const;
  /// Steps at every event up to `end`; leaves `now` at the last step's time.
  void run_until(UnixTime end);
  /// Runs until no rollover is in progress (or `limit` passes); true if that happened.
  bool run_until_idle(UnixTime limit);
  model::ZoneHistory history() const;
  /// Number of logged transitions `subject: from -> to`.
  int count(const std::string& subject, const std::string& to) const;

 private:
  uint16_t next_tag_;
  int key_counter_ = 0;
};

}  // namespace ts::agent::sim
