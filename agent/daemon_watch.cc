// The daemon's watch: audit log, metrics, alerts and chain watch (see daemon_watch.h).
#include "agent/daemon_watch.h"

#include <sys/stat.h>

#include <algorithm>

#include "agent/alert_chain.h"
#include "agent/audit_actor.h"
#include "agent/daemon_audit.h"
#include "agent/daemon_metrics.h"
#include "agent/daemon_store.h"

namespace ts::agent {

DaemonWatch::DaemonWatch(const DaemonConfig& cfg, const Clock& clock, Logger& log)
    : settings_(cfg.watch),
      clock_(clock),
      log_(log),
      registry_(clock),
      metrics_(registry_),
      alert_options_(alert_options(cfg.watch.alerts)),
      metrics_on_(!cfg.watch.metrics_listen.empty()) {}

Result<std::unique_ptr<DaemonWatch>> DaemonWatch::create(const DaemonConfig& cfg,
                                                         const Clock& clock, Logger& log) {
  std::unique_ptr<DaemonWatch> w(new DaemonWatch(cfg, clock, log));
  const std::string& path = w->settings_.audit_log;
  if (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0)
    ::mkdir(path.substr(0, slash).c_str(), 0700);  // e.g. the state dir; fine if present
  auto audit = AuditLog::open(path, clock);
  if (!audit) return fail("audit log: " + audit.error().message);
  w->audit_ = std::move(*audit);
  w->audit_thread_ = std::thread([self = w.get()] { self->audit_loop(); });
  DaemonWatch* self = w.get();
  AlertOptions opts = w->alert_options_;
  w->worker_ = std::make_unique<DeliveryWorker>(
      opts, [opts](const std::string& t) { return make_transport(t, opts); }, nullptr,
      [self](const std::string& m) { self->log_.warn("", "alert delivery: " + m); });
  w->alerts_ = std::make_unique<AlertManager>(clock, *w->worker_, w->settings_.alerts);
  if (w->settings_.chain_watch.interval.seconds > 0) {
    auto obs = ChainObserver::create(w->settings_.chain_watch);
    if (!obs) return fail("chain-watch: " + obs.error().message);
    w->chain_ = std::move(*obs);
  }
  return w;
}

DaemonWatch::~DaemonWatch() {
  stop(std::chrono::milliseconds(0));
}

Status DaemonWatch::start() {
  if (!settings_.metrics_listen.empty()) {
    auto srv =
        MetricsServer::start(settings_.metrics_listen, registry_, [this] { return health(); });
    if (!srv)
      return fail("metrics-listen " + settings_.metrics_listen + ": " + srv.error().message);
    server_ = std::move(*srv);
    log_.info("", "serving metrics",
              {{"listen", settings_.metrics_listen}, {"port", std::to_string(server_->port())}});
  }
  if (chain_)
    log_.info("", "watching the chain of trust",
              {{"interval", std::to_string(settings_.chain_watch.interval.seconds) + "s"}});
  thread_ = std::thread([this] { loop(); });
  return {};
}

void DaemonWatch::stop(std::chrono::milliseconds flush) {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  {
    std::lock_guard lock(audit_mu_);
    audit_stop_ = true;
  }
  audit_cv_.notify_all();
  if (audit_thread_.joinable()) audit_thread_.join();  // drains the queue first
  if (worker_ && flush.count() > 0) worker_->flush(flush);
}

void DaemonWatch::audit_loop() {
  std::unique_lock lock(audit_mu_);
  for (;;) {
    audit_cv_.wait(lock, [this] { return audit_stop_ || !audit_queue_.empty(); });
    if (audit_queue_.empty()) break;  // stopping, all written
    std::vector<AuditRecord> batch;
    batch.swap(audit_queue_);
    audit_busy_ = true;
    lock.unlock();
    if (Status s = audit_->append_all(batch); !s)
      log_.error("", "audit log: " + s.error().message + " (" + std::to_string(batch.size()) +
                         " records lost)");  // never stops the daemon
    lock.lock();
    audit_busy_ = false;
    audit_idle_cv_.notify_all();
    if (batch.size() >= kAuditBusyBatch)
      audit_cv_.wait_for(lock, kAuditWindow,
                         [this] { return audit_stop_ || audit_flush_waiters_ > 0; });
  }
}

void DaemonWatch::flush_audit() {
  std::unique_lock lock(audit_mu_);
  ++audit_flush_waiters_;
  audit_cv_.notify_one();
  audit_idle_cv_.wait(lock, [this] { return audit_queue_.empty() && !audit_busy_; });
  --audit_flush_waiters_;
}

void DaemonWatch::loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    refresh_alert_metrics();
    if (chain_) check_chains(clock_.now());
    lock.lock();
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
  }
}

