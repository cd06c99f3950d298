// Parent method "tar" in the daemon (agent/daemon_tar_rollover.cc): the island (RFC 5011)
// settings of the planner policy and the planner's view of the trust-anchor repositories.
//
//   RolloverPolicy p = planner_policy(spec);   // calls island_policy(spec, p)
//   ParentView v = ...;  add_anchor_view(spec, rec, v);
#pragma once

#include "agent/daemon_policy.h"
#include "agent/daemon_store.h"
#include "agent/rollover_state.h"

namespace ts::agent {

/// Method "tar": KSK/CSK rollovers follow RFC 5011 with the zone's hold-downs.
void island_policy(const ZoneSpec& s, RolloverPolicy& p);
/// Method "tar": what every repository target was confirmed to serve (durable record).
void add_anchor_view(const ZoneSpec& s, const ZoneRecord& rec, ParentView& v);

}  // namespace ts::agent
