// Rollover planner: one step() = observe the parent, advance every rollover as far as time
// allows, start the rollovers that are due, report what to do and when to come back.
#include "agent/rollover_planner.h"

#include <algorithm>

#include "agent/rollover_steps.h"

namespace ts::agent {
namespace {

using internal::key_name;
using internal::StepContext;

std::string_view slot(RolloverKind kind) {
  switch (kind) {
    case RolloverKind::Zsk:
      return "zsk";
    case RolloverKind::KskDoubleKsk:
    case RolloverKind::KskDoubleDs:
    case RolloverKind::KskRfc5011:
      return "ksk";
    case RolloverKind::Csk:
    case RolloverKind::CskRfc5011:
      return "csk";
    default:
      return "all";
  }
}

bool conflicts(const ZoneKeyState& z, RolloverKind kind) {
  for (const auto& r : z.rollovers)
    if (slot(r.kind) == "all" || slot(kind) == "all" || slot(r.kind) == slot(kind)) return true;
  return false;
}

bool is_new_key(const ZoneKeyState& z, const std::string& id) {
  for (const auto& r : z.rollovers)
    if (std::find(r.new_keys.begin(), r.new_keys.end(), id) != r.new_keys.end()) return true;
  return false;
}

/// Keys of `role` currently signing (active, not retired, not removed), newest first.
std::vector<const KeyRecord*> signing_keys(const ZoneKeyState& z, std::optional<KeyRole> role) {
  std::vector<const KeyRecord*> out;
  for (const auto& k : z.keys)
    if ((!role || k.role == *role) && k.active && !k.retired && !k.removed && !is_new_key(z, k.id))
      out.push_back(&k);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return *a->active > *b->active; });
  return out;
}

Transition start(ZoneKeyState& z, RolloverKind kind, const RolloverPolicy& policy, UnixTime now,
                 const std::string& reason) {
  Rollover r;
  r.kind = kind;
  r.phase = Phase::NeedKeys;
  r.algorithm = policy.algorithm;
  r.started = r.updated = now;
  std::optional<KeyRole> role;
  if (kind == RolloverKind::Zsk) role = KeyRole::ZSK;
  if (kind == RolloverKind::KskDoubleKsk || kind == RolloverKind::KskDoubleDs ||
      kind == RolloverKind::KskRfc5011)
    role = KeyRole::KSK;
  if (kind == RolloverKind::Csk || kind == RolloverKind::CskRfc5011) role = KeyRole::CSK;
  if (kind != RolloverKind::Initial) {
    for (const auto* k : signing_keys(z, role)) r.old_keys.push_back(k->id);
    if (kind == RolloverKind::Algorithm)  // every live key goes, signing or not
      for (const auto& k : z.keys)
        if (!k.removed && std::find(r.old_keys.begin(), r.old_keys.end(), k.id) == r.old_keys.end())
          r.old_keys.push_back(k.id);
  }
  z.rollovers.push_back(r);
  return {now, std::string(to_string(kind)) + " rollover", "idle", "need-keys", reason};
}

RolloverKind ksk_kind(const RolloverPolicy& p) {
  if (p.rfc5011) return RolloverKind::KskRfc5011;
  return p.ksk_method == KskMethod::DoubleDs ? RolloverKind::KskDoubleDs
                                             : RolloverKind::KskDoubleKsk;
}

RolloverKind csk_kind(const RolloverPolicy& p) {
  return p.rfc5011 ? RolloverKind::CskRfc5011 : RolloverKind::Csk;
}

