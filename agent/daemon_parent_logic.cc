// Parent sync decisions (pure): keys -> parentsync keys, observation -> round.
#include "agent/daemon_parent_logic.h"

#include <algorithm>

#include "agent/key_timing.h"
#include "parentsync/presence.h"

namespace ts::agent {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

void add_wait(std::string& w, const std::string& what) {
  if (!w.empty()) w += "; ";
  w += what;
}

const ps::ParentView::KeyPresence* presence(const ps::ParentView& v, uint8_t alg, uint16_t tag) {
  for (const auto& k : v.keys)
    if (k.tag == tag && k.algorithm == alg) return &k;
  return nullptr;
}

bool contains(const std::vector<ps::Bytes>& set, const ps::Bytes& x) {
  return std::find(set.begin(), set.end(), x) != set.end();
}

std::string ds_subject(const ps::DsRecord& ds) {
  return "DS " + ds.rdata_text();
}

/// RolloverWaiting conditions: a DS change the planner waits for, older than alert-after.
void waiting_alerts(const RoundInput& in, std::vector<AlertEvent>& out) {
  for (const auto& k : in.keys->keys) {
    if (!k.has_ksk_duty()) continue;
    const std::string tag = std::to_string(k.tag);
    if (ds_wanted(k) && !k.ds_seen && in.now - *k.ds_submitted >= in.spec->alert_after)
      out.push_back({AlertKind::RolloverWaiting,
                     in.zone,
                     "DS " + tag,
                     "the parent has not served the DS of " + std::string(to_string(k.role)) + " " +
                         tag + " on every server for " + format_duration(in.now - *k.ds_submitted),
                     {},
                     "check the parent (method " + in.spec->method +
                         "); the rollover waits and never proceeds unsafely",
                     in.targets});
    if (k.ds_withdrawn && !k.ds_gone && in.now - *k.ds_withdrawn >= in.spec->alert_after)
      out.push_back({AlertKind::RolloverWaiting,
                     in.zone,
                     "DS " + tag,
                     "the parent still serves the withdrawn DS of " +
                         std::string(to_string(k.role)) + " " + tag + " after " +
                         format_duration(in.now - *k.ds_withdrawn),
                     {},
                     "remove the DS at the parent; the rollover waits",
                     in.targets});
  }
}

}  // namespace

std::vector<ps::OurKey> parent_keys(const ZoneKeyState& zone,
                                    const std::map<std::string, ps::Bytes>& rdata, UnixTime now) {
  std::vector<ps::OurKey> out;
  for (const auto& k : zone.keys) {
    if (!k.has_ksk_duty()) continue;
    auto it = rdata.find(k.id);
    if (it == rdata.end()) continue;
    ps::OurKey o;
    o.tag = k.tag;
    o.algorithm = k.algorithm;
    o.dnskey_rdata = it->second;
    if (ds_wanted(k)) {
      o.state = signs_dnskey_rrset(k, now) ? ps::KeyState::Active : ps::KeyState::Published;
      o.ds_submitted = true;
    } else if (k.ds_withdrawn || k.removed || k.retired) {
      o.state = ps::KeyState::Retired;
    } else {
      o.state = k.published ? ps::KeyState::Published : ps::KeyState::Planned;
    }
    out.push_back(std::move(o));
  }
  return out;
}

