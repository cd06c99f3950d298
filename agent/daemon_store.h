// The daemon's durable state in SQLite (WAL, synchronous=FULL, schema version in
// user_version): per zone one row with the rollover planner's ZoneKeyState plus what the
// daemon adds (manual DS confirmations, signing times), a transition log, and the zones
// added at run time. Private keys are not here: keys are referenced by their KeyStore id.
// save() is durable when it returns; saves from several workers are committed together
// (group commit), each zone's outcome always entirely in one transaction. It also holds the
// daemon's key pool (a PoolStore, agent/key_pool.h): pool_get() only reserves a key in memory;
// the save that gives it to a zone removes it from the pool table in the same transaction, so
// a crash before that save leaves the key in the pool and nothing refers to it.
//
//   auto store = DaemonStore::open("/var/lib/trustsync/trustsync.db");
//   auto zones = (*store)->load_all();                  // Result<std::map<name, ZoneRecord>>
//   (*store)->save(rec, plan.transitions);
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/daemon_policy.h"
#include "agent/key_pool.h"
#include "agent/rollover_state.h"
#include "agent/seq_waiters.h"
#include "common/result.h"

struct sqlite3;

namespace ts::agent {

/// Everything durable about one zone.
struct ZoneRecord {
  ZoneKeyState keys;                 ///< keys.zone is the zone name
  std::map<DsId, UnixTime> ds_seen;  ///< `trustsync ds-seen ZONE TAG`
  std::map<DsId, UnixTime> ds_gone;  ///< `trustsync ds-seen ZONE TAG --gone`
  UnixTime signed_at = 0;            ///< last signed output written
  UnixTime expires = 0;              ///< earliest RRSIG expiration of that output
  UnixTime resign_at = 0;            ///< when to sign again (with jitter)
  bool dirty = true;                 ///< key set changed since the last written output
  /// Renames (temporary -> final: the signed output) committed with this record and applied
  /// after it; a restart applies those whose temporary still exists (roll-forward).
  std::vector<std::pair<std::string, std::string>> pending;
  /// Small files (path -> content: key metadata) committed with this record and written after
  /// it; a restart writes them again (roll-forward).
  std::vector<std::pair<std::string, std::string>> pending_writes;
  /// Parent method "tar" (agent/daemon_tar_rollover.cc): per repository target, the SHA-256
  /// of the anchor document it was last confirmed to serve (read back, compared) and since
  /// when; a restart only reads back what is confirmed here instead of publishing again.
  std::map<std::string, std::pair<std::string, UnixTime>> anchor_targets;
  /// Keys EVERY target serves as a current trust anchor / with their validity ended, since
  /// (the planner's ParentView::anchor_since / anchor_ended_since).
  std::map<DsId, UnixTime> anchor_current, anchor_ended;
  /// Which targets those two were confirmed by (anchor_targets_id(), agent/daemon_tar.h): after
  /// the `trust-anchors` targets change they open no gate until the new set confirms them.
  std::string anchor_for;
  bool operator==(const ZoneRecord&) const = default;
};

/// Text form of a ZoneRecord (tab-separated lines); exposed for tests.
std::string encode_zone_record(const ZoneRecord& r);
Result<ZoneRecord> decode_zone_record(const std::string& text);

/// A list of text lines as one TEXT column ("a\nb\n") and back (empty lines dropped).
std::string join_store_lines(const std::vector<std::string>& lines);
std::vector<std::string> split_store_lines(const std::string& text);

class DaemonStore final : public PoolStore {
 public:
  static Result<std::unique_ptr<DaemonStore>> open(const std::string& path);
  ~DaemonStore();

  Result<std::map<std::string, ZoneRecord>> load_all();
  /// Saves the zone's record and its transitions in one transaction; durable on return.
  Status save(const ZoneRecord& rec, const std::vector<Transition>& transitions);
  Status remove_zone(const std::string& zone);

  Result<std::vector<DynamicZone>> dynamic_zones();
  Status add_dynamic_zone(const DynamicZone& z);
  Status remove_dynamic_zone(const std::string& name);

  // ---- key pool (PoolStore) ----
  Result<std::vector<PooledKey>> pool_keys() override;
  Status pool_put(const std::vector<PooledKey>& keys) override;
  Result<std::optional<PooledKey>> pool_get(const KeySpec& spec) override;
  /// Makes a key from pool_get() available again (its zone's save did not happen).
  void pool_release(const PooledKey& key);

  // ---- childscan: DS sets accepted from children's CDS/CDNSKEY (agent/daemon_childscan.h),
  // agent/daemon_store_children.cc. One row per (parent, child); durable on return.
  struct ChildDsRow {
    std::string parent, child;
    std::vector<std::string> ds;  ///< DS rdata text "TAG ALG DTYPE HEX"; empty = DS removed
    UnixTime accepted_at = 0;
    bool bootstrap = false;  ///< accepted through RFC 9615
    uint32_t ttl = 3600;     ///< the DS RRset's TTL in the parent
    bool operator==(const ChildDsRow&) const = default;
  };
  Result<std::vector<ChildDsRow>> child_ds_rows();
  Status save_child_ds(const ChildDsRow& row);
  Status remove_child_ds(const std::string& parent, const std::string& child);

  // ---- parent method `managed` (agent/daemon_managed.h), agent/daemon_store_managed.cc: which
  // children are managed, and the DS set a parent keeps for a child that left management.
  struct ManagedDsRow {
    std::string parent, child;
    bool retained = false;        ///< false: the child is managed (ds, input unused)
    std::vector<std::string> ds;  ///< retained: DS rdata text "TAG ALG DTYPE HEX" P keeps
    uint32_t ttl = 3600;          ///< the child's DS TTL
    /// retained: the DS set P's input held when management ended (nullopt: not known yet)
    std::optional<std::vector<std::string>> input = std::nullopt;
    UnixTime since = 0;
    bool operator==(const ManagedDsRow&) const = default;
  };
  Result<std::vector<ManagedDsRow>> managed_ds_rows();
  Status save_managed_ds(const ManagedDsRow& row);
  Status remove_managed_ds(const std::string& parent, const std::string& child);

 private:
  explicit DaemonStore(sqlite3* db);
  Status exec(const std::string& sql);
  /// Runs `sql` (a statement with two parameters, parent and child); `what` names the row
  /// in the error message.
  Status exec_parent_child(const char* sql, const std::string& parent, const std::string& child,
                           const std::string& what);
  Status commit_batch(std::vector<std::pair<ZoneRecord, std::vector<Transition>>>& batch);
  void committer_loop();

  Status load_pool();

  sqlite3* db_;
  std::mutex db_mu_;  // one connection, used by one thread at a time

  std::mutex pool_mu_;
  std::map<KeySpec, std::map<std::pair<UnixTime, std::string>, PooledKey>> pool_;  // available

  // group commit
  std::mutex q_mu_;
  std::condition_variable q_cv_;
  SeqWaiters waiters_;  // save() callers, woken when their batch is committed
  std::vector<std::pair<ZoneRecord, std::vector<Transition>>> queue_;
  uint64_t queued_seq_ = 0, committed_seq_ = 0;
  std::map<uint64_t, std::string> errors_;  // by batch end seq
  bool stop_ = false;
  std::thread committer_;
};

}  // namespace ts::agent
