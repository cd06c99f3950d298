// The daemon's side of the parent-side child scan (agent/daemon_childscan.h): made at the
// first configuration load with the DaemonStore; the accepted DS sets it kept are given to
// ManagedChildren as the source "childscan" (P's signing inserts them like managed ones);
// in P's maintenance pass, before the signing decision, P's children are scanned when due
// and P's next scan is scheduled. While the accepted sets cannot be read, every parent keeps
// the DS its signed output has (childscan_hold) and the read is retried at each pass.
#include <algorithm>

#include "agent/daemon.h"
#include "agent/daemon_childscan.h"
#include "agent/daemon_managed.h"

namespace ts::agent {

Status Daemon::childscan_init() {
  // Children with parent method managed: their DS comes from their keys, so accepted CDS
  // rows for them are dropped. Other local zones (cds, update, ...) keep theirs.
  std::set<std::string> names;
  for (const auto& z : cfg_.zones)
    if (z.parent.method == "managed") names.insert(z.name);
  if (!childscan_) {
    childscan_ = std::make_unique<DaemonChildScan>(
        log_, *store_, [this]() -> DaemonEvents& { return *events_; },
        DaemonChildScan::SourceFactory(opt_.child_scan_source));
    childscan_->set_apply(
        [this](const std::string& parent, const std::string& child, const AcceptedDs& a) {
          managed_->set(parent, child, ChildDs{kChildScanSource, a.ds, a.ttl});
        });
    childscan_->set_forget([this](const std::string& parent, const std::string& child) {
      managed_->erase(parent, child, kChildScanSource);
    });
    childscan_->set_on_load([this](const AcceptedChildDs& loaded) {
      std::map<std::string, ChildDsMap> sets;
      for (const auto& [parent, children] : loaded)
        for (const auto& [child, a] : children)
          sets[parent][child] = ChildDs{kChildScanSource, a.ds, a.ttl};
      for (const auto& p : managed_->rebuild(kChildScanSource, sets))
        log_.info(p, "DS sets accepted from children's CDS/CDNSKEY loaded",
                  {{"children", std::to_string(sets[p].size())}});
    });
  }
  std::set<std::string> all;
  for (const auto& z : cfg_.zones) all.insert(z.name);
  childscan_->set_unscanned_zones(std::move(all));
  childscan_->set_local_zones(names);  // before the load: their rows are dropped
  // Unreadable accepted sets do not stop the start: parents hold their published DS instead.
  if (Status s = childscan_->ensure_loaded(); !s) childscan_hold(s.error().message);
  return {};
}

void Daemon::childscan_hold(const std::string& why) {
  // Unreadable is not "nothing accepted": every parent zone keeps the DS its signed output
  // has for each delegation (not a zone here) until the sets can be read (load() replaces
  // these entries then).
  std::set<std::string> names;
  for (const auto& z : cfg_.zones)
    if (z.parent.method == "managed") names.insert(z.name);
  std::map<std::string, ChildDsMap> sets;
  for (const auto& z : cfg_.zones) {
    auto held = output_child_ds(z);
    if (!held) continue;  // nothing signed yet: nothing published to keep
    for (const auto& [child, a] : *held) {
      if (names.count(child)) continue;
      // An entry of another source (managed, retained) stays as it is: the hold must not
      // turn it into a child-scan entry that the next load would drop.
      if (auto cur = managed_->child(z.name, child); cur && cur->source != kChildScanSource)
        continue;
      sets[z.name][child] = ChildDs{kChildScanSource, a.ds, a.ttl};
    }
  }
  managed_->rebuild(kChildScanSource, sets);
  log_.error("", "child scan: the accepted DS sets cannot be read (" + why +
                     "); no child is scanned, and parent zones keep the DS their signed output "
                     "has for their delegations until they can be read");
}

void Daemon::childscan_scan(const ZoneSpec& spec, UnixTime now) {
  if (!childscan_) return;
  (void)childscan_->ensure_loaded();  // retried at each pass; a success rebuilds the sets
  if (!spec.children.scan) return;
  childscan_->maybe_scan(spec, now);  // an accepted set is in managed_ now: P signs below
  if (UnixTime t = childscan_->next_event(spec.name); t != kNever)
    sched_->schedule(std::max(t, now), spec.name, EventKind::Maintain);
}

}  // namespace ts::agent
