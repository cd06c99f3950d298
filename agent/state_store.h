// State store: the agent's durable memory in SQLite (WAL, synchronous=FULL, foreign keys,
// versioned schema with migrations). It holds each zone's status, serial and next event,
// every key's timing (private keys stay in the KeyStore, referenced by id), the rollovers in
// progress, what the parent was seen to serve (ds_state) and the log of every transition.
// Safe to share between threads (calls are serialized). A planner step's outcome is saved in one
// transaction, so a kill -9 at any point leaves either the step before or the step after.
//
//   auto store = StateStore::open("/var/lib/trustsync/state.db");
//   auto loaded = (*store)->load_zone("example.");  // Result<optional<ZoneKeyState>>
//   ZoneKeyState z = loaded->value_or(ZoneKeyState{});
//   Plan p = step(z, policy, timing, now, *(*store)->parent_view("example."));
//   if (auto s = (*store)->save_step(z, p.transitions); !s) log(s.error().message);
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/rollover_state.h"
#include "common/result.h"

namespace ts::agent {

namespace sql {
class Db;
}

/// One row of ds_state: what the parent serves for one DS.
struct DsObservation {
  uint8_t algorithm = 0;
  uint16_t tag = 0;
  uint8_t digest_type = 2;
  bool present = false;
  UnixTime since = 0;       ///< kept across repeated identical observations
  bool all_servers = true;  ///< seen on every parent server (false: operator confirmation)
};

/// An unassigned key waiting in the pool; its private half is in the KeyStore under `id`.
struct PooledKey {
  std::string id;
  uint8_t algorithm = 0;
  int bits = 0;  ///< 0 for algorithms with a fixed size
  uint16_t tag = 0;
  UnixTime generated = 0;
  bool operator==(const PooledKey&) const = default;
};

/// A logged transition with its zone.
struct ZoneEvent {
  std::string zone;
  Transition transition;
};

class StateStore {
 public:
  static constexpr int kSchemaVersion = 2;

  /// Opens or creates the database and brings its schema up to date. Refuses a database
  /// written by a newer TrustSync (schema version above kSchemaVersion).
  static Result<std::unique_ptr<StateStore>> open(const std::string& path);
  ~StateStore();

  Result<int> schema_version();
  Result<std::vector<std::string>> zones();
  /// The zone's saved state, or nullopt if the zone is unknown.
  Result<std::optional<ZoneKeyState>> load_zone(const std::string& zone);
  /// Saves the whole zone state (zone row, keys, rollovers) and appends `transitions` to
  /// the event log, atomically (BEGIN IMMEDIATE ... COMMIT).
  Status save_step(const ZoneKeyState& zone, const std::vector<Transition>& transitions);
  /// Removes a zone and everything about it.
  Status remove_zone(const std::string& zone);

  /// Records what the parent serves for one DS (keeps `since` when nothing changed).
  Status record_ds(const std::string& zone, const DsObservation& observation);
  /// `trustsync ds-seen ZONE TAG`: the operator confirms the DS of the zone's KSK/CSK with
  /// that tag is at the parent. Fails when the zone has no such key.
  Status confirm_ds_seen(const std::string& zone, uint16_t tag, UnixTime now);
  /// The parent as observed, for the planner.
  Result<ParentView> parent_view(const std::string& zone);
  Result<std::vector<DsObservation>> ds_state(const std::string& zone);

  /// Key pool (agent/key_pool.h): unassigned pre-generated keys.
  Status pool_add(const PooledKey& key);
  /// Takes (removes) the oldest pooled key of that algorithm and size, if any.
  Result<std::optional<PooledKey>> pool_take(uint8_t algorithm, int bits);
  Result<std::vector<PooledKey>> pool_list();

  /// The last `limit` events of a zone, oldest first.
  Result<std::vector<ZoneEvent>> events(const std::string& zone, int limit = 100);

  /// Fault injection for tests: called at every write point of save_step() ("begin",
  /// "zone", "keys", "key N", "rollovers", "events", "commit", and "committed" after
  /// COMMIT); a failure aborts the transaction there (a hook may also kill the process to
  /// simulate a crash).
  using FaultHook = std::function<Status(std::string_view point)>;
  void set_fault_hook(FaultHook hook) { fault_hook_ = std::move(hook); }

 private:
  explicit StateStore(std::unique_ptr<sql::Db> db);
  Status migrate();
  Status write_step(const ZoneKeyState& zone, const std::vector<Transition>& transitions);
  Status point(std::string_view name);

  std::unique_ptr<sql::Db> db_;
  FaultHook fault_hook_;
  std::recursive_mutex mu_;  ///< one connection, shared by the daemon and the pool worker
};

}  // namespace ts::agent
