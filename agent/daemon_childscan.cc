// DaemonChildScan: scheduling, durability, audit and alerts of the parent-side child scan.
#include "agent/daemon_childscan.h"

#include <algorithm>

#include "agent/audit_log.h"
#include "agent/daemon_sign.h"
#include "parentsync/child_delegations.h"
#include "resolver/resolver.h"
#include "signer/zone_loader.h"

namespace ts::agent {
namespace {

// The network gatherer with the resolver it owns.
class OwningSource final : public ps::ChildScanSource {
 public:
  OwningSource(std::unique_ptr<resolver::Resolver> r, int timeout)
      : resolver_(std::move(r)), source_(*resolver_, timeout) {}
  ps::ChildScanInput gather(const ps::ChildDelegation& d, UnixTime now) override {
    return source_.gather(d, now);
  }

 private:
  std::unique_ptr<resolver::Resolver> resolver_;
  ps::NetworkChildScanSource source_;
};

Result<std::unique_ptr<ps::ChildScanSource>> network_source(const ZoneSpec& spec) {
  resolver::ResolverOptions ro;
  if (spec.parent.trust_anchor_file.empty())
    ro.trust_anchors = resolver::iana_root_anchors();
  else
    ro.trust_anchor_files = {spec.parent.trust_anchor_file};
  ro.root_hints = spec.parent.root_hints;
  ro.fresh_context_per_query = true;  // a CDS change must be seen at once
  int timeout = static_cast<int>(std::clamp<int64_t>(spec.parent.timeout, 1, 5));
  ro.query_timeout_ms = timeout * 2000;
  auto r = resolver::make_unbound_resolver(ro);
  if (!r) return r.error();
  return std::unique_ptr<ps::ChildScanSource>(new OwningSource(std::move(*r), timeout));
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out.empty() ? "(none)" : out;
}

}  // namespace

std::vector<std::string> ds_lines(const std::vector<ps::DsRecord>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.rdata_text());
  return out;
}

Result<std::vector<ps::DsRecord>> parse_ds_lines(const std::vector<std::string>& lines) {
  std::vector<ps::DsRecord> out;
  for (const auto& l : lines) {
    auto d = ps::DsRecord::from_rdata_text(l);
    if (!d) return d.error();
    out.push_back(*d);
  }
  return ps::canonical_set(std::move(out));
}

Result<std::map<std::string, AcceptedDs>> output_child_ds(const ZoneSpec& spec) {
  auto zone = load_zone_stripped(spec.output_file, spec.name);
  if (!zone) return zone.error();
  std::map<std::string, AcceptedDs> out;
  for (const ps::ChildDelegation& d : ps::delegations_of(*zone))
    out[d.child.lowered().to_text()] = {d.ds, d.ttl};
  return out;
}

DaemonChildScan::DaemonChildScan(Logger& log, DaemonStore& store,
                                 std::function<DaemonEvents&()> events, SourceFactory factory)
    : log_(log),
      store_(store),
      events_(std::move(events)),
      factory_(factory ? std::move(factory) : SourceFactory(network_source)) {}

DaemonChildScan::~DaemonChildScan() = default;

void DaemonChildScan::set_apply(Apply apply) {
  std::lock_guard lock(mu_);
  apply_ = std::move(apply);
}

void DaemonChildScan::set_forget(Forget forget) {
  std::lock_guard lock(mu_);
  forget_ = std::move(forget);
}

void DaemonChildScan::set_on_load(OnLoad on_load) {
  std::lock_guard lock(mu_);
  on_load_ = std::move(on_load);
}

Result<AcceptedChildDs> DaemonChildScan::load() {
  std::lock_guard load_lock(load_mu_);
  return load_locked();
}

