// `trustsync status`: every key with state, role, algorithm and tag, the rollovers in
// progress, the next event and what the zone waits for, in words an operator can act on.
#include <sstream>

#include "agent/daemon.h"
#include "agent/daemon_childscan.h"
#include "agent/daemon_managed.h"
#include "agent/daemon_parent.h"
#include "agent/daemon_tar.h"
#include "agent/key_timing.h"
#include "agent/rollover_planner.h"

namespace ts::agent {
namespace {

/// What the operator can do about the zone's waits (manual parent confirmation).
std::string operator_hint(const std::string& zone, const ZoneRecord& r, UnixTime now) {
  std::string out;
  for (const auto& k : r.keys.keys) {
    if (!k.has_ksk_duty()) continue;
    DsState ds = ds_state_at(k, now);
    bool seen_confirmed = r.ds_seen.count({k.algorithm, k.tag}) > 0;
    bool gone_confirmed = r.ds_gone.count({k.algorithm, k.tag}) > 0;
    std::string tag = std::to_string(k.tag);
    if (ds == DsState::Submitted && !seen_confirmed)
      out += (out.empty() ? "" : "; ") + std::string("publish the DS for ") +
             std::string(to_string(k.role)) + " " + tag + " (algorithm " +
             std::to_string(k.algorithm) + ") at the parent of " + zone +
             ", then run `trustsync ds-seen " + zone + " " + tag + "`";
    if (ds == DsState::Withdrawn && !gone_confirmed)
      out += (out.empty() ? "" : "; ") + std::string("remove the DS for ") +
             std::string(to_string(k.role)) + " " + tag + " from the parent of " + zone +
             ", then run `trustsync ds-seen --gone " + zone + " " + tag + "`";
  }
  return out;
}

/// Keys shown: all but removed ones, except a removed KSK whose DS removal is not confirmed.
bool listed(const KeyRecord& k, UnixTime now) {
  if (!k.removed || *k.removed > now) return true;
  return k.has_ksk_duty() && k.ds_withdrawn && !k.ds_gone;
}

struct NextEvent {
  std::string kind;
  UnixTime at = kNever;
};

NextEvent next_event(Scheduler& s, const std::string& zone) {
  NextEvent n;
  for (EventKind k :
       {EventKind::Maintain, EventKind::Resign, EventKind::Rollover, EventKind::Retry}) {
    auto t = s.pending(zone, k);
    if (t && *t < n.at) n = {to_string(k), *t};
  }
  return n;
}

}  // namespace

std::string Daemon::status_text(const std::string& zone) const {
  std::ostringstream o;
  UnixTime now = clock_.now();
  std::vector<std::shared_ptr<ZoneRt>> list;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, z] : zones_)
      if (zone.empty() || name == zone) list.push_back(z);
  }
  if (list.empty() && !zone.empty()) return "";
  for (const auto& zp : list) {
    std::lock_guard lock(zp->mu);
    const ZoneRecord& r = zp->rec;
    o << "zone " << zp->spec.name << "\n";
    o << "  status:  " << (zp->last_error.empty() ? "ok" : "error: " + zp->last_error) << "\n";
    o << "  serial:  " << r.keys.serial << ", signed "
      << (r.signed_at ? iso_time(r.signed_at) : "never") << ", signatures expire "
      << (r.expires ? iso_time(r.expires) : "-") << "\n";
    for (const auto& k : r.keys.keys) {
      if (!listed(k, now)) continue;
      o << "  key " << to_string(k.role) << " " << k.tag << "  algorithm " << int(k.algorithm)
        << "  state " << to_string(state_at(k, now));
      if (k.has_ksk_duty()) o << "  ds " << to_string(ds_state_at(k, now));
      if (reached(k.revoked, now)) o << "  revoked (RFC 5011)";
      o << "  id " << k.id << "\n";
    }
    for (const auto& ro : r.keys.rollovers)
      o << "  rollover " << to_string(ro.kind) << ": " << to_string(ro.phase) << " since "
        << iso_time(ro.updated) << "\n";
    NextEvent n = next_event(*sched_, zp->spec.name);
    o << "  next:    " << (n.at == kNever ? "none" : n.kind + " at " + iso_time(n.at)) << "\n";
    if (!r.keys.waiting_for.empty()) o << "  waiting: " << r.keys.waiting_for << "\n";
    if (parent_) o << parent_->status_text(zp->spec.name);            // branch parent
    o << children_status_text(managed_->children_of(zp->spec.name));  // managed children
    for (const auto& c : managed_->pending_of(zp->spec.name))
      o << "  child:   " << c << " DS unknown (managed; this zone is not signed until known)\n";
    if (childscan_) o << childscan_->status_text(zp->spec.name);  // childscan
    o << tar_->status_text(zp->spec.name);                        // trust-anchor repositories
    std::string hint = zp->spec.parent.observed() || zp->spec.parent.method == "tar"
                           ? ""
                           : operator_hint(zp->spec.name, r, now);
    if (!hint.empty()) o << "  action:  " << hint << "\n";
  }
  return o.str();
}

