// Config -> DaemonWatchSettings and each zone's notify targets (see daemon_watch_settings.h).
#include "agent/daemon_watch_settings.h"

#include "agent/daemon_policy.h"

namespace ts::agent {

void fill_watch_settings(const Config& cfg, DaemonConfig& out) {
  const GlobalSettings& g = cfg.global;
  out.watch.metrics_listen = g.metrics_listen;
  out.watch.audit_log = g.audit_log.empty() ? g.state_dir + "/audit.jsonl" : g.audit_log;
  out.watch.alerts = g.alerts;
  out.watch.chain_watch = g.chain_watch;
  for (ZoneSpec& spec : out.zones)
    for (const ZonePolicy& z : cfg.zones)
      if (z.name == spec.name) spec.notify = z.policy.notify;
}

}  // namespace ts::agent