/// Starts what is due; returns true when it started something.
bool schedule(StepContext& c) {
  ZoneKeyState& z = c.zone;
  const RolloverPolicy& p = c.policy;
  auto all = signing_keys(z, std::nullopt);
  if (all.empty() && z.rollovers.empty()) {
    c.plan.transitions.push_back(
        start(z, RolloverKind::Initial, p, c.now, "zone has no signing keys"));
    return true;
  }
  for (const auto* k : all) {
    bool layout_ok = p.csk ? k->role == KeyRole::CSK : k->role != KeyRole::CSK;
    if (k->algorithm != p.algorithm || !layout_ok) {
      if (!z.rollovers.empty()) return false;  // let the others finish first
      c.plan.transitions.push_back(
          start(z, RolloverKind::Algorithm, p, c.now,
                key_name(*k) + " (algorithm " + std::to_string(k->algorithm) +
                    ") does not match the policy (algorithm " + std::to_string(p.algorithm) +
                    (p.csk ? ", CSK" : ", KSK+ZSK") + ")"));
      return true;
    }
  }
  struct Due {
    KeyRole role;
    RolloverKind kind;
    const Schedule& lifetime;
  };
  std::vector<Due> roles;
  if (p.csk) {
    roles.push_back({KeyRole::CSK, csk_kind(p), p.csk_lifetime});
  } else {
    roles.push_back({KeyRole::KSK, ksk_kind(p), p.ksk_lifetime});
    roles.push_back({KeyRole::ZSK, RolloverKind::Zsk, p.zsk_lifetime});
  }
  bool started = false;
  for (const auto& d : roles) {
    if (!d.lifetime.next || conflicts(z, d.kind)) continue;
    auto keys = signing_keys(z, d.role);
    if (keys.empty()) continue;
    UnixTime due = d.lifetime.next(*keys.front()->active);
    if (c.now >= due) {
      c.plan.transitions.push_back(start(z, d.kind, p, c.now,
                                         key_name(*keys.front()) + " reached the end of its "
                                                                   "lifetime"));
      started = true;
    } else {
      c.plan.next_check = std::min(c.plan.next_check, due);
      if (!c.plan.waiting_for.empty()) c.plan.waiting_for += "; ";
      c.plan.waiting_for += "the next " + std::string(to_string(d.role)) + " rollover (due in " +
                            format_duration(due - c.now) + ")";
    }
  }
  return started;
}

void observe_parent(StepContext& c) {
  for (auto& k : c.zone.keys) {
    if (!k.has_ksk_duty()) continue;
    std::string how = c.policy.rfc5011 && c.parent.anchor_since.count({k.algorithm, k.tag})
                          ? "trust anchor served by every repository target"
                      : c.parent.all_servers ? "served by every parent server"
                                             : "confirmed";
    if (ds_wanted(k) && !k.ds_seen) {
      if (auto since = c.parent.seen_since(k.algorithm, k.tag)) {
        k.ds_seen = std::min(std::max(*since, *k.ds_submitted), c.now);
        c.log("DS " + std::to_string(k.tag), "submitted", "seen", "parent " + how);
      }
    }
    if (k.ds_withdrawn && !k.ds_gone) {
      if (auto since = c.parent.gone_since(k.algorithm, k.tag)) {
        k.ds_gone = std::min(std::max(*since, *k.ds_withdrawn), c.now);
        c.log("DS " + std::to_string(k.tag), "withdrawn", "gone", "absence " + how);
      }
    }
  }
}

}  // namespace

Plan step(ZoneKeyState& zone, const RolloverPolicy& policy, const Timing& timing, UnixTime now,
          const ParentView& parent) {
  Plan plan;
  internal::Terms terms = internal::terms_at(zone, timing, now);
  StepContext c(zone, policy, terms, now, parent, plan);
  observe_parent(c);
  for (int pass = 0; pass < 64; ++pass) {
    plan.next_check = kNever;
    plan.waiting_for.clear();
    c.wanted_keys.clear();
    bool progress = false;
    for (auto& r : zone.rollovers)
      while (r.phase != Phase::Done && internal::advance(c, r)) progress = true;
    std::erase_if(zone.rollovers, [](const Rollover& r) { return r.phase == Phase::Done; });
    if (schedule(c)) progress = true;
    if (!progress) break;
  }
  plan.actions.insert(plan.actions.end(), c.wanted_keys.begin(), c.wanted_keys.end());
  zone.next_event = plan.next_check;
  zone.waiting_for = plan.waiting_for;
  return plan;
}