std::string Daemon::status_json(const std::string& zone) const {
  UnixTime now = clock_.now();
  std::vector<std::shared_ptr<ZoneRt>> list;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, z] : zones_)
      if (zone.empty() || name == zone) list.push_back(z);
  }
  if (list.empty() && !zone.empty()) return "";
  std::string o = "{\"now\":" + std::to_string(now) + ",\"zones\":[";
  bool first_zone = true;
  for (const auto& zp : list) {
    std::lock_guard lock(zp->mu);
    const ZoneRecord& r = zp->rec;
    if (!first_zone) o += ",";
    first_zone = false;
    o += "{\"zone\":" + json_quote(zp->spec.name) +
         ",\"status\":" + json_quote(zp->last_error.empty() ? "ok" : "error") +
         ",\"error\":" + json_quote(zp->last_error) +
         ",\"serial\":" + std::to_string(r.keys.serial) +
         ",\"signed_at\":" + std::to_string(r.signed_at) +
         ",\"expires\":" + std::to_string(r.expires) +
         ",\"resign_at\":" + std::to_string(r.resign_at) + ",\"keys\":[";
    bool first = true;
    for (const auto& k : r.keys.keys) {
      if (!listed(k, now)) continue;
      if (!first) o += ",";
      first = false;
      o += "{\"id\":" + json_quote(k.id) +
           ",\"role\":" + json_quote(std::string(to_string(k.role))) +
           ",\"algorithm\":" + std::to_string(k.algorithm) + ",\"tag\":" + std::to_string(k.tag) +
           ",\"state\":" + json_quote(std::string(to_string(state_at(k, now))));
      if (k.has_ksk_duty())
        o += ",\"ds\":" + json_quote(std::string(to_string(ds_state_at(k, now))));
      if (reached(k.revoked, now)) o += ",\"revoked\":true";
      o += "}";
    }
    o += "],\"rollovers\":[";
    first = true;
    for (const auto& ro : r.keys.rollovers) {
      if (!first) o += ",";
      first = false;
      o += "{\"kind\":" + json_quote(std::string(to_string(ro.kind))) +
           ",\"phase\":" + json_quote(std::string(to_string(ro.phase))) +
           ",\"since\":" + std::to_string(ro.updated) + "}";
    }
    NextEvent n = next_event(*sched_, zp->spec.name);
    o += "],\"next_event\":" + json_quote(n.kind) +
         ",\"next_event_at\":" + (n.at == kNever ? std::string("null") : std::to_string(n.at)) +
         ",\"waiting_for\":" + json_quote(r.keys.waiting_for) + ",\"action\":" +
         json_quote(zp->spec.parent.observed() || zp->spec.parent.method == "tar"
                        ? ""
                        : operator_hint(zp->spec.name, r, now)) +
         ",\"parent\":" + (parent_ ? parent_->status_json(zp->spec.name) : "null") +  // parent
         ",\"trust_anchors\":" + json_quote(tar_->status_text(zp->spec.name)) +
         ",\"children\":" + children_status_json(managed_->children_of(zp->spec.name)) + "}";
  }
  return o + "]}\n";
}

}  // namespace ts::agent