void DaemonWatch::check_chains(UnixTime now) {
  std::vector<std::pair<std::string, std::vector<std::string>>> due;
  {
    std::lock_guard lock(mu_);
    for (auto& [name, z] : zones_)
      if (now >= z.next_chain_check) {
        due.emplace_back(name, z.notify);
        z.next_chain_check = now + settings_.chain_watch.interval.seconds;
      }
  }
  for (const auto& [name, notify] : due) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    auto report = chain_->observe(name, clock_.now());
    if (!report) {
      log_.warn(name, "chain watch: " + report.error().message);
      continue;
    }
    if (!chain_walk_conclusive(*report)) {
      log_.warn(name, "chain watch: could not check the chain; chain-broken stays as it was",
                {{"reason", report->reason}});
      continue;
    }
    for (const AlertCondition& c : chain_alert_conditions(*report, notify)) {
      // Only chain-broken here: rogue and inconsistent DS are parent sync's to report.
      if (c.event.kind != AlertKind::ChainBroken) continue;
      if (!confirmed(name, c.active)) {
        log_.info(name, "chain watch: the chain looks broken, looking again before alerting",
                  {{"evidence", c.event.summary}});
        continue;
      }
      bool was = false;
      for (const auto& a : alerts_->active())
        if (dedup_key(a.event) == dedup_key(c.event)) was = true;
      if (c.active && !was)
        log_.error(name, c.event.summary);
      else if (!c.active && was)
        log_.info(name, "chain of trust validates again");
      alerts_->set(c.event, c.active);
      refresh_alert_metrics();
    }
  }
}

bool DaemonWatch::confirmed(const std::string& zone, bool broken) {
  const ChainWatchSettings& w = settings_.chain_watch;
  UnixTime now = clock_.now();  // the walk just ended (check_chains' `now` may be long past)
  std::lock_guard lock(mu_);
  auto it = zones_.find(zone);
  if (it == zones_.end()) return !broken;  // removed meanwhile: no new alert, a clear is fine
  if (chain_break_confirmed(broken, w.confirm, it->second.broken_streak)) return true;
  // Unconfirmed: the next look comes soon (a reload settles in seconds), not a whole
  // interval later.
  it->second.next_chain_check = now + std::min<int64_t>(w.interval.seconds, kChainRecheck);
  return false;
}

void DaemonWatch::refresh_alert_metrics() {
  if (!metrics_on_) return;
  AlertCounts c = alerts_->counts();
  metrics_.set_alert_counts(c);
  metrics_.set_delivery_stats(worker_->stats(), c.suppressed_total);
}

Status DaemonWatch::health() const {
  UnixTime now = clock_.now();
  std::string expired;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, z] : zones_)
      if (z.expires > 0 && z.expires <= now) expired += (expired.empty() ? "" : ", ") + name;
  }
  if (!expired.empty()) return fail("signatures expired: " + expired);
  return {};
}

void DaemonWatch::audit(const AuditRecord& r) {
  {
    std::lock_guard lock(audit_mu_);
    if (!audit_stop_) {
      audit_queue_.push_back(r);
      audit_cv_.notify_one();
      return;
    }
  }
  if (Status s = audit_->append(r); !s)  // after stop(): written directly
    log_.error(r.zone, "audit log: " + s.error().message);
}

