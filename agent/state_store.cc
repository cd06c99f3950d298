// State store: schema and migrations, and saving/loading a zone's key state atomically.
#include "agent/state_store.h"

#include "agent/state_store_db.h"

namespace ts::agent {
namespace {

// kMigrations[i] takes the schema from version i to version i + 1. Never edit a released
// entry: append a new one and bump StateStore::kSchemaVersion.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE zones (
  name TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  serial INTEGER NOT NULL,
  next_event INTEGER,              -- NULL: nothing scheduled
  waiting_for TEXT NOT NULL DEFAULT '',
  applied_through INTEGER NOT NULL DEFAULT 0,  -- see rollover_planner.h, mark_applied()
  dnskey_ttl INTEGER NOT NULL, dnskey_ttl_prev INTEGER NOT NULL, dnskey_ttl_lowered INTEGER NOT NULL,
  zone_ttl INTEGER NOT NULL, zone_ttl_prev INTEGER NOT NULL, zone_ttl_lowered INTEGER NOT NULL,
  ds_ttl INTEGER NOT NULL, ds_ttl_prev INTEGER NOT NULL, ds_ttl_lowered INTEGER NOT NULL
);
CREATE TABLE keys (
  zone TEXT NOT NULL REFERENCES zones(name) ON DELETE CASCADE,
  id TEXT NOT NULL,
  position INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('KSK', 'ZSK', 'CSK')),
  algorithm INTEGER NOT NULL,
  tag INTEGER NOT NULL,
  generated INTEGER, published INTEGER, ready INTEGER, active INTEGER, retired INTEGER,
  ds_submitted INTEGER, ds_seen INTEGER, ds_withdrawn INTEGER, ds_gone INTEGER,
  revoked INTEGER, removed INTEGER,
  PRIMARY KEY (zone, id)
);
CREATE TABLE rollovers (
  zone TEXT NOT NULL REFERENCES zones(name) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  kind TEXT NOT NULL,
  phase TEXT NOT NULL,
  algorithm INTEGER NOT NULL,
  started INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  old_keys TEXT NOT NULL,          -- key ids, one per line
  new_keys TEXT NOT NULL,
  PRIMARY KEY (zone, position)
);
CREATE TABLE ds_state (
  zone TEXT NOT NULL REFERENCES zones(name) ON DELETE CASCADE,
  algorithm INTEGER NOT NULL,
  tag INTEGER NOT NULL,
  digest_type INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('present', 'absent')),
  since INTEGER NOT NULL,
  all_servers INTEGER NOT NULL,
  PRIMARY KEY (zone, algorithm, tag, digest_type)
);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  zone TEXT NOT NULL,
  time INTEGER NOT NULL,
  subject TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX events_by_zone ON events (zone, seq);
)sql",
    // 1 -> 2: the key pool (agent/key_pool.h)
    R"sql(
CREATE TABLE key_pool (
  id TEXT PRIMARY KEY,
  algorithm INTEGER NOT NULL,
  bits INTEGER NOT NULL,
  tag INTEGER NOT NULL,
  generated INTEGER NOT NULL
);
CREATE INDEX key_pool_by_spec ON key_pool (algorithm, bits, generated);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == StateStore::kSchemaVersion);

struct TimeColumn {
  const char* name;
  std::optional<UnixTime> KeyRecord::*field;
};
constexpr TimeColumn kKeyTimes[] = {
    {"generated", &KeyRecord::generated}, {"published", &KeyRecord::published},
    {"ready", &KeyRecord::ready},         {"active", &KeyRecord::active},
    {"retired", &KeyRecord::retired},     {"ds_submitted", &KeyRecord::ds_submitted},
    {"ds_seen", &KeyRecord::ds_seen},     {"ds_withdrawn", &KeyRecord::ds_withdrawn},
    {"ds_gone", &KeyRecord::ds_gone},     {"revoked", &KeyRecord::revoked},
    {"removed", &KeyRecord::removed},
};

std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : "\n") + id;
  return out;
}

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

