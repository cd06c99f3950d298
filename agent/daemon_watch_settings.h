// What the daemon's watch (agent/daemon_watch.h: audit log, metrics endpoint, alerts and
// chain watch) takes from the configuration, carried in DaemonConfig::watch; filled from the
// loaded Config by fill_watch_settings() (called by load_daemon_config).
//
//   DaemonConfig d = ...;  fill_watch_settings(config, d);  // d.watch, d.zones[i].notify
#pragma once

#include <string>

#include "agent/policy.h"

namespace ts::agent {

struct DaemonWatchSettings {
  std::string metrics_listen;  ///< "" = no metrics endpoint
  std::string audit_log;       ///< never empty after fill_watch_settings()
  AlertSettings alerts;
  ChainWatchSettings chain_watch;
};

struct DaemonConfig;

/// Copies [agent] metrics-listen, audit-log (default state-dir/audit.jsonl), [agent.alerts],
/// [agent.chain-watch] and every zone's `notify` (zones matched by name) into `out`.
void fill_watch_settings(const Config& cfg, DaemonConfig& out);

}  // namespace ts::agent
