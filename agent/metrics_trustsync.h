// The agent's metrics: declares every TrustSync family on a MetricsRegistry and gives the
// daemon, rollover and parent-sync code one typed setter per fact, so that names and labels
// are spelled in one place. Families (all gauges unless _total):
//   trustsync_keys{zone,role,state}                      keys per zone, role and state
//   trustsync_signature_expiry_seconds{zone}             until the earliest RRSIG expiry
//   trustsync_parent_observation_age_seconds{zone}       since the last good parent observation
//   trustsync_ds_state{zone,state}                       1 for the zone's current DS state
//   trustsync_rollover_in_progress{zone,kind,phase}      1 while a rollover is in that phase
//   trustsync_signatures_total{zone}, trustsync_signing_seconds_total{zone}  (throughput =
//                                                        rate(signatures) / rate(seconds))
//   trustsync_alerts_active{kind}, trustsync_alerts_raised_total{kind},
//   trustsync_alert_notifications_total{target,result}  sent | failed | dropped | suppressed
//
//   TrustSyncMetrics m(registry);
//   m.set_signature_expiry("example.test.", earliest_rrsig_expiration);
//   m.set_ds_state("example.test.", "rogue");
#pragma once

#include <map>
#include <string>

#include "agent/alert_delivery.h"
#include "agent/alert_manager.h"
#include "agent/metrics_registry.h"

namespace ts::agent {

/// DS states shown with 0/1 for every zone that has one: what parentsync reports.
inline constexpr const char* kDsStates[] = {"ok",           "missing",         "rogue",  "stale",
                                            "inconsistent", "unsigned-parent", "unknown"};

class TrustSyncMetrics {
 public:
  explicit TrustSyncMetrics(MetricsRegistry& reg);

  /// How many keys of `zone` have `role` ("ksk", "zsk", "csk") and `state` ("published",
  /// "active", "retired", ...).
  void set_keys(const std::string& zone, const std::string& role, const std::string& state,
                int64_t count);
  void set_signature_expiry(const std::string& zone, UnixTime earliest_expiration);
  void set_parent_observed(const std::string& zone, UnixTime last_success);
  /// Sets 1 for `state` and 0 for the other known (and earlier seen) states of the zone.
  void set_ds_state(const std::string& zone, const std::string& state);
  /// A rollover of `kind` ("zsk", "ksk", "csk", "algorithm") is in `phase`; replaces the
  /// zone's earlier phase of that kind.
  void set_rollover(const std::string& zone, const std::string& kind, const std::string& phase);
  void clear_rollover(const std::string& zone, const std::string& kind);
  /// One signing run: `signatures` made in `seconds`.
  void add_signing(const std::string& zone, int64_t signatures, double seconds);
  void set_alert_counts(const AlertCounts& counts);
  void set_delivery_stats(const std::map<std::string, DeliveryStats>& stats,
                          uint64_t suppressed_total);
  /// Forgets every series of a removed zone.
  void remove_zone(const std::string& zone);

 private:
  MetricsRegistry& reg_;
};

}  // namespace ts::agent
