// The daemon's zone facts as metrics: keys per role and state (as they stand at `now`), the
// earliest signature expiry (a gauge that counts down by itself between scrapes) and the
// rollovers in progress with their phase. Key series exist only for (role, state) pairs
// that hold a key (absent = 0). Signing throughput and alert counts are fed by
// DaemonWatch directly (TrustSyncMetrics::add_signing, set_alert_counts). Each update costs
// O(log series): a zone's earlier rollover series are removed by their exact labels (the
// caller keeps them in ZoneMetricsShown), never by scanning the family, so 100,000 zones stay
// cheap.
//
//   ZoneMetricsShown shown;   // per zone, kept by the caller
//   update_zone_metrics(registry, metrics, "example.test.", rec, clock.now(), shown);
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "agent/daemon_store.h"
#include "agent/metrics_registry.h"
#include "agent/metrics_trustsync.h"

namespace ts::agent {

/// The key and rollover series of one zone as last exported.
struct ZoneMetricsShown {
  std::set<std::pair<std::string, std::string>> keys;  ///< (role, state) with a key
  std::map<std::string, std::string> rollovers;        ///< kind -> phase
};

/// "zsk", "ksk", "csk", "algorithm" or "initial": the kind label of rollover metrics.
const char* rollover_metric_kind(RolloverKind k);

void update_zone_metrics(MetricsRegistry& reg, TrustSyncMetrics& m, const std::string& zone,
                         const ZoneRecord& rec, UnixTime now, ZoneMetricsShown& shown);

}  // namespace ts::agent
