// Parent sync findings -> audit records and the DS-state gauge (see daemon_parent_events.h).
#include "agent/daemon_parent_events.h"

#include "agent/audit_log.h"

namespace ts::agent {

void ParentEventBridge::alert(const AlertEvent& e, bool firing) {
  std::string state;
  {
    std::lock_guard lock(mu_);
    auto& zone = active_[e.zone];
    if (firing)
      zone[dedup_key(e)] = e.kind;
    else
      zone.erase(dedup_key(e));
  }
  DaemonEvents& ev = events_();
  if (e.kind == AlertKind::RogueDs) {
    JsonFields details{{"ds", e.subject},
                       {"state", std::string(firing ? "found" : "gone")},
                       {"summary", e.summary}};
    for (const Evidence& x : e.evidence)
      details.push_back({"evidence", x.source + ": " + x.observation});
    ev.audit(AuditRecord{AuditEvent::RogueDsFound, e.zone, kAuditActorAgent, std::move(details)});
  }
  ev.ds_state(e.zone, ds_state(e.zone));
  ev.alert(e, firing);
}

void ParentEventBridge::observed(const std::string& zone, UnixTime when) {
  DaemonEvents& ev = events_();
  ev.parent_observed(zone, when);
  ev.ds_state(zone, ds_state(zone));
}

std::string ParentEventBridge::ds_state(const std::string& zone) const {
  std::lock_guard lock(mu_);
  auto it = active_.find(zone);
  if (it == active_.end()) return "ok";
  bool missing = false, inconsistent = false;
  for (const auto& [key, kind] : it->second) {
    if (kind == AlertKind::RogueDs) return "rogue";
    if (kind == AlertKind::DsMissing) missing = true;
    if (kind == AlertKind::DsInconsistent) inconsistent = true;
  }
  return missing ? "missing" : inconsistent ? "inconsistent" : "ok";
}

}  // namespace ts::agent