ParentRound assess_round(const RoundInput& in, const std::vector<ps::OurKey>& ours,
                         const ps::ParentObservation& obs, const ChainCheck& chain) {
  ParentRound r;
  auto child = Name::from_text(in.zone);
  r.view = ps::assess_ds(child ? *child : Name(), ours, obs);
  r.present_since = in.present_since;
  r.absent_since = in.absent_since;
  ps::track_presence(r.view, in.now, r.present_since, r.absent_since);

  // The chain must validate through the resolver (with the key itself once it is in the
  // DNSKEY RRset) before a DS counts as seen.
  for (const auto& k : in.keys->keys) {
    if (!k.has_ksk_duty()) continue;
    DsId id{k.algorithm, k.tag};
    if (!r.present_since.count(id) || in.present_since.count(id)) continue;
    const ps::OurKey* o = nullptr;
    for (const auto& x : ours)
      if (x.tag == k.tag && x.algorithm == k.algorithm) o = &x;
    bool ok = chain.secure && o &&
              (!in_dnskey_rrset(k, in.now) || contains(chain.dnskeys, o->dnskey_rdata));
    if (!ok) r.present_since.erase(id);
  }

  // What the zone waits for at the parent, in words.
  if (r.view.parent_insecure)
    add_wait(r.waiting,
             "the parent zone is unsigned (insecure in the validated view): no DS can "
             "secure " +
                 in.zone +
                 "; trust anchors are needed: parent method \"tar\" with "
                 "`trust-anchors` targets (a trust-anchor repository, DLV)");
  for (const auto& u : r.view.unreachable)
    add_wait(r.waiting, "parent server " + u +
                            " does not answer: no DS change is confirmed or "
                            "sent until every parent server answers");
  for (const auto& b : r.view.bogus)
    add_wait(r.waiting, "parent server " + b + " serves a DS RRset that does not validate");
  for (const auto& k : in.keys->keys) {
    if (!k.has_ksk_duty()) continue;
    const std::string name = std::string(to_string(k.role)) + " " + std::to_string(k.tag);
    const auto* p = presence(r.view, k.algorithm, k.tag);
    if (ds_wanted(k) && !k.ds_seen) {
      if (r.present_since.count({k.algorithm, k.tag})) continue;  // confirmed this round
      std::string w = "DS of " + name + ": served validly by " +
                      std::to_string(p ? p->secure_servers.size() : 0) + "/" +
                      std::to_string(r.view.server_count) + " parent server(s)";
      for (const auto& m : r.view.missing)
        if (m.tag == k.tag && !m.absent_from.empty()) w += ", missing on " + join(m.absent_from);
      if (p && !p->in_validated_view) w += ", not yet in the validated view";
      if (!chain.secure)
        w += ", and " + in.zone + " DNSKEY does not validate through the resolver (" + chain.why +
             ")";
      else if (p && p->secure_servers.size() == r.view.server_count && p->in_validated_view)
        w += ", and the resolver does not yet validate " + in.zone + " DNSKEY with it";
      add_wait(r.waiting, w + "; waiting for every parent server");
    }
    if (k.ds_withdrawn && !k.ds_gone && !r.absent_since.count({k.algorithm, k.tag})) {
      std::string w = "withdrawn DS of " + name + " still served";
      if (p && !p->any_servers.empty()) w += " by " + join(p->any_servers);
      if (p && p->in_view) w += " and in the validated view";
      add_wait(r.waiting, w);
    }
  }

  // Alert conditions.
  if (r.view.parent_insecure && in.spec->method != "tar")
    r.alerts.push_back({AlertKind::DsMissing,
                        in.zone,
                        "parent insecure",
                        "the parent of " + in.zone +
                            " is unsigned: no DS can carry trust to it, validators see it "
                            "insecure",
                        {{"validated lookup", "the parent zone is insecure"}},
                        "publish trust anchors instead: parent method \"tar\" with "
                        "`trust-anchors` targets (RFC 5011 rollovers)",
                        in.targets});
  for (const auto& f : r.view.rogue) {
    AlertEvent e{AlertKind::RogueDs,
                 in.zone,
                 ds_subject(f.ds),
                 "rogue DS at the parent: " + f.describe(child ? *child : Name()),
                 {},
                 "",
                 in.targets};
    for (const auto& s : f.servers) e.evidence.push_back({s, ds_subject(f.ds)});
    e.action =
        in.spec->method == "managed"  // the parent's DS set is the agent's own
            ? "the agent re-signs the parent zone without it (managed); check who "
              "changed the parent's served data"
            : in.spec->remove_rogue
                  ? "the agent removes it (remove-rogue = true); check who "
                    "added it and rotate the parent's credentials if needed"
                  : "remove it at the parent (remove-rogue is off for " + in.spec->method + ")";
    r.alerts.push_back(std::move(e));
  }
  for (const auto& m : r.view.missing) {
    const KeyRecord* k = nullptr;
    for (const auto& x : in.keys->keys)
      if (x.tag == m.tag && x.has_ksk_duty() && ds_wanted(x)) k = &x;
    if (!k || !k->ds_seen) continue;  // not yet confirmed once: the rollover waits instead
    AlertEvent e{AlertKind::DsMissing,
                 in.zone,
                 "DS " + std::to_string(m.tag),
                 m.describe(child ? *child : Name()),
                 {},
                 "",
                 in.targets};
    for (const auto& s : m.absent_from)
      e.evidence.push_back({s, "no DS of key " + std::to_string(m.tag)});
    e.action = in.spec->publishes() ? "the agent re-submits it; check the parent if it persists"
                                    : "publish the DS at the parent again";
    r.alerts.push_back(std::move(e));
  }
  bool split = !r.view.servers_agree && !r.view.parent_insecure;
  if (split && in.disagree_for >= in.parent_prop) {
    AlertEvent e{AlertKind::DsInconsistent,
                 in.zone,
                 "parent servers",
                 "the parent's servers disagree about the DS RRset (or do not answer) for " +
                     format_duration(in.disagree_for),
                 {},
                 "",
                 in.targets};
    for (const auto& s : obs.servers) {
      std::string what = !s.answered ? "no answer: " + s.error : "";
      if (s.answered) {
        what = std::string(ps::to_string(s.validation)) + ",";
        for (const auto& ds : s.ds) what += " " + std::to_string(ds.key_tag);
        if (s.ds.empty()) what += " no DS";
      }
      e.evidence.push_back({s.server, what});
    }
    r.alerts.push_back(std::move(e));
  }
  waiting_alerts(in, r.alerts);

  ps::CorrectionPolicy cp;
  cp.remove_rogue = in.spec->remove_rogue;
  r.correction = ps::plan_correction(child ? *child : Name(), ours, obs, r.view, cp);
  return r;
}

