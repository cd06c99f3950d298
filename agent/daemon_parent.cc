// DaemonParent: observation, publication, alerts and status of the daemon's parent sync.
#include "agent/daemon_parent.h"

#include <algorithm>
#include <optional>

#include "agent/daemon_managed.h"
#include "parentsync/direct_ds.h"
#include "parentsync/primary.h"
#include "parentsync/publish_command.h"
#include "parentsync/publish_update.h"
#include "parentsync/validating_directory.h"
#include "resolver/resolver.h"
#include "signer/dnssec_records.h"
#include "signer/keystore.h"
#include "signer/zone.h"

namespace ts::agent {

struct DaemonParent::ZoneState {
  // Used under the daemon's zone lock only.
  std::unique_ptr<resolver::Resolver> resolver;
  ParentSpec resolver_spec;
  std::map<std::string, ps::Bytes> rdata;  // DNSKEY rdata by key id
  std::optional<ps::ParentObservation> last_obs;
  // Guarded by DaemonParent::mu_ (read by status from other threads).
  bool active = false;
  std::string method;
  bool forced = true;
  UnixTime next_poll = 0, next_publish = 0, observed_at = 0, disagree_since = 0;
  int publish_failures = 0;
  ParentSpec failed_spec;  // the settings the failures were made with (a reload retries at once)
  ParentSpec seen_spec;    // the settings of the last observe() call
  std::string waiting, publish_error, observe_error, last_publish;
  size_t servers = 0;
  bool agree = false;
  std::map<std::string, AlertEvent> firing;  // by dedup key
};

namespace {

constexpr int64_t kPublishBackoffMin = 5, kPublishBackoffMax = 3600;

ChainCheck check_chain(resolver::Resolver& r, const Name& child) {
  ChainCheck c;
  auto a = r.query(child, resolver::kTypeDNSKEY);
  if (!a) {
    c.why = a.error().message;
    return c;
  }
  c.secure = a->security == resolver::Security::Secure;
  if (!c.secure)
    c.why = std::string(resolver::security_name(a->security)) +
            (a->why_bogus.empty() ? "" : ": " + a->why_bogus);
  for (const auto& rec : a->records)
    if (rec.type == resolver::kTypeDNSKEY && rec.owner == child)
      c.dnskeys.emplace_back(rec.rdata.begin(), rec.rdata.end());
  return c;
}

std::string tags_of(const std::vector<ps::DsRecord>& set) {
  std::string s;
  for (const auto& ds : set) s += (s.empty() ? "" : " ") + std::to_string(ds.key_tag);
  return s.empty() ? "none" : s;
}

}  // namespace

DaemonParent::DaemonParent(const Clock& clock, Logger& log)
    : clock_(clock),
      log_(log),
      random_(std::make_unique<ps::SystemRandom>()),
      sleeper_(std::make_unique<ps::ThreadSleeper>()) {}

DaemonParent::~DaemonParent() = default;

void DaemonParent::set_alert_callback(ParentAlertCallback cb) {
  std::lock_guard lock(mu_);
  alert_ = std::move(cb);
}

DaemonParent::ZoneState& DaemonParent::state(const std::string& zone) {
  auto& p = zones_[zone];
  if (!p) p = std::make_unique<ZoneState>();
  return *p;
}

void DaemonParent::request_poll(const std::string& zone) {
  std::lock_guard lock(mu_);
  state(zone).forced = true;
}

UnixTime DaemonParent::next_event(const std::string& zone) const {
  std::lock_guard lock(mu_);
  auto it = zones_.find(zone);
  if (it == zones_.end() || !it->second->active) return kNever;
  const ZoneState& z = *it->second;
  UnixTime t = z.next_poll;
  if (z.publish_failures > 0) t = std::min(t, z.next_publish);
  return t;
}

// Raises the alerts of `kinds` that hold now and were not firing; resolves the firing ones
// of those kinds that no longer hold. mu_ held.
void DaemonParent::emit(ZoneState& z, const std::string& zone,
                        const std::vector<AlertEvent>& holding, const std::set<AlertKind>& kinds) {
  std::map<std::string, AlertEvent> now;
  for (const auto& e : holding) now.emplace(dedup_key(e), e);
  for (auto it = z.firing.begin(); it != z.firing.end();) {
    if (kinds.count(it->second.kind) && !now.count(it->first)) {
      log_.info(zone, std::string("alert resolved: ") + to_string(it->second.kind) + " " +
                          it->second.subject);
      if (alert_) alert_(it->second, false);
      it = z.firing.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [key, e] : now) {
    if (z.firing.count(key)) continue;
    LogFields f{{"alert", to_string(e.kind)}, {"subject", e.subject}};
    for (const auto& ev : e.evidence) f.push_back({ev.source, ev.observation});
    log_.warn(zone, "alert: " + e.summary, f);
    if (alert_) alert_(e, true);
    z.firing.emplace(key, e);
  }
}

std::map<std::string, ps::Bytes> DaemonParent::dnskeys(ZoneState& z, const ZoneSpec& spec,
                                                       const ZoneRecord& rec) {
  bool complete = true;
  for (const auto& k : rec.keys.keys)
    if (k.has_ksk_duty() && !z.rdata.count(k.id)) complete = false;
  if (complete) return z.rdata;
  auto origin = Name::from_text(spec.name);
  if (!origin || !keys_) return z.rdata;
  auto list = keys_->list(*origin);
  if (!list) {
    log_.warn(spec.name, "parent sync: key store: " + list.error().message);
    return z.rdata;
  }
  for (const auto& m : *list) z.rdata[m.id] = signer::dnskey_rdata(m);
  return z.rdata;
}

void DaemonParent::observe(const ZoneSpec& spec, ZoneRecord& rec, UnixTime now) {
  const ParentSpec& ps_spec = spec.parent;
  ZoneState* zp;
  {
    std::lock_guard lock(mu_);
    if (!ps_spec.observed()) {  // none / manual: keep no state (100,000-zone daemons)
      if (auto it = zones_.find(spec.name); it != zones_.end()) it->second->active = false;
      return;
    }
    zp = &state(spec.name);
    zp->active = ps_spec.observed();
    zp->method = ps_spec.method;
    if (!(zp->seen_spec == ps_spec)) zp->forced = true;  // new settings (reload): look now
    zp->seen_spec = ps_spec;
    if (!zp->active || (!zp->forced && now < zp->next_poll)) return;
    zp->forced = false;
    zp->next_poll = now + std::max<int64_t>(1, ps_spec.poll);
  }
  ZoneState& z = *zp;
  RoundInput in;
  in.zone = spec.name;
  in.spec = &ps_spec;
  in.keys = &rec.keys;
  in.present_since = rec.ds_seen;
  in.absent_since = rec.ds_gone;
  in.now = now;
  in.parent_prop = spec.parent_prop;
  {
    std::lock_guard lock(mu_);
    in.disagree_for = z.disagree_since ? now - z.disagree_since : 0;
  }
  auto child = Name::from_text(spec.name);
  std::string error;
  if (!child) error = child.error().message;
  if (error.empty() && (!z.resolver || !(z.resolver_spec == ps_spec))) {
    resolver::ResolverOptions ro;
    if (ps_spec.trust_anchor_file.empty())
      ro.trust_anchors = resolver::iana_root_anchors();
    else
      ro.trust_anchor_files = {ps_spec.trust_anchor_file};
    ro.root_hints = ps_spec.root_hints;
    ro.fresh_context_per_query = true;  // libunbound has no flush: every look is fresh
    ro.query_timeout_ms = static_cast<int>(std::clamp<int64_t>(ps_spec.timeout, 1, 10) * 1000);
    auto r = resolver::make_unbound_resolver(ro);
    if (r) {
      z.resolver = std::move(*r);
      z.resolver_spec = ps_spec;
    } else {
      error = "resolver: " + r.error().message;
    }
  }
  std::optional<ParentRound> round;
  if (error.empty()) {
    ps::ValidatingDirectory dir(*z.resolver);
    ps::DirectDs direct(static_cast<int>(std::clamp<int64_t>(ps_spec.timeout, 1, 5)));
    ps::DirectParentObserver observer(dir, direct);
    auto obs = observer.observe(*child, now);
    if (obs) {
      ChainCheck chain = check_chain(*z.resolver, *child);
      auto ours = parent_keys(rec.keys, dnskeys(z, spec, rec), now);
      round = assess_round(in, ours, *obs, chain);
      z.last_obs = std::move(*obs);
    } else {
      error = obs.error().message;
    }
  }
  if (!round) {
    z.last_obs.reset();
    round = unobservable_round(in, error);
  }
  // Log what changed for the planner: newly confirmed presence / absence.
  for (const auto& [id, since] : round->present_since)
    if (!rec.ds_seen.count(id) &&
        std::any_of(rec.keys.keys.begin(), rec.keys.keys.end(), [&, id = id](const KeyRecord& k) {
          return k.tag == id.second && k.algorithm == id.first && !k.ds_seen;
        }))
      log_.info(spec.name, "DS " + std::to_string(id.second) +
                               " served by every parent server, in the validated view, and " +
                               spec.name + " validates");
  for (const auto& [id, since] : round->absent_since)
    if (!rec.ds_gone.count(id))
      for (const auto& k : rec.keys.keys)
        if (k.tag == id.second && k.algorithm == id.first && k.ds_withdrawn && !k.ds_gone)
          log_.info(spec.name,
                    "DS " + std::to_string(id.second) + " gone from every parent server");
  rec.ds_seen = round->present_since;
  rec.ds_gone = round->absent_since;

  std::lock_guard lock(mu_);
  bool split = error.empty() ? !round->view.servers_agree && !round->view.parent_insecure : true;
  if (!split)
    z.disagree_since = 0;
  else if (!z.disagree_since)
    z.disagree_since = now;
  z.observed_at = now;
  z.observe_error = error;
  z.waiting = round->waiting;
  z.servers = error.empty() ? round->view.server_count : 0;
  z.agree = error.empty() && round->view.servers_agree;
  emit(z, spec.name, round->alerts,
       {AlertKind::RogueDs, AlertKind::DsMissing, AlertKind::DsInconsistent,
        AlertKind::RolloverWaiting});
}

Result<std::unique_ptr<ps::ParentPublisher>> DaemonParent::make_publisher(const ZoneSpec& spec) {
  const ParentSpec& p = spec.parent;
  ps::RetryPolicy retry{3, 500, 5000};
  if (p.method == "update") {
    ps::UpdateOptions o;
    o.primary = p.primary;
    o.tsig_name = p.tsig_name;
    o.tsig_algorithm = p.tsig_algorithm;
    o.tsig_secret_file = p.tsig_secret_file;
    o.tsig_key_file = p.tsig_key_file;
    o.timeout_seconds = static_cast<int>(std::clamp<int64_t>(p.timeout, 1, 600));
    o.ttl = static_cast<uint32_t>(spec.ds_ttl);
    o.retry = retry;
    if (o.primary.empty()) {
      // The parent's primary from its SOA MNAME, asked of the first parent server observed.
      std::string first;
      {
        std::lock_guard lock(mu_);
        auto& z = state(spec.name);
        if (z.last_obs && !z.last_obs->servers.empty()) first = z.last_obs->servers[0].server;
      }
      auto slash = first.rfind('/');
      std::string addr = slash == std::string::npos ? first : first.substr(slash + 1);
      o.find_primary = [addr](const Name& zone) -> Result<std::string> {
        auto server = ps::ServerAddress::parse(addr);
        if (!server) return server.error();
        return ps::primary_from_soa(*server, zone, 5);
      };
    }
    return std::unique_ptr<ps::ParentPublisher>(
        std::make_unique<ps::UpdatePublisher>(o, *random_, *sleeper_));
  }
  if (p.method == "command") {
    ps::CommandOptions o;
    o.path = p.command;
    o.timeout_seconds = static_cast<int>(std::clamp<int64_t>(p.timeout, 1, 3600));
    o.retry = retry;
    o.ttl = static_cast<uint32_t>(spec.ds_ttl);
    return std::unique_ptr<ps::ParentPublisher>(
        std::make_unique<ps::CommandPublisher>(o, *random_, *sleeper_));
  }
  if (p.method == "managed" && managed_) {  // the parent is a zone of this daemon
    auto parent = Name::from_text(managed_->parent_of(spec.name));
    if (!parent || managed_->parent_of(spec.name).empty())
      return fail("managed: the parent zone of " + spec.name + " is not signed by this agent");
    return std::unique_ptr<ps::ParentPublisher>(
        std::make_unique<ps::ManagedPublisher>(*managed_, *parent));
  }
  return fail("parent method " + p.method + " does not publish from the daemon");
}

void DaemonParent::publish(const ZoneSpec& spec, const ZoneRecord& rec, UnixTime now) {
  if (!spec.parent.publishes()) return;
  ZoneState* zp;
  {
    std::lock_guard lock(mu_);
    zp = &state(spec.name);
    if (zp->publish_failures > 0 && now < zp->next_publish && zp->failed_spec == spec.parent)
      return;  // backing off (new settings are tried at once)
  }
  ZoneState& z = *zp;
  if (!z.last_obs) return;  // not observed (or not observable): never act blind
  auto ours = parent_keys(rec.keys, dnskeys(z, spec, rec), now);
  ps::Correction c = spec.parent.method == "managed" && managed_  // managed: the agent's set
                         ? managed_->correction(spec.name, *z.last_obs, spec.parent.poll)
                         : desired_ds(spec.name, spec.parent, ours, *z.last_obs);
  if (!c.needed) {
    std::lock_guard lock(mu_);
    if (z.publish_failures > 0) {  // the parent serves what we want after all
      z.publish_failures = 0;
      z.publish_error.clear();
      emit(z, spec.name, {}, {AlertKind::PublicationFailing});
    }
    return;
  }
  auto child = Name::from_text(spec.name);
  if (!child) return;
  auto pub = make_publisher(spec);
  if (pub) {
    if (auto* cmd = dynamic_cast<ps::CommandPublisher*>(pub->get())) {
      // The hook gets the DNSKEYs behind the DS set too (registrars that want DNSKEY).
      std::vector<std::string> lines;
      for (const auto& k : ours) {
        if (!k.ds_expected()) continue;
        auto text = signer::rr_to_text(*child, static_cast<uint32_t>(spec.dnskey_ttl),
                                       signer::rrtype::DNSKEY, k.dnskey_rdata);
        if (text) lines.push_back(*text);
      }
      cmd->set_dnskeys(std::move(lines));
    }
  }
  Status st = pub ? (*pub)->publish(*child, c.desired) : Status(pub.error());
  std::string reasons;
  for (const auto& r : c.reasons) reasons += (reasons.empty() ? "" : "; ") + r;
  std::lock_guard lock(mu_);
  if (st) {
    bool changed = true;
    if (auto* u = dynamic_cast<ps::UpdatePublisher*>(pub->get())) changed = u->updates_sent() > 0;
    if (auto* m = dynamic_cast<ps::ManagedPublisher*>(pub->get())) changed = m->changed();
    if (changed) {
      log_.info(spec.name, "DS set sent to the parent",
                {{"method", spec.parent.method},
                 {"ds", tags_of(c.desired)},
                 {"reasons", reasons.empty() ? "servers differ" : reasons}});
      z.last_publish = iso_time(now) + ": DS " + tags_of(c.desired);
    }
    z.publish_failures = 0;
    z.publish_error.clear();
    z.forced = true;  // look again at once: the planner waits on what the parent serves
    z.next_poll = std::min(z.next_poll, now + 1);
    emit(z, spec.name, {}, {AlertKind::PublicationFailing});
    return;
  }
  ++z.publish_failures;
  z.failed_spec = spec.parent;
  int64_t wait = kPublishBackoffMin;
  for (int i = 1; i < z.publish_failures && wait < kPublishBackoffMax; ++i) wait *= 2;
  wait = std::min(wait, kPublishBackoffMax);
  wait = wait / 2 + static_cast<int64_t>(random_->uniform() * static_cast<double>(wait / 2 + 1));
  z.next_publish = now + wait;
  z.publish_error = st.error().message;
  log_.error(spec.name, "parent publication failed: " + st.error().message,
             {{"method", spec.parent.method},
              {"attempt", std::to_string(z.publish_failures)},
              {"retry_in", std::to_string(wait) + "s"}});
  AlertEvent e{
      AlertKind::PublicationFailing,
      spec.name,
      "parent " + spec.parent.method,
      "sending the DS set (" + tags_of(c.desired) + ") to the parent fails: " + st.error().message,
      {{spec.parent.method, st.error().message}},
      "check the parent's primary, its update policy and the TSIG key; the agent "
      "retries with backoff and the rollover waits",
      {}};
  emit(z, spec.name, {e}, {AlertKind::PublicationFailing});
}

std::string DaemonParent::status_text(const std::string& zone) const {
  std::lock_guard lock(mu_);
  auto it = zones_.find(zone);
  if (it == zones_.end() || !it->second->active) return "";
  const ZoneState& z = *it->second;
  std::string o = "  parent:  method " + z.method + ", ";
  if (!z.observed_at) {
    o += "not observed yet\n";
  } else {
    o += "observed " + iso_time(z.observed_at) +
         (z.observe_error.empty() ? ", " + std::to_string(z.servers) + " server(s) " +
                                        (z.agree ? "agree" : "DO NOT agree")
                                  : ", could not observe: " + z.observe_error) +
         ", next look " + iso_time(z.next_poll) + "\n";
  }
  if (!z.waiting.empty()) o += "  parent waits: " + z.waiting + "\n";
  if (!z.last_publish.empty()) o += "  parent last sent: " + z.last_publish + "\n";
  if (!z.publish_error.empty())
    o += "  parent publication failing (" + std::to_string(z.publish_failures) +
         " round(s), next try " + iso_time(z.next_publish) + "): " + z.publish_error + "\n";
  for (const auto& [key, e] : z.firing)
    o += std::string("  alert:   ") + to_string(e.kind) + " " + e.subject + ": " + e.summary + "\n";
  return o;
}

std::string DaemonParent::status_json(const std::string& zone) const {
  std::lock_guard lock(mu_);
  auto it = zones_.find(zone);
  if (it == zones_.end() || !it->second->active) return "null";
  const ZoneState& z = *it->second;
  std::string o =
      "{\"method\":" + json_quote(z.method) + ",\"observed_at\":" + std::to_string(z.observed_at) +
      ",\"next_poll\":" + std::to_string(z.next_poll) +
      ",\"observe_error\":" + json_quote(z.observe_error) +
      ",\"servers\":" + std::to_string(z.servers) + ",\"agree\":" + (z.agree ? "true" : "false") +
      ",\"waiting\":" + json_quote(z.waiting) + ",\"last_publish\":" + json_quote(z.last_publish) +
      ",\"publish_error\":" + json_quote(z.publish_error) +
      ",\"publish_failures\":" + std::to_string(z.publish_failures) + ",\"alerts\":[";
  bool first = true;
  for (const auto& [key, e] : z.firing) {
    o += std::string(first ? "" : ",") + "{\"kind\":" + json_quote(to_string(e.kind)) +
         ",\"subject\":" + json_quote(e.subject) + ",\"summary\":" + json_quote(e.summary) + "}";
    first = false;
  }
  return o + "]}";
}

}  // namespace ts::agent

namespace ts::agent {

UnixTime DaemonParent::observed_at(const std::string& zone) const {
  std::lock_guard lock(mu_);
  auto it = zones_.find(zone);
  return it == zones_.end() ? 0 : it->second->observed_at;
}

}  // namespace ts::agent