void DaemonWatch::command(const std::string& request, const std::string& reply) {
  if (request.rfind("status", 0) == 0) return;  // read-only
  std::string first = reply.substr(0, reply.find('\n'));
  audit({AuditEvent::ManualCommand,
         "",
         current_actor(),
         {{"command", request}, {"result", first.empty() ? std::string("ok") : first}}});
}

void DaemonWatch::zone_saved(const ZoneSpec& spec, const ZoneRecord& before,
                             const ZoneRecord& after, UnixTime now, const std::string& how) {
  for (const AuditRecord& r : zone_audit_records(spec.name, before, after, how, current_actor()))
    audit(r);
  update_metrics(spec, after, now);
}

void DaemonWatch::update_metrics(const ZoneSpec& spec, const ZoneRecord& rec, UnixTime now) {
  if (!metrics_on_) return;
  std::lock_guard lock(mu_);
  update_zone_metrics(registry_, metrics_, spec.name, rec, now, zones_[spec.name].shown);
}

void DaemonWatch::zone_signed(const ZoneSpec& spec, const ZoneRecord& rec, size_t rrsigs,
                              double seconds) {
  if (!metrics_on_) return;
  metrics_.add_signing(spec.name, static_cast<int64_t>(rrsigs), seconds);
  if (rec.expires > 0) metrics_.set_signature_expiry(spec.name, rec.expires);
}

void DaemonWatch::zone_result(const ZoneSpec& spec, const ZoneRecord& rec, UnixTime now,
                              const std::string& error) {
  {
    std::lock_guard lock(mu_);
    zones_[spec.name].expires = rec.expires;
  }
  update_metrics(spec, rec, now);
  if (auto c = signatures_expiring_condition(spec, rec, now, error)) {
    if (c->active) log_.error(spec.name, c->event.summary);
    alerts_->set(c->event, c->active);  // alert metrics: refreshed by the loop within 1 s
  }
}

void DaemonWatch::config_loaded(const DaemonConfig& cfg, const std::string& how) {
  {
    std::lock_guard lock(mu_);
    std::map<std::string, ZoneInfo> next;
    for (const ZoneSpec& z : cfg.zones) {
      ZoneInfo info;
      if (auto it = zones_.find(z.name); it != zones_.end()) info = it->second;
      info.notify = z.notify;
      next[z.name] = info;
    }
    zones_ = std::move(next);
  }
  audit({AuditEvent::ConfigLoad,
         "",
         current_actor(),
         {{"how", how}, {"path", cfg.path}, {"zones", static_cast<int64_t>(cfg.zones.size())}}});
}

void DaemonWatch::zone_dropped(const std::string& zone) {
  if (metrics_on_) metrics_.remove_zone(zone);  // scans the families: zones leave rarely
  std::lock_guard lock(mu_);
  zones_.erase(zone);
}

void DaemonWatch::alert(const AlertEvent& e, bool firing) {
  AlertEvent copy = e;
  if (copy.targets.empty()) {
    std::lock_guard lock(mu_);
    if (auto it = zones_.find(e.zone); it != zones_.end()) copy.targets = it->second.notify;
  }
  alerts_->set(copy, firing);
  refresh_alert_metrics();
}

void DaemonWatch::ds_state(const std::string& zone, const std::string& state) {
  if (!metrics_on_) return;
  static const char* kDsState = "trustsync_ds_state";
  std::lock_guard lock(mu_);
  std::string& shown = zones_[zone].ds_state;
  if (shown == state) return;
  // TrustSyncMetrics::set_ds_state scans the family and keeps 7 series per zone: not here.
  if (!shown.empty()) registry_.remove(kDsState, {{"zone", zone}, {"state", shown}});
  registry_.set(kDsState, {{"zone", zone}, {"state", state}}, 1);
  shown = state;
}

void DaemonWatch::parent_observed(const std::string& zone, UnixTime when) {
  if (metrics_on_) metrics_.set_parent_observed(zone, when);
}

}  // namespace ts::agent
