// State store: what the parent serves (ds_state), operator confirmations and the event log.
#include "agent/state_store.h"
#include "agent/state_store_db.h"

namespace ts::agent {

Status StateStore::record_ds(const std::string& zone, const DsObservation& o) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "INSERT INTO ds_state (zone, algorithm, tag, digest_type, state, since, all_servers) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (zone, algorithm, tag, digest_type) DO "
      "UPDATE SET since = CASE WHEN ds_state.state = excluded.state THEN ds_state.since ELSE "
      "excluded.since END, state = excluded.state, all_servers = excluded.all_servers");
  if (!st) return st.error();
  st->bind(1, zone);
  st->bind(2, int64_t{o.algorithm});
  st->bind(3, int64_t{o.tag});
  st->bind(4, int64_t{o.digest_type});
  st->bind(5, o.present ? "present" : "absent");
  st->bind(6, o.since);
  st->bind(7, int64_t{o.all_servers ? 1 : 0});
  return st->run("record DS " + std::to_string(o.tag) + " of " + zone);
}

Status StateStore::confirm_ds_seen(const std::string& zone, uint16_t tag, UnixTime now) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT algorithm FROM keys WHERE zone = ?1 AND tag = ?2 AND role != 'ZSK' AND removed IS "
      "NULL");
  if (!st) return st.error();
  st->bind(1, zone);
  st->bind(2, int64_t{tag});
  std::vector<uint8_t> algorithms;
  while (st->step_row()) algorithms.push_back(static_cast<uint8_t>(st->i64(0)));
  if (auto s = st->status("look up key " + std::to_string(tag)); !s) return s;
  if (algorithms.empty())
    return fail("zone " + zone + " has no KSK or CSK with tag " + std::to_string(tag));
  for (uint8_t alg : algorithms) {
    DsObservation o;
    o.algorithm = alg;
    o.tag = tag;
    o.present = true;
    o.since = now;
    o.all_servers = false;
    if (auto s = record_ds(zone, o); !s) return s;
  }
  return {};
}

Result<std::vector<DsObservation>> StateStore::ds_state(const std::string& zone) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT algorithm, tag, digest_type, state, since, all_servers FROM ds_state WHERE zone = "
      "?1 ORDER BY algorithm, tag, digest_type");
  if (!st) return st.error();
  st->bind(1, zone);
  std::vector<DsObservation> out;
  while (st->step_row()) {
    DsObservation o;
    o.algorithm = static_cast<uint8_t>(st->i64(0));
    o.tag = static_cast<uint16_t>(st->i64(1));
    o.digest_type = static_cast<uint8_t>(st->i64(2));
    o.present = st->text(3) == "present";
    o.since = st->i64(4);
    o.all_servers = st->i64(5) != 0;
    out.push_back(o);
  }
  if (auto s = st->status("load DS state of " + zone); !s) return s.error();
  return out;
}

Result<ParentView> StateStore::parent_view(const std::string& zone) {
  std::lock_guard lock(mu_);
  auto rows = ds_state(zone);
  if (!rows) return rows.error();
  ParentView view;
  for (const auto& o : *rows) {
    DsId id{o.algorithm, o.tag};
    if (!o.all_servers) view.all_servers = false;
    if (o.present) {
      auto [it, inserted] = view.present_since.emplace(id, o.since);
      if (!inserted) it->second = std::min(it->second, o.since);
    }
  }
  for (const auto& o : *rows)
    if (!o.present && !view.present_since.count({o.algorithm, o.tag}))
      view.absent_since[{o.algorithm, o.tag}] = o.since;
  return view;
}

Result<std::vector<ZoneEvent>> StateStore::events(const std::string& zone, int limit) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT time, subject, from_state, to_state, reason FROM events WHERE zone = ?1 ORDER BY "
      "seq DESC LIMIT ?2");
  if (!st) return st.error();
  st->bind(1, zone);
  st->bind(2, int64_t{limit});
  std::vector<ZoneEvent> out;
  while (st->step_row())
    out.push_back({zone, {st->i64(0), st->text(1), st->text(2), st->text(3), st->text(4)}});
  if (auto s = st->status("load events of " + zone); !s) return s.error();
  return std::vector<ZoneEvent>(out.rbegin(), out.rend());
}

}  // namespace ts::agent

namespace ts::agent {

Status StateStore::pool_add(const PooledKey& k) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "INSERT INTO key_pool (id, algorithm, bits, tag, generated) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st) return st.error();
  st->bind(1, k.id);
  st->bind(2, int64_t{k.algorithm});
  st->bind(3, int64_t{k.bits});
  st->bind(4, int64_t{k.tag});
  st->bind(5, k.generated);
  return st->run("add key " + k.id + " to the pool");
}

Result<std::optional<PooledKey>> StateStore::pool_take(uint8_t algorithm, int bits) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "DELETE FROM key_pool WHERE id = (SELECT id FROM key_pool WHERE algorithm = ?1 AND bits = "
      "?2 ORDER BY generated, id LIMIT 1) RETURNING id, algorithm, bits, tag, generated");
  if (!st) return st.error();
  st->bind(1, int64_t{algorithm});
  st->bind(2, int64_t{bits});
  std::optional<PooledKey> out;
  if (st->step_row())
    out = PooledKey{st->text(0), static_cast<uint8_t>(st->i64(1)), static_cast<int>(st->i64(2)),
                    static_cast<uint16_t>(st->i64(3)), st->i64(4)};
  while (st->step_row()) {
  }
  if (auto s = st->status("take a key from the pool"); !s) return s.error();
  return out;
}

Result<std::vector<PooledKey>> StateStore::pool_list() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT id, algorithm, bits, tag, generated FROM key_pool ORDER BY generated, id");
  if (!st) return st.error();
  std::vector<PooledKey> out;
  while (st->step_row())
    out.push_back({st->text(0), static_cast<uint8_t>(st->i64(1)), static_cast<int>(st->i64(2)),
                   static_cast<uint16_t>(st->i64(3)), st->i64(4)});
  if (auto s = st->status("list the key pool"); !s) return s.error();
  return out;
}

}  // namespace ts::agent