Result<AcceptedChildDs> DaemonChildScan::load_locked() {
  auto rows = store_.child_ds_rows();
  if (!rows) return rows.error();
  AcceptedChildDs accepted;
  std::set<std::string> local;
  {
    std::lock_guard lock(mu_);
    local = local_zones_;
  }
  for (const auto& r : *rows) {
    auto ds = parse_ds_lines(r.ds);
    if (!ds)
      return fail("state database: the accepted DS of " + r.child + " at " + r.parent +
                  " does not parse: " + ds.error().message);
    if (local.count(r.child)) {  // a zone of this agent: its DS comes from its keys
      if (Status s = store_.remove_child_ds(r.parent, r.child); !s) return s.error();
      log_.warn(r.parent, "child " + r.child +
                              " is a zone of this agent: its DS set accepted from CDS/CDNSKEY is "
                              "dropped (the managed set wins)");
      continue;
    }
    accepted[r.parent][r.child] = {*ds, r.ttl};
  }
  OnLoad on_load;
  {
    std::lock_guard lock(mu_);
    accepted_ = accepted;
    loaded_ = true;
    on_load = on_load_;
  }
  if (on_load) on_load(accepted);
  return accepted;
}

Status DaemonChildScan::ensure_loaded() {
  {
    std::lock_guard lock(mu_);
    if (loaded_) return {};  // every pass after the first: no wait behind a slow load
  }
  // Checked again under load_mu_: a caller that waited for a concurrent load does not read
  // the rows a second time (that would replace sets accepted in between and rebuild P's).
  std::lock_guard load_lock(load_mu_);
  {
    std::lock_guard lock(mu_);
    if (loaded_) return {};
  }
  auto r = load_locked();
  if (!r) return r.error();
  return {};
}

bool DaemonChildScan::maybe_scan(const ZoneSpec& spec, const std::set<std::string>& zones_here,
                                 UnixTime now) {
  if (!spec.children.scan) return false;
  Parent* parent = nullptr;  // std::map: the element stays where it is
  {
    std::lock_guard lock(mu_);
    parent = &parents_[spec.name];
    if (now < parent->next) return false;
    parent->next = now + std::max<int64_t>(1, spec.children.poll);
  }
  if (Status s = ensure_loaded(); !s) {  // unreadable is not "nothing accepted"
    log_.error(spec.name, "child scan: not this round: the accepted DS sets cannot be read: " +
                              s.error().message);
    std::lock_guard lock(mu_);
    parent->next = now + std::min<int64_t>(60, std::max<int64_t>(1, spec.children.poll));
    return false;
  }
  auto origin = Name::from_text(spec.name);
  if (!origin) return false;
  signer::LoadOptions lo;
  lo.origin = *origin;
  lo.dnssec = signer::DnssecInput::Strip;
  auto zone = signer::load_zone_file(spec.input_file, lo);
  if (!zone) {
    log_.warn(spec.name, "child scan: cannot read the zone's delegations: " + zone.error().message);
    return false;
  }
  std::vector<ps::ChildDelegation> delegations = ps::delegations_of(*zone);
  // Accepted sets of children that are zones here or are no longer delegated: forgotten.
  std::set<std::string> delegated;
  for (const auto& d : delegations) delegated.insert(d.child.lowered().to_text());
  std::set<std::string> stale, lingering;  // with an accepted set; only a last decision
  {
    std::lock_guard lock(mu_);
    if (auto p = accepted_.find(spec.name); p != accepted_.end())
      for (const auto& [child, a] : p->second)
        if (zones_here.count(child) || !delegated.count(child)) stale.insert(child);
    for (const auto& [child, d] : parent->last)
      if ((zones_here.count(child) || !delegated.count(child)) && !stale.count(child))
        lingering.insert(child);
  }
  for (const auto& child : lingering) forget(spec, child, *parent, "", false);
  for (const auto& child : stale)
    forget(spec, child, *parent,
           zones_here.count(child) ? "it is a zone of this agent (the managed set wins)"
                                   : "it is no longer delegated in " + spec.name,
           true);
  auto source = factory_(spec);
  if (!source) {
    log_.warn(spec.name, "child scan: " + source.error().message);
    return false;
  }
  ps::ChildScanOptions opt;
  opt.bootstrap = spec.children.bootstrap;
  opt.accept_after_delay = spec.children.accept_after_delay;
  bool changed = !stale.empty();
  std::set<std::string> unscanned;
  {
    std::lock_guard lock(mu_);
    unscanned = unscanned_zones_;
  }
  for (ps::ChildDelegation& d : delegations) {
    const std::string child = d.child.lowered().to_text();
    if (zones_here.count(child)) continue;  // managed here: its DS comes from its keys
    if (unscanned.count(child)) continue;   // a zone of this agent: not scanned
    {
      std::lock_guard lock(mu_);
      auto p = accepted_.find(spec.name);
      if (p != accepted_.end())
        if (auto c = p->second.find(child); c != p->second.end()) d.ds = c->second.ds;
    }
    ps::ChildScanInput in = (*source)->gather(d, now);
    in.unchanged_since = unchanged_since(*parent, child, in, now);
    ps::ChildDsDecision dec = ps::decide_child_ds(in, opt);
    act(spec, child, d.ttl, dec, *parent, changed, now);
  }
  return changed;
}