ParentRound unobservable_round(const RoundInput& in, const std::string& error) {
  ParentRound r;
  // Keep only what the planner already latched; confirm nothing new.
  for (const auto& k : in.keys->keys) {
    DsId id{k.algorithm, k.tag};
    if (auto it = in.present_since.find(id); it != in.present_since.end() && k.ds_seen)
      r.present_since.insert(*it);
    if (auto it = in.absent_since.find(id); it != in.absent_since.end() && k.ds_gone)
      r.absent_since.insert(*it);
  }
  r.waiting = "the parent cannot be observed (" + error +
              "): no DS change is confirmed or sent until it can";
  if (in.disagree_for >= in.parent_prop)
    r.alerts.push_back({AlertKind::DsInconsistent,
                        in.zone,
                        "parent servers",
                        "the parent of " + in.zone + " cannot be observed for " +
                            format_duration(in.disagree_for) + ": " + error,
                        {},
                        "check the parent's name servers and the resolver",
                        in.targets});
  waiting_alerts(in, r.alerts);
  return r;
}

ps::Correction desired_ds(const std::string& zone, const ParentSpec& spec,
                          const std::vector<ps::OurKey>& ours, const ps::ParentObservation& obs) {
  auto child = Name::from_text(zone);
  ps::ParentView v = ps::assess_ds(child ? *child : Name(), ours, obs);
  ps::CorrectionPolicy cp;
  cp.remove_rogue = spec.remove_rogue;
  return ps::plan_correction(child ? *child : Name(), ours, obs, v, cp);
}

}  // namespace ts::agent
