// The agent daemon: for every configured zone it keeps keys (KeyStore), rollovers (the
// planner of agent/rollover_planner.h), signatures (re-signed before expiry, with jitter)
// and the signed output (verified, written atomically, then the reload command) going, on
// the Scheduler's worker pool, with every outcome saved in the DaemonStore before it is
// acted on. A restart (also after kill -9) reloads the store and carries on: zones whose
// key set changed after their last written output are signed again at once.
//
//   SystemClock clock; Logger log(LogStyle::Text, stderr, clock);
//   Daemon d(*load_daemon_config(path, {}), clock, log, {});
//   if (auto st = d.start(); !st) ...;  d.scheduler().start();  ... d.stop();
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "agent/daemon_events.h"  // alertwire
#include "agent/daemon_policy.h"
#include "agent/daemon_store.h"
#include "agent/log.h"
#include "agent/scheduler.h"
#include "common/clock.h"
#include "common/name.h"

namespace ts::signer {
class FileKeyStore;
}
namespace ts::parentsync {
class ChildScanSource;  // parentsync/child_scan_fetch.h (childscan)
}

namespace ts::agent {
class KeyPool;
class PoolKeyCache;
class SyncBatcher;
struct StagedFiles;
}  // namespace ts::agent

namespace ts::agent {

class DaemonParent;       // branch parent: agent/daemon_parent.h
class ParentEventBridge;  // agent/daemon_parent_events.h
class DaemonTar;          // agent/daemon_tar.h
class ManagedChildren;    // agent/daemon_managed.h
class DaemonChildScan;    // agent/daemon_childscan.h
class ManagedZones;       // agent/daemon_managed.h
struct SignOutcome;       // agent/daemon_sign.h
struct KeySpec;           // agent/key_pool.h

struct DaemonOptions {
  unsigned workers = 2;
  /// Seconds before a failed zone is tried again (doubles up to retry_max).
  int64_t retry_min = 10, retry_max = 3600;
  uint64_t seed = 0;  ///< jitter seed; 0 = random
  /// Fault injection (tests): called at "staged" (key files and output written, unsynced),
  /// "synced" (before the commit) and "committed" (before the renames); returning true ends
  /// the pass there with nothing cleaned up, as a kill -9 would. Tear the Daemon down next.
  std::function<bool(std::string_view point)> crash_at = nullptr;
  /// childscan (agent/daemon_childscan.h): how a parent zone's children are read; empty =
  /// the network through libunbound. Tests inject a scripted source.
  std::function<Result<std::unique_ptr<parentsync::ChildScanSource>>(const ZoneSpec&)>
      child_scan_source = nullptr;
};

class Daemon {
 public:
  Daemon(DaemonConfig cfg, const Clock& clock, Logger& log, DaemonOptions opt);
  ~Daemon();

  /// Opens the key store and state store, loads every zone's state, schedules every zone.
  Status start();
  Scheduler& scheduler() { return *sched_; }
  const DaemonConfig& config() const { return cfg_; }

  /// Runs one zone now (what a scheduled event does).
  void handle(const Event& e);

  // ---- control (agent/control.h routes socket requests here) ----
  std::string status_text(const std::string& zone) const;
  std::string status_json(const std::string& zone) const;
  Status rollover(const std::string& zone, const std::string& role);
  Status ds_seen(const std::string& zone, uint16_t tag, bool gone);
  Status reload();
  Status zone_add(const DynamicZone& z);
  Status zone_remove(const std::string& zone);

  /// Zones whose first signed output is written / all zones.
  size_t signed_zones() const { return signed_count_; }
  size_t zone_count() const;
  /// A copy of a zone's durable record (tests).
  std::optional<ZoneRecord> record(const std::string& zone) const;

  // ---- branch parent: parent sync (agent/daemon_parent.h); connect alerts (any time, e.g.
  // before start()) with parent_sync().set_alert_callback(...).
  DaemonParent& parent_sync() { return *parent_; }
  /// Observe the zone's parent now (agent/daemon_parent_control.cc).
  Status parent_poll(const std::string& zone);

