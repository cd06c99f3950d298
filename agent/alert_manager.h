// The alerting front end the daemon, parent sync and rollover logic call: an AlertSink with
// raise(event) and resolve(event). AlertManager keeps the active alerts (deduplicated by
// kind + zone + subject: a repeat while active is not re-sent, only its evidence refreshed),
// rate-limits per target with a token bucket on the injected clock (a notification finding
// no token is suppressed and counted, and the next one sent to that target says how many
// were), and sends one recovery notice per target that got the firing one when the alert
// clears (recovery notices are not rate-limited, so the two always pair). It only queues to
// an AlertDispatcher (the DeliveryWorker): it never blocks on the network.
//
//   DeliveryWorker worker(alert_options(cfg.global.alerts), factory);
//   AlertManager alerts(clock, worker, settings);
//   alerts.raise(event);              // chain broken: mails, webhooks, hooks queued
//   alerts.set(event, still_broken);  // each tick: raises or resolves as the condition says
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/alert_delivery.h"
#include "agent/alert_event.h"
#include "agent/policy.h"
#include "common/clock.h"

namespace ts::agent {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  /// Reports a condition; a repeat of an active alert (same dedup_key) is not re-sent.
  virtual void raise(const AlertEvent& e) = 0;
  /// Clears the alert with e's kind, zone and subject; no-op when not active.
  virtual void resolve(const AlertEvent& e) = 0;
  /// raise() when `active`, resolve() otherwise.
  void set(const AlertEvent& e, bool active) { active ? raise(e) : resolve(e); }
};

/// A token bucket: `burst` tokens, one more every `interval` seconds (injected time).
class TokenBucket {
 public:
  TokenBucket(int64_t burst, int64_t interval, UnixTime now)
      : burst_(burst), interval_(interval), tokens_(burst), last_(now) {}
  /// Takes a token if one is available at `now`.
  bool take(UnixTime now);

 private:
  int64_t burst_;
  int64_t interval_;
  int64_t tokens_;
  UnixTime last_;
};

struct ActiveAlert {
  AlertEvent event;
  UnixTime since = 0;
  UnixTime last_seen = 0;
  std::set<std::string> notified;  // targets that got the firing notification
};

struct AlertCounts {
  std::map<AlertKind, uint64_t> active;
  std::map<AlertKind, uint64_t> raised_total;  // distinct alerts raised
  std::map<AlertKind, uint64_t> resolved_total;
  uint64_t suppressed_total = 0;  // notifications dropped by rate limiting
  uint64_t dropped_total = 0;     // notifications the dispatcher refused (queue full)
};

class AlertManager final : public AlertSink {
 public:
  AlertManager(const Clock& clock, AlertDispatcher& out, const AlertSettings& settings);
  void raise(const AlertEvent& e) override;
  void resolve(const AlertEvent& e) override;
  std::vector<ActiveAlert> active() const;
  AlertCounts counts() const;

 private:
  bool take_token(const std::string& target, UnixTime now);  // mu_ held

  const Clock& clock_;
  AlertDispatcher& out_;
  AlertSettings settings_;
  mutable std::mutex mu_;
  std::map<std::string, ActiveAlert> active_;  // by dedup_key
  std::map<std::string, TokenBucket> buckets_;
  std::map<std::string, uint64_t> suppressed_;  // per target, since its last sent notification
  AlertCounts counts_;
};

}  // namespace ts::agent
