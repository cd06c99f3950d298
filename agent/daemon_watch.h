// The daemon's watch: everything that reports on what the daemon does, owned in one place and
// attached with Daemon::set_events(). It writes the audit log (every key and DS event of every
// zone, config loads, manual commands with the caller's uid), keeps the metrics registry and
// serves it (/metrics, /health) when [agent] metrics-listen is set, owns the AlertManager and
// its DeliveryWorker ([agent.alerts], each zone's `notify`), raises signatures-expiring when
// signing fails close to expiry, and walks each zone's chain of trust every
// [agent.chain-watch] interval (chain-broken with evidence once `confirm` walks in a row
// found the break, recovery notice when it validates again). Delivery runs on its own thread: a
// dead SMTP server or webhook never holds up signing; audit records are appended by another, in
// batches (one fsync each). Other components raise their alerts through alert()/alert_callback()
// (DaemonEvents) and report parent observations through parent_observed().
//
//   auto watch = DaemonWatch::create(cfg, clock, log);      // opens the audit log
//   daemon.set_events(watch->get());  daemon.start();  (*watch)->start();
//   ... (*watch)->command("rollover example. zsk", reply);   // control socket requests
//   (*watch)->stop();
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/alert_delivery.h"
#include "agent/alert_manager.h"
#include "agent/audit_log.h"
#include "agent/daemon_alerts.h"
#include "agent/daemon_events.h"
#include "agent/daemon_metrics.h"
#include "agent/daemon_policy.h"
#include "agent/log.h"
#include "agent/metrics_registry.h"
#include "agent/metrics_server.h"
#include "agent/metrics_trustsync.h"

namespace ts::agent {

class DaemonWatch final : public DaemonEvents {
 public:
  /// Opens the audit log (creating its directory, 0700, if missing) and builds the alert
  /// pipeline; fails on an unusable audit log or chain-watch anchors.
  static Result<std::unique_ptr<DaemonWatch>> create(const DaemonConfig& cfg, const Clock& clock,
                                                     Logger& log);
  ~DaemonWatch() override;
  DaemonWatch(const DaemonWatch&) = delete;
  DaemonWatch& operator=(const DaemonWatch&) = delete;

  /// Starts the metrics endpoint (if configured) and the watch thread (chain walks, alert
  /// metrics).
  Status start();
  /// Stops the thread and the endpoint; waits up to `flush` for queued notifications.
  void stop(std::chrono::milliseconds flush = std::chrono::seconds(5));

  /// Audits one control request (not `status`) with its first reply line; the actor is
  /// current_actor() (the control socket's peer uid).
  void command(const std::string& request, const std::string& reply);

  // DaemonEvents
  void zone_saved(const ZoneSpec& spec, const ZoneRecord& before, const ZoneRecord& after,
                  UnixTime now, const std::string& how) override;
  void zone_signed(const ZoneSpec& spec, const ZoneRecord& rec, size_t rrsigs,
                   double seconds) override;
  void zone_result(const ZoneSpec& spec, const ZoneRecord& rec, UnixTime now,
                   const std::string& error) override;
  void config_loaded(const DaemonConfig& cfg, const std::string& how) override;
  void zone_dropped(const std::string& zone) override;
  /// Empty e.targets are filled with the zone's `notify` targets.
  void alert(const AlertEvent& e, bool firing) override;
  void parent_observed(const std::string& zone, UnixTime when) override;
  /// Exports only the current state (1) and removes the previous one: absent = 0.
  void ds_state(const std::string& zone, const std::string& state) override;
  void audit(const AuditRecord& r) override;

  AlertManager& alerts() { return *alerts_; }
  /// Empty unless [agent] metrics-listen is set.
  const MetricsRegistry& registry() const { return registry_; }
  /// The metrics port (0 when not serving).
  uint16_t metrics_port() const { return server_ ? server_->port() : 0; }
  /// /health: fails while a zone's signatures have expired.
  Status health() const;
  /// Waits until every audit record handed over so far is written (tests; stop() does it).
  void flush_audit();

 private:
  struct ZoneInfo {
    std::vector<std::string> notify;
    UnixTime expires = 0;
    UnixTime next_chain_check = 0;
    int broken_streak = 0;   // chain walks in a row that found the chain broken
    ZoneMetricsShown shown;  // key and rollover series exported for the zone
    std::string ds_state;    // DS state series exported for the zone
  };
  void update_metrics(const ZoneSpec& spec, const ZoneRecord& rec, UnixTime now);
  DaemonWatch(const DaemonConfig& cfg, const Clock& clock, Logger& log);
  void loop();
  void check_chains(UnixTime now);
  /// chain_break_confirmed() for `zone`'s streak; an unconfirmed break brings the zone's
  /// next walk forward to kChainRecheck seconds.
  bool confirmed(const std::string& zone, bool broken);
  static constexpr int64_t kChainRecheck = 10;
  void refresh_alert_metrics();
  void audit_loop();

  DaemonWatchSettings settings_;
  const Clock& clock_;
  Logger& log_;
  std::unique_ptr<AuditLog> audit_;
  MetricsRegistry registry_;
  TrustSyncMetrics metrics_;
  AlertOptions alert_options_;
  /// Metrics are kept only when served (about 2.5 KB per zone: 100,000 zones = 250 MB).
  bool metrics_on_;
  std::unique_ptr<DeliveryWorker> worker_;
  std::unique_ptr<AlertManager> alerts_;
  std::unique_ptr<ChainObserver> chain_;
  std::unique_ptr<MetricsServer> server_;

  mutable std::mutex mu_;  // zones_, stop_
  std::map<std::string, ZoneInfo> zones_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;

  // Audit records are written by their own thread in batches (one fsync per batch), so that
  // the workers never wait for the disk; stop() drains the queue. After a batch of at least
  // kAuditBusyBatch records the thread collects records for up to kAuditWindow before the
  // next one (a busy start-up would otherwise fsync the log and its head a hundred times a
  // second, each a disk flush the zones' own durability waits behind); flush_audit() and
  // stop() cut the wait short. Small batches (normal operation) are followed by no wait, so
  // a kill -9 loses no more than it did before.
  static constexpr std::chrono::milliseconds kAuditWindow{250};
  static constexpr size_t kAuditBusyBatch = 32;
  std::mutex audit_mu_;
  std::condition_variable audit_cv_, audit_idle_cv_;
  std::vector<AuditRecord> audit_queue_;
  bool audit_busy_ = false, audit_stop_ = false;
  int audit_flush_waiters_ = 0;
  std::thread audit_thread_;
};

}  // namespace ts::agent