void DaemonChildScan::forget(const ZoneSpec& spec, const std::string& child, Parent& p,
                             const std::string& why, bool stored) {
  if (stored)
    if (Status s = store_.remove_child_ds(spec.name, child); !s) {
      log_.error(spec.name, "child " + child + ": accepted DS set not forgotten (" + why +
                                "): " + s.error().message);
      return;  // tried again at the next scan
    }
  bool was_alerting = false;
  Forget on_forget;
  {
    std::lock_guard lock(mu_);
    if (auto it = accepted_.find(spec.name); it != accepted_.end()) it->second.erase(child);
    p.last.erase(child);
    p.seen.erase(child);
    was_alerting = p.alerting.erase(child) > 0;
    on_forget = forget_;
  }
  if (was_alerting) {
    AlertEvent alert;
    alert.kind = AlertKind::ChildCdsRejected;
    alert.zone = spec.name;
    alert.subject = child;
    alert.targets = spec.notify;
    events_().alert(alert, false);
  }
  if (!stored) return;
  if (on_forget) on_forget(spec.name, child);
  log_.info(spec.name, "child " + child + ": accepted DS set forgotten: " + why);
  events_().audit(
      AuditRecord{AuditEvent::ChildDsRemoved,
                  spec.name,
                  kAuditActorAgent,
                  {{"child", child}, {"ds", std::string("(forgotten)")}, {"reason", why}}});
}

UnixTime DaemonChildScan::unchanged_since(Parent& p, const std::string& child,
                                          const ps::ChildScanInput& in, UnixTime now) {
  std::string fp;
  for (const auto& s : in.servers) {
    fp += s.server + (s.error.empty() ? "" : " error") + "\n";
    for (const auto* set : {&s.cds, &s.cdnskey}) {
      std::vector<std::string> rd;
      for (const auto& r : *set) rd.push_back(r.rdata);
      std::sort(rd.begin(), rd.end());
      for (const auto& x : rd) fp += x + "\n";
    }
  }
  std::lock_guard lock(mu_);
  auto& seen = p.seen[child];
  if (seen.first != fp || seen.second == 0) seen = {fp, now};
  return seen.second;
}

