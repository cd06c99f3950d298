// The daemon's state-changing control commands (from the control socket and SIGHUP):
// rollover, ds-seen, reload, zone add/remove. Each takes the zone's lock, saves durably,
// and audits what it changed.
#include <cctype>

#include "agent/audit_actor.h"
#include "agent/daemon_internal.h"
#include "agent/daemon_parent.h"
#include "agent/rollover_planner.h"

namespace ts::agent {

Status Daemon::rollover(const std::string& zone, const std::string& role_text) {
  auto z = find(zone);
  if (!z) return fail("no zone " + zone);
  std::string upper = role_text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto role = key_role_from_string(upper);
  if (!role) return fail("unknown key role '" + role_text + "' (ksk, zsk or csk)");
  {
    std::lock_guard lock(z->mu);
    UnixTime now = clock_.now();
    ZoneRecord before = z->rec;
    auto t = request_rollover(z->rec.keys, planner_policy(z->spec), *role, now);
    if (!t) return t.error();
    if (Status s = store_->save(z->rec, std::vector<Transition>{*t}); !s) {
      z->rec = before;
      return s;
    }
    log_transitions(zone, std::vector<Transition>{*t});
    events_->zone_saved(z->spec, before, z->rec, now, "rollover command");  // alertwire
  }
  sched_->schedule(clock_.now(), zone, EventKind::Maintain);
  return {};
}

Status Daemon::ds_seen(const std::string& zone, uint16_t tag, bool gone) {
  auto z = find(zone);
  if (!z) return fail("no zone " + zone);
  {
    std::lock_guard lock(z->mu);
    if (z->spec.parent.observed())  // branch parent
      return fail("zone " + zone + ": the parent is observed (parent method \"" +
                  z->spec.parent.method +
                  "\"): DS changes are confirmed automatically; see `trustsync status " + zone +
                  "` (use method \"manual\" to confirm by hand)");
    UnixTime now = clock_.now();
    const KeyRecord* key = nullptr;
    for (const auto& k : z->rec.keys.keys)
      if (k.tag == tag && k.has_ksk_duty() && (gone ? k.ds_withdrawn : k.ds_submitted)) key = &k;
    if (!key)
      return fail("zone " + zone + ": no KSK/CSK with tag " + std::to_string(tag) + " whose DS " +
                  (gone ? "was withdrawn" : "was submitted") + " (see trustsync status)");
    ZoneRecord before = z->rec;
    DsId id{key->algorithm, tag};
    (gone ? z->rec.ds_gone : z->rec.ds_seen)[id] = now;
    (gone ? z->rec.ds_seen : z->rec.ds_gone).erase(id);
    Transition t{now, "DS " + std::to_string(tag), gone ? "withdrawn" : "submitted",
                 gone ? "confirmed-gone" : "confirmed-seen", "operator confirmation (ds-seen)"};
    if (Status s = store_->save(z->rec, {t}); !s) {
      z->rec = before;
      return s;
    }
    log_transitions(zone, {t});
    events_->zone_saved(z->spec, before, z->rec, now, "ds-seen command");  // alertwire
  }
  sched_->schedule(clock_.now(), zone, EventKind::Maintain);
  return {};
}

Status Daemon::reload() {
  auto dyn = store_->dynamic_zones();
  if (!dyn) return dyn.error();
  auto cfg = load_daemon_config(cfg_.path, *dyn);
  if (!cfg) return cfg.error();
  for (const auto& w : cfg->warnings) log_.warn("", w);
  log_.info("", "configuration reloaded", {{"zones", std::to_string(cfg->zones.size())}});
  Status applied = apply_config(std::move(*cfg));  // applied even when it reports a failure
  events_->config_loaded(cfg_, "reload");          // alertwire
  return applied;
}

Status Daemon::zone_add(const DynamicZone& dz) {
  if (find(dz.name)) return fail("zone " + dz.name + " is already managed");
  if (Status s = store_->add_dynamic_zone(dz); !s) return s;
  if (Status s = reload(); !s) {
    if (find(dz.name)) return fail("zone " + dz.name + " added, but: " + s.error().message);
    (void)store_->remove_dynamic_zone(dz.name);  // not applied: undone
    return s;
  }
  return {};
}

Status Daemon::zone_remove(const std::string& zone) {
  auto z = find(zone);
  if (!z) return fail("no zone " + zone);
  if (!z->spec.dynamic)
    return fail("zone " + zone + " is defined in " + cfg_.path +
                "; remove it there and run `trustsync reload`");
  if (Status s = store_->remove_dynamic_zone(zone); !s) return s;
  return reload();
}

}  // namespace ts::agent