StateStore::StateStore(std::unique_ptr<sql::Db> db) : db_(std::move(db)) {}
StateStore::~StateStore() = default;

Result<std::unique_ptr<StateStore>> StateStore::open(const std::string& path) {
  auto db = sql::Db::open(path);
  if (!db) return db.error();
  std::unique_ptr<StateStore> store(new StateStore(std::move(*db)));
  if (auto s = store->migrate(); !s) return s.error();
  return store;
}

Status StateStore::migrate() {
  if (auto s = db_->exec("BEGIN IMMEDIATE"); !s) return s;
  auto body = [&]() -> Status {
    if (auto s = db_->exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        !s)
      return s;
    auto st = db_->prepare("SELECT version FROM schema_version");
    if (!st) return st.error();
    int version = 0;
    bool has_row = st->step_row();
    if (has_row) version = static_cast<int>(st->i64(0));
    if (auto s = st->status("read schema version"); !s) return s;
    if (version > kSchemaVersion)
      return fail(db_->path() + ": schema version " + std::to_string(version) +
                  " is newer than this TrustSync understands (" + std::to_string(kSchemaVersion) +
                  ")");
    for (int v = version; v < kSchemaVersion; ++v)
      if (auto s = db_->exec(kMigrations[v]); !s)
        return fail(s.error().message + " (migration to schema " + std::to_string(v + 1) + ")");
    auto up = db_->prepare(has_row ? "UPDATE schema_version SET version = ?1"
                                   : "INSERT INTO schema_version (version) VALUES (?1)");
    if (!up) return up.error();
    up->bind(1, int64_t{kSchemaVersion});
    if (auto s = up->run("write schema version"); !s) return s;
    return db_->exec("COMMIT");
  };
  Status s = body();
  if (!s) (void)db_->exec("ROLLBACK");
  return s;
}

Result<int> StateStore::schema_version() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT version FROM schema_version");
  if (!st) return st.error();
  if (!st->step_row()) return fail(db_->path() + ": no schema version");
  return static_cast<int>(st->i64(0));
}

Result<std::vector<std::string>> StateStore::zones() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT name FROM zones ORDER BY name");
  if (!st) return st.error();
  std::vector<std::string> out;
  while (st->step_row()) out.push_back(st->text(0));
  if (auto s = st->status("list zones"); !s) return s.error();
  return out;
}

Status StateStore::point(std::string_view name) {
  if (!fault_hook_) return {};
  return fault_hook_(name);
}

Status StateStore::save_step(const ZoneKeyState& zone, const std::vector<Transition>& transitions) {
  std::lock_guard lock(mu_);
  if (auto s = db_->exec("BEGIN IMMEDIATE"); !s) return s;
  Status s = write_step(zone, transitions);
  if (!s) {
    (void)db_->exec("ROLLBACK");
    return s;
  }
  return point("committed");
}