 private:
  struct ZoneRt {
    ZoneSpec spec;
    ZoneRecord rec;
    std::mutex mu;  // held while the zone is processed or changed by a command
    int failures = 0;
    bool signed_once = false;
    std::string last_error;
    uint64_t renames_ticket = 0;  // rec.pending(_writes) durable once sync_->covered(it)
    bool writes_applied = false;  // rec.pending_writes are written (the pass did not fail)
  };
  std::shared_ptr<ZoneRt> find(const std::string& zone) const;
  void process(ZoneRt& z, UnixTime now);
  Status maintain(ZoneRt& z, UnixTime now);
  /// Puts `cfg`'s zones in place and schedules them. A failure to rebuild the managed DS sets
  /// stops a start; on a reload the configuration stays applied (the sets known before are
  /// kept) and the failure is returned.
  Status apply_config(DaemonConfig cfg);
  void log_transitions(const std::string& zone, const std::vector<Transition>& ts);
  int64_t jitter(int64_t max);
  struct NewKey;
  Result<NewKey> new_key(const ZoneSpec& spec, const Name& origin, KeyRole role, uint8_t alg,
                         UnixTime now, StagedFiles& staged, bool from_pool);
  Status roll_forward();

  DaemonConfig cfg_;
  const Clock& clock_;
  Logger& log_;
  DaemonOptions opt_;
  std::unique_ptr<signer::FileKeyStore> keystore_;
  std::unique_ptr<DaemonStore> store_;
  std::unique_ptr<SyncBatcher> sync_;
  std::unique_ptr<PoolKeyCache> pool_keys_;
  std::unique_ptr<KeyPool> pool_;
  std::unique_ptr<Scheduler> sched_;
  mutable std::mutex mu_;  // zones_
  std::map<std::string, std::shared_ptr<ZoneRt>> zones_;
  std::map<std::string, ZoneRecord> stored_;  // loaded at start, for zones added later
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
  std::atomic<size_t> signed_count_{0};
  std::atomic<bool> config_applied_{false};  ///< apply_config completed once (then: reloads)
  UnixTime started_at_ = 0;
  std::atomic<bool> all_signed_logged_{false};

  // ---- alertwire: audit, metrics and alerts (agent/daemon_events.h) ----
 public:
  /// Where the daemon reports what it does; nullptr = nowhere. Set before start().
  void set_events(DaemonEvents* events) { events_ = events ? events : &no_events_; }
  /// For daemon components: events().alert(e, firing), events().alert_callback() ...
  DaemonEvents& events() { return *events_; }
  /// For components made before set_events(): forwards to the events set at call time.
  AlertCallback alert_callback() {
    return [this](const AlertEvent& e, bool firing) { events_->alert(e, firing); };
  }

 private:
  DaemonEvents no_events_;
  DaemonEvents* events_ = &no_events_;
  // ---- end alertwire ----
  std::unique_ptr<DaemonParent> parent_;              // branch parent
  std::unique_ptr<DaemonTar> tar_;                    // trust anchors to repositories
  Status publish_anchors(ZoneRt& z, UnixTime now);    // agent/daemon_tar_rollover.cc
  std::unique_ptr<ParentEventBridge> parent_events_;  // audit + DS-state gauge of parent alerts
  void pool_level(const ZoneSpec& spec, const KeySpec& ks, bool had_key);
  // ---- parent method `managed` (agent/daemon_managed_hooks.cc) ----
 public:
  /// The DS sets of the children of the parent zones this daemon signs (tests; a second
  /// source such as "parent polls children" sets its entries here, then managed_changed()).
  ManagedChildren& managed_children() { return *managed_; }
  /// Re-signs `parent` at once: its children's DS sets changed.
  void managed_changed(const std::string& parent);

 private:
  std::unique_ptr<ManagedChildren> managed_;
  std::unique_ptr<ManagedZones> managed_zones_;
  void managed_init();                               // in the constructor
  Status managed_rebuild();                          // start and reload: from the durable records
  bool managed_resign_needed(const ZoneSpec& spec);  // P: its output lacks a wanted DS set
  void managed_child(const ZoneSpec& spec, const ZoneRecord& rec, UnixTime now);  // C saved
  void managed_staged(const ZoneSpec& spec, const SignOutcome& out);  // P signed: log, audit
  void managed_signed(const ZoneSpec& spec, const SignOutcome& out, UnixTime now);  // P live
  // ---- childscan: the parent side of CDS/CDNSKEY (agent/daemon_childscan_hooks.cc)
 public:
  DaemonChildScan* child_scan() { return childscan_.get(); }  ///< tests, status

 private:
  std::unique_ptr<DaemonChildScan> childscan_;
  Status childscan_init();                                  // apply_config: store -> P's DS
  void childscan_hold(const std::string& why);              // state unreadable: keep P's DS
  void childscan_scan(const ZoneSpec& spec, UnixTime now);  // P's pass, before signing
  std::mutex pool_low_mu_;
  std::set<KeySpec> pool_low_;  // specs with a key-pool-low alert firing
};

}  // namespace ts::agent