Status add_key(ZoneKeyState& zone, const RolloverPolicy& policy, KeyRecord key, UnixTime now) {
  for (const auto& k : zone.keys) {
    if (k.id == key.id) return fail("key " + key.id + " is already in zone " + zone.zone);
    if (!k.removed && k.algorithm == key.algorithm && k.tag == key.tag)
      return fail("zone " + zone.zone + ": key tag " + std::to_string(key.tag) +
                  " collides with key " + k.id + "; use another key");
  }
  for (auto& r : zone.rollovers) {
    if (r.phase != Phase::NeedKeys || r.algorithm != key.algorithm) continue;
    for (KeyRole role : internal::wanted_roles(r.kind, policy)) {
      if (role != key.role) continue;
      bool have = false;
      for (const auto& id : r.new_keys)
        if (const KeyRecord* k = zone.find_key(id); k && k->role == role) have = true;
      if (have) continue;
      if (!key.generated) key.generated = now;
      r.new_keys.push_back(key.id);
      zone.keys.push_back(std::move(key));
      return {};
    }
  }
  return fail("zone " + zone.zone + ": no rollover waits for a " +
              std::string(to_string(key.role)) + " of algorithm " + std::to_string(key.algorithm));
}

Result<Transition> request_rollover(ZoneKeyState& zone, const RolloverPolicy& policy, KeyRole role,
                                    UnixTime now) {
  RolloverKind kind = role == KeyRole::ZSK   ? RolloverKind::Zsk
                      : role == KeyRole::CSK ? csk_kind(policy)
                                             : ksk_kind(policy);
  if (conflicts(zone, kind))
    return fail("zone " + zone.zone + ": a rollover that touches the " +
                std::string(to_string(role)) + " is already in progress");
  if (signing_keys(zone, role).empty())
    return fail("zone " + zone.zone + " has no signing " + std::string(to_string(role)));
  return start(zone, kind, policy, now, "requested by the operator");
}

void mark_applied(ZoneKeyState& zone, UnixTime now) {
  zone.applied_through = std::max(zone.applied_through, now);
}

std::vector<Transition> restamp_unapplied(ZoneKeyState& zone, UnixTime now) {
  struct Field {
    const char* name;
    std::optional<UnixTime> KeyRecord::*field;
  };
  // actions the agent carries out (observations such as ds_seen are not restamped)
  constexpr Field fields[] = {{"published", &KeyRecord::published},
                              {"active", &KeyRecord::active},
                              {"retired", &KeyRecord::retired},
                              {"removed", &KeyRecord::removed},
                              {"ds_submitted", &KeyRecord::ds_submitted},
                              {"ds_withdrawn", &KeyRecord::ds_withdrawn},
                              {"revoked", &KeyRecord::revoked}};
  std::vector<Transition> log;
  for (auto& k : zone.keys) {
    for (const auto& f : fields) {
      auto& t = k.*(f.field);
      // stamped at the applied instant itself is ambiguous (two ticks in one second): restamp
      if (!t || *t < zone.applied_through || *t >= now) continue;
      log.push_back({now, key_name(k), std::string(f.name) + " at " + std::to_string(*t),
                     std::string(f.name) + " at " + std::to_string(now),
                     "not known to be live before the restart"});
      t = now;
    }
    if (k.ds_seen && k.ds_submitted && *k.ds_seen < *k.ds_submitted) k.ds_seen = k.ds_submitted;
    if (k.ds_gone && k.ds_withdrawn && *k.ds_gone < *k.ds_withdrawn) k.ds_gone = k.ds_withdrawn;
    if (k.ready && k.published && *k.ready < *k.published) k.ready.reset();
  }
  return log;  // still not applied: a second crash before mark_applied() restamps again
}

void purge_removed(ZoneKeyState& zone, UnixTime before) {
  std::erase_if(zone.keys, [&](const KeyRecord& k) {
    if (!k.removed || *k.removed >= before || ds_wanted(k)) return false;
    if (k.ds_withdrawn && !k.ds_gone) return false;
    for (const auto& r : zone.rollovers)
      for (const auto* ids : {&r.old_keys, &r.new_keys})
        if (std::find(ids->begin(), ids->end(), k.id) != ids->end()) return false;
    return true;
  });
}

std::vector<DsId> wanted_ds(const ZoneKeyState& zone) {
  std::vector<DsId> out;
  for (const auto& k : zone.keys)
    if (k.has_ksk_duty() && ds_wanted(k)) out.push_back({k.algorithm, k.tag});
  return out;
}

}  // namespace ts::agent
