// The daemon's zone facts as metrics: keys per role and state (as they stand at `now`), the
// earliest signature expiry (a gauge that counts down by itself between scrapes) and the
// rollovers in progress with their phase. Signing throughput and alert counts are fed by
// DaemonWatch directly (TrustSyncMetrics::add_signing, set_alert_counts).
//
//   update_zone_metrics(metrics, "example.test.", rec, clock.now());
#pragma once

#include <string>

#include "agent/daemon_store.h"
#include "agent/metrics_trustsync.h"

namespace ts::agent {

/// "zsk", "ksk", "csk", "algorithm" or "initial": the kind label of rollover metrics.
const char* rollover_metric_kind(RolloverKind k);

void update_zone_metrics(TrustSyncMetrics& m, const std::string& zone, const ZoneRecord& rec,
                         UnixTime now);

}  // namespace ts::agent