Status StateStore::write_step(const ZoneKeyState& z, const std::vector<Transition>& transitions) {
  if (auto s = point("begin"); !s) return s;
  auto zst = db_->prepare(
      "INSERT INTO zones (name, status, serial, next_event, waiting_for, dnskey_ttl, "
      "dnskey_ttl_prev, dnskey_ttl_lowered, zone_ttl, zone_ttl_prev, zone_ttl_lowered, ds_ttl, "
      "ds_ttl_prev, ds_ttl_lowered, applied_through) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
      "?10, ?11, ?12, ?13, ?14, ?15) ON CONFLICT (name) DO UPDATE SET status = excluded.status, "
      "serial = "
      "excluded.serial, next_event = excluded.next_event, waiting_for = excluded.waiting_for, "
      "dnskey_ttl = excluded.dnskey_ttl, dnskey_ttl_prev = excluded.dnskey_ttl_prev, "
      "dnskey_ttl_lowered = excluded.dnskey_ttl_lowered, zone_ttl = excluded.zone_ttl, "
      "zone_ttl_prev = excluded.zone_ttl_prev, zone_ttl_lowered = excluded.zone_ttl_lowered, "
      "ds_ttl = excluded.ds_ttl, ds_ttl_prev = excluded.ds_ttl_prev, ds_ttl_lowered = "
      "excluded.ds_ttl_lowered, applied_through = excluded.applied_through");
  if (!zst) return zst.error();
  zst->bind(1, z.zone);
  zst->bind(2, z.status);
  zst->bind(3, int64_t{z.serial});
  zst->bind(4, z.next_event == kNever ? std::nullopt : std::optional<int64_t>(z.next_event));
  zst->bind(5, z.waiting_for);
  int col = 6;
  for (const TtlMemory* m : {&z.dnskey_ttl, &z.zone_ttl, &z.ds_ttl}) {
    zst->bind(col++, m->current);
    zst->bind(col++, m->previous);
    zst->bind(col++, m->lowered_at);
  }
  zst->bind(15, z.applied_through);
  if (auto s = zst->run("save zone " + z.zone); !s) return s;
  if (auto s = point("zone"); !s) return s;

  auto del = db_->prepare("DELETE FROM keys WHERE zone = ?1");
  if (!del) return del.error();
  del->bind(1, z.zone);
  if (auto s = del->run("save keys of " + z.zone); !s) return s;
  if (auto s = point("keys"); !s) return s;
  std::string sql = "INSERT INTO keys (zone, id, position, role, algorithm, tag";
  for (const auto& c : kKeyTimes) sql += std::string(", ") + c.name;
  sql += ") VALUES (?1, ?2, ?3, ?4, ?5, ?6";
  for (size_t i = 0; i < std::size(kKeyTimes); ++i) sql += ", ?" + std::to_string(7 + i);
  sql += ")";
  for (size_t i = 0; i < z.keys.size(); ++i) {
    const KeyRecord& k = z.keys[i];
    auto st = db_->prepare(sql);
    if (!st) return st.error();
    st->bind(1, z.zone);
    st->bind(2, k.id);
    st->bind(3, static_cast<int64_t>(i));
    st->bind(4, to_string(k.role));
    st->bind(5, int64_t{k.algorithm});
    st->bind(6, int64_t{k.tag});
    for (size_t c = 0; c < std::size(kKeyTimes); ++c)
      st->bind(static_cast<int>(7 + c), k.*(kKeyTimes[c].field));
    if (auto s = st->run("save key " + k.id + " of " + z.zone); !s) return s;
    if (auto s = point("key " + std::to_string(i)); !s) return s;
  }

  auto delr = db_->prepare("DELETE FROM rollovers WHERE zone = ?1");
  if (!delr) return delr.error();
  delr->bind(1, z.zone);
  if (auto s = delr->run("save rollovers of " + z.zone); !s) return s;
  for (size_t i = 0; i < z.rollovers.size(); ++i) {
    const Rollover& r = z.rollovers[i];
    for (const auto* ids : {&r.old_keys, &r.new_keys})
      for (const auto& id : *ids)
        if (id.find('\n') != std::string::npos)
          return fail(db_->path() + ": key id with a newline in zone " + z.zone);
    auto st = db_->prepare(
        "INSERT INTO rollovers (zone, position, kind, phase, algorithm, started, updated, "
        "old_keys, new_keys) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st) return st.error();
    st->bind(1, z.zone);
    st->bind(2, static_cast<int64_t>(i));
    st->bind(3, to_string(r.kind));
    st->bind(4, to_string(r.phase));
    st->bind(5, int64_t{r.algorithm});
    st->bind(6, r.started);
    st->bind(7, r.updated);
    st->bind(8, join_ids(r.old_keys));
    st->bind(9, join_ids(r.new_keys));
    if (auto s = st->run("save rollover of " + z.zone); !s) return s;
  }
  if (auto s = point("rollovers"); !s) return s;

  for (const auto& t : transitions) {
    auto st = db_->prepare(
        "INSERT INTO events (zone, time, subject, from_state, to_state, reason) VALUES (?1, ?2, "
        "?3, ?4, ?5, ?6)");
    if (!st) return st.error();
    st->bind(1, z.zone);
    st->bind(2, t.at);
    st->bind(3, t.subject);
    st->bind(4, t.from);
    st->bind(5, t.to);
    st->bind(6, t.reason);
    if (auto s = st->run("log event of " + z.zone); !s) return s;
  }
  if (auto s = point("events"); !s) return s;
  if (auto s = point("commit"); !s) return s;
  return db_->exec("COMMIT");
}

Result<std::optional<ZoneKeyState>> StateStore::load_zone(const std::string& name) {
  std::lock_guard lock(mu_);
  auto zst = db_->prepare(
      "SELECT status, serial, next_event, waiting_for, dnskey_ttl, dnskey_ttl_prev, "
      "dnskey_ttl_lowered, zone_ttl, zone_ttl_prev, zone_ttl_lowered, ds_ttl, ds_ttl_prev, "
      "ds_ttl_lowered, applied_through FROM zones WHERE name = ?1");
  if (!zst) return zst.error();
  zst->bind(1, name);
  if (!zst->step_row()) {
    if (auto s = zst->status("load zone " + name); !s) return s.error();
    return std::optional<ZoneKeyState>();
  }
  ZoneKeyState z;
  z.zone = name;
  z.status = zst->text(0);
  z.serial = static_cast<uint32_t>(zst->i64(1));
  z.next_event = zst->opt(2).value_or(kNever);
  z.waiting_for = zst->text(3);
  int col = 4;
  for (TtlMemory* m : {&z.dnskey_ttl, &z.zone_ttl, &z.ds_ttl}) {
    m->current = zst->i64(col++);
    m->previous = zst->i64(col++);
    m->lowered_at = zst->i64(col++);
  }
  z.applied_through = zst->i64(13);

  std::string sql = "SELECT id, role, algorithm, tag";
  for (const auto& c : kKeyTimes) sql += std::string(", ") + c.name;
  sql += " FROM keys WHERE zone = ?1 ORDER BY position";
  auto kst = db_->prepare(sql);
  if (!kst) return kst.error();
  kst->bind(1, name);
  while (kst->step_row()) {
    KeyRecord k;
    k.id = kst->text(0);
    auto role = key_role_from_string(kst->text(1));
    if (!role) return fail(db_->path() + ": zone " + name + ": key " + k.id + " has a bad role");
    k.role = *role;
    k.algorithm = static_cast<uint8_t>(kst->i64(2));
    k.tag = static_cast<uint16_t>(kst->i64(3));
    for (size_t c = 0; c < std::size(kKeyTimes); ++c)
      k.*(kKeyTimes[c].field) = kst->opt(static_cast<int>(4 + c));
    z.keys.push_back(std::move(k));
  }
  if (auto s = kst->status("load keys of " + name); !s) return s.error();

  auto rst = db_->prepare(
      "SELECT kind, phase, algorithm, started, updated, old_keys, new_keys FROM rollovers "
      "WHERE zone = ?1 ORDER BY position");
  if (!rst) return rst.error();
  rst->bind(1, name);
  while (rst->step_row()) {
    Rollover r;
    auto kind = rollover_kind_from_string(rst->text(0));
    auto phase = phase_from_string(rst->text(1));
    if (!kind || !phase)
      return fail(db_->path() + ": zone " + name + ": unknown rollover " + rst->text(0) + "/" +
                  rst->text(1));
    r.kind = *kind;
    r.phase = *phase;
    r.algorithm = static_cast<uint8_t>(rst->i64(2));
    r.started = rst->i64(3);
    r.updated = rst->i64(4);
    r.old_keys = split_ids(rst->text(5));
    r.new_keys = split_ids(rst->text(6));
    z.rollovers.push_back(std::move(r));
  }
  if (auto s = rst->status("load rollovers of " + name); !s) return s.error();
  return std::optional<ZoneKeyState>(std::move(z));
}

Status StateStore::remove_zone(const std::string& zone) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("DELETE FROM zones WHERE name = ?1");
  if (!st) return st.error();
  st->bind(1, zone);
  return st->run("remove zone " + zone);
}

}  // namespace ts::agent
