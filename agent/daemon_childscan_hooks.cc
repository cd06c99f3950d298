// The daemon's side of the parent-side child scan (agent/daemon_childscan.h): made at the
// first configuration load with the DaemonStore; the accepted DS sets it kept are given to
// ManagedChildren as the source "childscan" (P's signing inserts them like managed ones);
// in P's maintenance pass, before the signing decision, P's children are scanned when due
// and P's next scan is scheduled.
#include <algorithm>

#include "agent/daemon.h"
#include "agent/daemon_childscan.h"
#include "agent/daemon_managed.h"

namespace ts::agent {

Status Daemon::childscan_init() {
  if (!childscan_) {
    childscan_ = std::make_unique<DaemonChildScan>(
        log_, *store_, [this]() -> DaemonEvents& { return *events_; },
        DaemonChildScan::SourceFactory(opt_.child_scan_source));
    childscan_->set_apply(
        [this](const std::string& parent, const std::string& child, const AcceptedDs& a) {
          managed_->set(parent, child, ChildDs{kChildScanSource, a.ds, a.ttl});
        });
    auto loaded = childscan_->load();
    if (!loaded) {  // never sign a parent with its input's DS in place of an accepted set
      std::string why =
          "child scan: the accepted DS sets could not be read: " + loaded.error().message;
      childscan_.reset();  // tried again at the next configuration load
      return fail(why);
    } else {
      std::map<std::string, ChildDsMap> sets;
      for (const auto& [parent, children] : *loaded)
        for (const auto& [child, a] : children)
          sets[parent][child] = ChildDs{kChildScanSource, a.ds, a.ttl};
      for (const auto& p : managed_->rebuild(kChildScanSource, sets))
        log_.info(p, "DS sets accepted from children's CDS/CDNSKEY loaded",
                  {{"children", std::to_string(sets[p].size())}});
    }
  }
  std::set<std::string> names;
  for (const auto& z : cfg_.zones) names.insert(z.name);
  childscan_->set_local_zones(std::move(names));
  return {};
}

void Daemon::childscan_scan(const ZoneSpec& spec, UnixTime now) {
  if (!childscan_ || !spec.children.scan) return;
  childscan_->maybe_scan(spec, now);  // an accepted set is in managed_ now: P signs below
  if (UnixTime t = childscan_->next_event(spec.name); t != kNever)
    sched_->schedule(std::max(t, now), spec.name, EventKind::Maintain);
}

}  // namespace ts::agent
