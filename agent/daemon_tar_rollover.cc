// The daemon's side of the island (RFC 5011) rollover, parent method "tar": the planner
// policy (hold-downs, probe interval), the planner's view of the trust-anchor repositories
// (what EVERY target was confirmed to serve, from the zone's durable record), and the pass
// step that publishes the anchor document, records the confirmations durably and runs the
// planner again when they open a gate. Without method "tar" a zone's targets are published
// to as before (agent/daemon_tar.h) and its KSK rollovers are gated on the parent's DS.
#include <algorithm>

#include "agent/daemon_internal.h"
#include "agent/daemon_tar.h"
#include "agent/daemon_tar_rollover.h"
#include "signer/keystore.h"

namespace ts::agent {

void island_policy(const ZoneSpec& s, RolloverPolicy& p) {
  p.rfc5011 = s.parent.method == "tar";
  p.add_holddown = s.tar_add_holddown;
  p.remove_holddown = s.tar_remove_holddown;
  p.probe_interval = s.tar_probe;
}

void add_anchor_view(const ZoneSpec& s, const ZoneRecord& rec, ParentView& v) {
  if (s.parent.method != "tar") return;
  // Confirmed by another list of targets (one added or replaced since): no gate opens until
  // a round over this list confirms them (DaemonTar::publish, later in the same pass).
  if (rec.anchor_for != anchor_targets_id(s)) return;
  v.anchor_since = rec.anchor_current;
  v.anchor_ended_since = rec.anchor_ended;
  // For an island the anchor in every repository plays the DS's part (initial signing).
  for (const auto& [id, since] : rec.anchor_current) v.present_since.emplace(id, since);
  v.all_servers = true;  // confirmations come from reading back every target
}

Status Daemon::publish_anchors(ZoneRt& z, UnixTime now) {
  const ZoneSpec& spec = z.spec;
  if (spec.trust_anchor_targets.empty()) return {};
  ZoneRecord before = z.rec;
  TarPass p = tar_->publish(spec, z.rec, *keystore_, now);
  if (p.record_changed) {
    std::vector<Transition> ts;
    if (p.anchors_changed) {
      std::string cur, ended;
      for (const auto& [id, t] : z.rec.anchor_current) cur += " " + std::to_string(id.second);
      for (const auto& [id, t] : z.rec.anchor_ended) ended += " " + std::to_string(id.second);
      ts.push_back({now, "trust anchors", "", "current:" + cur + "; ended:" + ended,
                    "every repository target read back and compared"});
    }
    if (Status s = store_->save(z.rec, ts); !s) return s;
    log_transitions(spec.name, ts);
    events_->zone_saved(spec, before, z.rec, now, "trust-anchors");  // audit, metrics
    // A gate of the island rollover may have opened: plan again now.
    if (p.anchors_changed && !z.rec.keys.rollovers.empty())
      sched_->schedule(now, spec.name, EventKind::Rollover);
  }
  if (p.next != 0) sched_->schedule(std::max(p.next, now), spec.name, EventKind::Maintain);
  return {};
}

}  // namespace ts::agent
