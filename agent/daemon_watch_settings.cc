// Config -> DaemonWatchSettings and each zone's notify targets (see daemon_watch_settings.h).
#include "agent/daemon_watch_settings.h"

#include <string_view>
#include <unordered_map>

#include "agent/daemon_policy.h"

namespace ts::agent {

void fill_watch_settings(const Config& cfg, DaemonConfig& out) {
  const GlobalSettings& g = cfg.global;
  out.watch.metrics_listen = g.metrics_listen;
  out.watch.audit_log = g.audit_log.empty() ? g.state_dir + "/audit.jsonl" : g.audit_log;
  out.watch.alerts = g.alerts;
  out.watch.chain_watch = g.chain_watch;
  // By name through a hash map: a scan of every zone per zone took seconds at 100,000 zones.
  std::unordered_map<std::string_view, const ZonePolicy*> by_name;
  by_name.reserve(cfg.zones.size());
  for (const ZonePolicy& z : cfg.zones) by_name[z.name] = &z;
  for (ZoneSpec& spec : out.zones)
    if (auto it = by_name.find(spec.name); it != by_name.end())
      spec.notify = it->second->policy.notify;
}

}  // namespace ts::agent
