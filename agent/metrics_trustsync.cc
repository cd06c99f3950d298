// TrustSync's metric families and their setters (see metrics_trustsync.h).
#include "agent/metrics_trustsync.h"

namespace ts::agent {
namespace {

constexpr const char* kKeys = "trustsync_keys";
constexpr const char* kExpiry = "trustsync_signature_expiry_seconds";
constexpr const char* kParentAge = "trustsync_parent_observation_age_seconds";
constexpr const char* kDsState = "trustsync_ds_state";
constexpr const char* kRollover = "trustsync_rollover_in_progress";
constexpr const char* kSignatures = "trustsync_signatures_total";
constexpr const char* kSigningSeconds = "trustsync_signing_seconds_total";
constexpr const char* kAlertsActive = "trustsync_alerts_active";
constexpr const char* kAlertsRaised = "trustsync_alerts_raised_total";
constexpr const char* kNotifications = "trustsync_alert_notifications_total";

}  // namespace

TrustSyncMetrics::TrustSyncMetrics(MetricsRegistry& reg) : reg_(reg) {
  reg_.declare(kKeys, MetricType::Gauge, "DNSSEC keys per zone, role and state.");
  reg_.declare(kExpiry, MetricType::Gauge,
               "Seconds until the earliest RRSIG expiration in the zone (negative: expired).");
  reg_.declare(kParentAge, MetricType::Gauge,
               "Seconds since the last successful observation of the zone's DS at the parent.");
  reg_.declare(kDsState, MetricType::Gauge, "DS state of the zone at the parent (1 = current).");
  reg_.declare(kRollover, MetricType::Gauge, "Rollovers in progress by kind and phase.");
  reg_.declare(kSignatures, MetricType::Counter, "RRSIGs created.");
  reg_.declare(kSigningSeconds, MetricType::Counter, "Seconds spent signing.");
  reg_.declare(kAlertsActive, MetricType::Gauge, "Alerts currently active by kind.");
  reg_.declare(kAlertsRaised, MetricType::Counter, "Alerts raised by kind.");
  reg_.declare(kNotifications, MetricType::Counter,
               "Alert notifications by target and result (sent, failed, dropped, suppressed).");
  for (AlertKind k : all_alert_kinds()) {
    reg_.set(kAlertsActive, {{"kind", to_string(k)}}, 0);
    reg_.set(kAlertsRaised, {{"kind", to_string(k)}}, 0);
  }
}

void TrustSyncMetrics::set_keys(const std::string& zone, const std::string& role,
                                const std::string& state, int64_t count) {
  reg_.set(kKeys, {{"zone", zone}, {"role", role}, {"state", state}}, static_cast<double>(count));
}

void TrustSyncMetrics::set_signature_expiry(const std::string& zone, UnixTime t) {
  reg_.set_seconds_until(kExpiry, {{"zone", zone}}, t);
}

void TrustSyncMetrics::set_parent_observed(const std::string& zone, UnixTime t) {
  reg_.set_seconds_since(kParentAge, {{"zone", zone}}, t);
}

void TrustSyncMetrics::set_ds_state(const std::string& zone, const std::string& state) {
  reg_.set_matching(kDsState, {{"zone", zone}}, 0);  // also states seen earlier, not in the list
  for (const char* s : kDsStates) reg_.set(kDsState, {{"zone", zone}, {"state", s}}, 0);
  reg_.set(kDsState, {{"zone", zone}, {"state", state}}, 1);
}

void TrustSyncMetrics::set_rollover(const std::string& zone, const std::string& kind,
                                    const std::string& phase) {
  clear_rollover(zone, kind);
  reg_.set(kRollover, {{"zone", zone}, {"kind", kind}, {"phase", phase}}, 1);
}

void TrustSyncMetrics::clear_rollover(const std::string& zone, const std::string& kind) {
  reg_.remove_matching(kRollover, {{"zone", zone}, {"kind", kind}});
}

void TrustSyncMetrics::add_signing(const std::string& zone, int64_t signatures, double seconds) {
  reg_.add(kSignatures, {{"zone", zone}}, static_cast<double>(signatures));
  reg_.add(kSigningSeconds, {{"zone", zone}}, seconds);
}

void TrustSyncMetrics::set_alert_counts(const AlertCounts& c) {
  for (AlertKind k : all_alert_kinds()) {
    auto a = c.active.find(k);
    auto r = c.raised_total.find(k);
    reg_.set(kAlertsActive, {{"kind", to_string(k)}},
             a == c.active.end() ? 0 : static_cast<double>(a->second));
    reg_.set(kAlertsRaised, {{"kind", to_string(k)}},
             r == c.raised_total.end() ? 0 : static_cast<double>(r->second));
  }
}

void TrustSyncMetrics::set_delivery_stats(const std::map<std::string, DeliveryStats>& stats,
                                          uint64_t suppressed_total) {
  for (const auto& [target, s] : stats) {
    reg_.set(kNotifications, {{"target", target}, {"result", "sent"}}, static_cast<double>(s.sent));
    reg_.set(kNotifications, {{"target", target}, {"result", "failed"}},
             static_cast<double>(s.failed_attempts));
    reg_.set(kNotifications, {{"target", target}, {"result", "dropped"}},
             static_cast<double>(s.dropped));
  }
  reg_.set(kNotifications, {{"target", "all"}, {"result", "suppressed"}},
           static_cast<double>(suppressed_total));
}

void TrustSyncMetrics::remove_zone(const std::string& zone) {
  for (const char* f :
       {kKeys, kExpiry, kParentAge, kDsState, kRollover, kSignatures, kSigningSeconds})
    reg_.remove_matching(f, {{"zone", zone}});
}

}  // namespace ts::agent