void DaemonChildScan::act(const ZoneSpec& spec, const std::string& child, uint32_t in_ttl,
                          const ps::ChildDsDecision& d, Parent& p, bool& changed, UnixTime now) {
  using Kind = ps::ChildDsDecision::Kind;
  AlertEvent alert;
  alert.kind = AlertKind::ChildCdsRejected;
  alert.zone = spec.name;
  alert.subject = child;
  alert.targets = spec.notify;
  std::string previous_reason;
  bool was_alerting;
  {
    std::lock_guard lock(mu_);
    if (auto it = p.last.find(child); it != p.last.end() && it->second.kind == Kind::Reject)
      previous_reason = it->second.reason;
    was_alerting = p.alerting.count(child) > 0;
    p.last[child] = d;
  }
  if (d.kind == Kind::Reject) {
    if (d.reason != previous_reason) {
      log_.warn(spec.name, "child " + child + ": CDS/CDNSKEY not accepted: " + d.reason,
                {{"alert", to_string(AlertKind::ChildCdsRejected)}, {"child", child}});
      events_().audit(AuditRecord{AuditEvent::ChildCdsRejected,
                                  spec.name,
                                  kAuditActorAgent,
                                  {{"child", child}, {"reason", d.reason}}});
    }
    if (!was_alerting) {
      alert.summary = "CDS/CDNSKEY of " + child + " not accepted";
      alert.evidence = {{child, d.reason}};
      events_().alert(alert, true);
      std::lock_guard lock(mu_);
      p.alerting.insert(child);
    }
    return;
  }
  if (was_alerting) {
    events_().alert(alert, false);
    std::lock_guard lock(mu_);
    p.alerting.erase(child);
  }
  if (d.kind == Kind::NoChange) return;
  std::vector<ps::DsRecord> ds = d.kind == Kind::Accept ? d.ds : std::vector<ps::DsRecord>{};
  const uint32_t ttl = in_ttl;
  DaemonStore::ChildDsRow row{spec.name, child, ds_lines(ds), now, d.bootstrap, ttl};
  if (Status s = store_.save_child_ds(row); !s) {  // durable before it is used
    log_.error(spec.name,
               "child " + child + ": accepted DS not saved, not applied: " + s.error().message);
    std::lock_guard lock(mu_);
    p.next = now;  // try again at the next pass
    return;
  }
  Apply apply;
  {
    std::lock_guard lock(mu_);
    accepted_[spec.name][child] = {ds, ttl};
    apply = apply_;
  }
  if (apply) apply(spec.name, child, AcceptedDs{ds, ttl});
  changed = true;
  const bool removed = d.kind == Kind::Delete;
  log_.info(spec.name, "child " + child + ": " +
                           (removed ? std::string("DS removed at the child's request")
                                    : "DS set accepted: " + joined(row.ds)) +
                           " (" + d.reason + ")");
  events_().audit(AuditRecord{removed ? AuditEvent::ChildDsRemoved : AuditEvent::ChildDsAccepted,
                              spec.name,
                              kAuditActorAgent,
                              {{"child", child},
                               {"ds", joined(row.ds)},
                               {"bootstrap", d.bootstrap},
                               {"reason", d.reason}}});
}

bool DaemonChildScan::maybe_scan(const ZoneSpec& parent, UnixTime now) {
  std::set<std::string> zones;
  {
    std::lock_guard lock(mu_);
    zones = local_zones_;
  }
  return maybe_scan(parent, zones, now);
}

void DaemonChildScan::set_unscanned_zones(std::set<std::string> zones) {
  std::lock_guard lock(mu_);
  unscanned_zones_ = std::move(zones);
}

void DaemonChildScan::set_local_zones(std::set<std::string> zones) {
  std::vector<std::pair<std::string, std::string>> drop;  // (parent, child) now a zone here
  Forget on_forget;
  {
    std::lock_guard lock(mu_);
    local_zones_ = std::move(zones);
    for (const auto& [parent, children] : accepted_)
      for (const auto& [child, a] : children)
        if (local_zones_.count(child)) drop.emplace_back(parent, child);
    on_forget = forget_;
  }
  for (const auto& [parent, child] : drop) {
    if (Status s = store_.remove_child_ds(parent, child); !s) {
      log_.error(parent, "child " + child + ": accepted DS set not dropped: " + s.error().message);
      continue;
    }
    {
      std::lock_guard lock(mu_);
      accepted_[parent].erase(child);
    }
    if (on_forget) on_forget(parent, child);
    log_.warn(parent, "child " + child +
                          " is a zone of this agent: its DS set accepted from CDS/CDNSKEY is "
                          "dropped (the managed set wins)");
  }
}

UnixTime DaemonChildScan::next_event(const std::string& parent) const {
  std::lock_guard lock(mu_);
  auto it = parents_.find(parent);
  return it == parents_.end() ? kNever : it->second.next;
}

std::map<std::string, ps::ChildDsDecision> DaemonChildScan::last(const std::string& parent) const {
  std::lock_guard lock(mu_);
  auto it = parents_.find(parent);
  return it == parents_.end() ? std::map<std::string, ps::ChildDsDecision>{} : it->second.last;
}

std::string DaemonChildScan::status_text(const std::string& parent) const {
  std::lock_guard lock(mu_);
  auto it = parents_.find(parent);
  if (it == parents_.end()) return "";
  std::string out =
      "  scan:    children's CDS/CDNSKEY, next at " + iso_time(it->second.next) + "\n";
  for (const auto& [child, d] : it->second.last)
    out += "  scanned: " + child + " " + ps::child_ds_kind_name(d.kind) + ": " + d.reason + "\n";
  return out;
}

}  // namespace ts::agent
