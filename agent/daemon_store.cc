// SQLite persistence of the daemon (group commit) and the text codec of a ZoneRecord.
#include "agent/daemon_store.h"

#include <sqlite3.h>

#include <sstream>

#include "signer/crypto.h"

namespace ts::agent {
namespace {

std::string opt(const std::optional<UnixTime>& t) {
  return t ? std::to_string(*t) : "-";
}

std::optional<UnixTime> parse_opt(const std::string& s) {
  if (s == "-") return std::nullopt;
  return std::stoll(s);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string clean(std::string s) {  // no tabs or newlines inside a field
  for (char& c : s)
    if (c == '\t' || c == '\n') c = ' ';
  return s;
}

constexpr std::optional<UnixTime> KeyRecord::*kKeyTimes[] = {
    &KeyRecord::generated, &KeyRecord::published,    &KeyRecord::ready,   &KeyRecord::active,
    &KeyRecord::retired,   &KeyRecord::ds_submitted, &KeyRecord::ds_seen, &KeyRecord::ds_withdrawn,
    &KeyRecord::ds_gone,   &KeyRecord::revoked,      &KeyRecord::removed};

std::string ttl_line(const char* name, const TtlMemory& t) {
  return std::string("ttl\t") + name + "\t" + std::to_string(t.current) + "\t" +
         std::to_string(t.previous) + "\t" + std::to_string(t.lowered_at) + "\n";
}

}  // namespace

std::string encode_zone_record(const ZoneRecord& r) {
  const ZoneKeyState& z = r.keys;
  std::ostringstream o;
  o << "zone\t" << z.zone << "\n"
    << "status\t" << clean(z.status) << "\n"
    << "serial\t" << z.serial << "\n"
    << "next\t" << z.next_event << "\n"
    << "waiting\t" << clean(z.waiting_for) << "\n"
    << ttl_line("dnskey", z.dnskey_ttl) << ttl_line("zone", z.zone_ttl) << ttl_line("ds", z.ds_ttl);
  for (const auto& k : z.keys) {
    o << "key\t" << k.id << "\t" << to_string(k.role) << "\t" << int(k.algorithm) << "\t" << k.tag;
    for (auto f : kKeyTimes) o << "\t" << opt(k.*f);
    o << "\n";
  }
  for (const auto& ro : z.rollovers)
    o << "roll\t" << to_string(ro.kind) << "\t" << to_string(ro.phase) << "\t" << int(ro.algorithm)
      << "\t" << ro.started << "\t" << ro.updated << "\t" << join(ro.old_keys) << "\t"
      << join(ro.new_keys) << "\n";
  for (const auto& [id, t] : r.ds_seen)
    o << "dsseen\t" << int(id.first) << "\t" << id.second << "\t" << t << "\n";
  for (const auto& [id, t] : r.ds_gone)
    o << "dsgone\t" << int(id.first) << "\t" << id.second << "\t" << t << "\n";
  for (const auto& [from, to] : r.pending) o << "pending\t" << from << "\t" << to << "\n";
  for (const auto& [path, content] : r.pending_writes)
    o << "pendwrite\t" << path << "\t"
      << signer::base64_encode(std::span<const uint8_t>(
             reinterpret_cast<const uint8_t*>(content.data()), content.size()))
      << "\n";
  for (const auto& [target, c] : r.anchor_targets)
    o << "anchor\t" << clean(target) << "\t" << c.first << "\t" << c.second << "\n";
  for (const auto& [id, t] : r.anchor_current)
    o << "anchorkey\t" << int(id.first) << "\t" << id.second << "\t" << t << "\n";
  for (const auto& [id, t] : r.anchor_ended)
    o << "anchorend\t" << int(id.first) << "\t" << id.second << "\t" << t << "\n";
  if (!r.anchor_for.empty()) o << "anchorfor\t" << clean(r.anchor_for) << "\n";
  o << "signing\t" << r.signed_at << "\t" << r.expires << "\t" << r.resign_at << "\t"
    << (r.dirty ? 1 : 0) << "\n";
  return o.str();
}

Result<ZoneRecord> decode_zone_record(const std::string& text) {
  ZoneRecord r;
  ZoneKeyState& z = r.keys;
  int lineno = 0;
  for (const auto& line : split(text, '\n')) {
    ++lineno;
    if (line.empty()) continue;
    auto f = split(line, '\t');
    auto bad = [&](const std::string& why) {
      return fail("state record line " + std::to_string(lineno) + ": " + why);
    };
    try {
      const std::string& tag = f[0];
      if (tag == "zone" && f.size() == 2) {
        z.zone = f[1];
      } else if (tag == "status" && f.size() == 2) {
        z.status = f[1];
      } else if (tag == "serial" && f.size() == 2) {
        z.serial = static_cast<uint32_t>(std::stoul(f[1]));
      } else if (tag == "next" && f.size() == 2) {
        z.next_event = std::stoll(f[1]);
      } else if (tag == "waiting" && f.size() == 2) {
        z.waiting_for = f[1];
      } else if (tag == "ttl" && f.size() == 5) {
        TtlMemory t{std::stoll(f[2]), std::stoll(f[3]), std::stoll(f[4])};
        if (f[1] == "dnskey")
          z.dnskey_ttl = t;
        else if (f[1] == "zone")
          z.zone_ttl = t;
        else if (f[1] == "ds")
          z.ds_ttl = t;
        else
          return bad("unknown ttl " + f[1]);
      } else if (tag == "key" && f.size() == 5 + std::size(kKeyTimes)) {
        KeyRecord k;
        k.id = f[1];
        auto role = key_role_from_string(f[2]);
        if (!role) return bad("bad role " + f[2]);
        k.role = *role;
        k.algorithm = static_cast<uint8_t>(std::stoi(f[3]));
        k.tag = static_cast<uint16_t>(std::stoi(f[4]));
        for (size_t i = 0; i < std::size(kKeyTimes); ++i) k.*kKeyTimes[i] = parse_opt(f[5 + i]);
        z.keys.push_back(std::move(k));
      } else if (tag == "roll" && f.size() == 8) {
        Rollover ro;
        auto kind = rollover_kind_from_string(f[1]);
        auto phase = phase_from_string(f[2]);
        if (!kind || !phase) return bad("bad rollover " + f[1] + " " + f[2]);
        ro.kind = *kind;
        ro.phase = *phase;
        ro.algorithm = static_cast<uint8_t>(std::stoi(f[3]));
        ro.started = std::stoll(f[4]);
        ro.updated = std::stoll(f[5]);
        if (!f[6].empty()) ro.old_keys = split(f[6], ',');
        if (!f[7].empty()) ro.new_keys = split(f[7], ',');
        z.rollovers.push_back(std::move(ro));
      } else if ((tag == "dsseen" || tag == "dsgone") && f.size() == 4) {
        DsId id{static_cast<uint8_t>(std::stoi(f[1])), static_cast<uint16_t>(std::stoi(f[2]))};
        (tag == "dsseen" ? r.ds_seen : r.ds_gone)[id] = std::stoll(f[3]);
      } else if ((tag == "anchorkey" || tag == "anchorend") && f.size() == 4) {
        DsId id{static_cast<uint8_t>(std::stoi(f[1])), static_cast<uint16_t>(std::stoi(f[2]))};
        (tag == "anchorkey" ? r.anchor_current : r.anchor_ended)[id] = std::stoll(f[3]);
      } else if (tag == "anchorfor" && f.size() == 2) {
        r.anchor_for = f[1];
      } else if (tag == "anchor" && f.size() == 4) {
        r.anchor_targets[f[1]] = {f[2], std::stoll(f[3])};
      } else if (tag == "pending" && f.size() == 3) {
        r.pending.emplace_back(f[1], f[2]);
      } else if (tag == "pendwrite" && f.size() == 3) {
        auto content = signer::base64_decode(f[2]);
        if (!content) return bad("pendwrite: " + content.error().message);
        r.pending_writes.emplace_back(f[1], std::string(content->begin(), content->end()));
      } else if (tag == "signing" && f.size() == 5) {
        r.signed_at = std::stoll(f[1]);
        r.expires = std::stoll(f[2]);
        r.resign_at = std::stoll(f[3]);
        r.dirty = f[4] == "1";
      } else {
        return bad("unexpected '" + tag + "'");
      }
    } catch (const std::exception& e) {
      return bad(std::string("bad number: ") + e.what());
    }
  }
  if (z.zone.empty()) return fail("state record without zone");
  return r;
}

// ---------------------------------------------------------------------------------------

DaemonStore::DaemonStore(sqlite3* db) : db_(db) {
  committer_ = std::thread([this] { committer_loop(); });
}

DaemonStore::~DaemonStore() {
  {
    std::lock_guard lock(q_mu_);
    stop_ = true;
  }
  q_cv_.notify_all();
  committer_.join();
  sqlite3_close(db_);
}

Status DaemonStore::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return fail("state database: " + msg + " (in: " + sql.substr(0, 60) + ")");
  }
  return {};
}

Result<std::unique_ptr<DaemonStore>> DaemonStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return fail(path + ": cannot open state database: " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<DaemonStore> s(new DaemonStore(db));
  for (const char* sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
        "CREATE TABLE IF NOT EXISTS daemon_zone (name TEXT PRIMARY KEY, state TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS daemon_transition (id INTEGER PRIMARY KEY, zone TEXT, at "
        "INTEGER, subject TEXT, from_state TEXT, to_state TEXT, reason TEXT)",
        "CREATE TABLE IF NOT EXISTS daemon_dynamic_zone (name TEXT PRIMARY KEY, file TEXT, "
        "output TEXT)",
        "CREATE TABLE IF NOT EXISTS daemon_key_pool (id TEXT PRIMARY KEY, algorithm INTEGER, "
        "bits INTEGER, tag INTEGER, generated INTEGER)",
        // childscan: DS sets accepted from children's CDS/CDNSKEY (daemon_store_children.cc)
        "CREATE TABLE IF NOT EXISTS daemon_child_ds (parent TEXT, child TEXT, ds TEXT, "
        "accepted_at INTEGER, bootstrap INTEGER, ttl INTEGER, PRIMARY KEY (parent, child))",
        // managed: managed children, and the DS sets kept for former ones
        // (daemon_store_managed.cc)
        "CREATE TABLE IF NOT EXISTS daemon_managed_ds (parent TEXT, child TEXT, retained "
        "INTEGER, ds TEXT, ttl INTEGER, input TEXT, since INTEGER, PRIMARY KEY (parent, child))",
        "PRAGMA user_version=3"}) {
    if (Status st = s->exec(sql); !st) return fail(path + ": " + st.error().message);
  }
  if (Status st = s->load_pool(); !st) return fail(path + ": " + st.error().message);
  return s;
}

Result<std::map<std::string, ZoneRecord>> DaemonStore::load_all() {
  std::lock_guard lock(db_mu_);
  std::map<std::string, ZoneRecord> out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT name, state FROM daemon_zone", -1, &st, nullptr) != SQLITE_OK)
    return fail(std::string("state database: ") + sqlite3_errmsg(db_));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::string name = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    std::string text = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    auto r = decode_zone_record(text);
    if (!r) {
      sqlite3_finalize(st);
      return fail("state of zone " + name + ": " + r.error().message);
    }
    out.emplace(name, std::move(*r));
  }
  // A read stopped by an error is no partial list: a zone left out would be taken for new.
  std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (!err.empty()) return fail("state database: reading the zone records: " + err);
  return out;
}

Status DaemonStore::commit_batch(
    std::vector<std::pair<ZoneRecord, std::vector<Transition>>>& batch) {
  std::lock_guard lock(db_mu_);
  if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
  sqlite3_stmt *up = nullptr, *tr = nullptr, *taken = nullptr;
  sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO daemon_zone (name, state) VALUES (?, ?)", -1, &up,
                     nullptr);
  sqlite3_prepare_v2(db_, "DELETE FROM daemon_key_pool WHERE id = ?", -1, &taken, nullptr);
  sqlite3_prepare_v2(db_,
                     "INSERT INTO daemon_transition (zone, at, subject, from_state, to_state, "
                     "reason) VALUES (?, ?, ?, ?, ?, ?)",
                     -1, &tr, nullptr);
  bool ok = up && tr && taken;
  for (auto& [rec, trs] : batch) {
    if (!ok) break;
    std::string text = encode_zone_record(rec);
    sqlite3_bind_text(up, 1, rec.keys.zone.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(up, 2, text.c_str(), -1, SQLITE_TRANSIENT);
    ok = sqlite3_step(up) == SQLITE_DONE;
    sqlite3_reset(up);
    for (const auto& k : rec.keys.keys) {  // a key of a zone is no longer in the pool
      if (!ok) break;
      sqlite3_bind_text(taken, 1, k.id.c_str(), -1, SQLITE_TRANSIENT);
      ok = sqlite3_step(taken) == SQLITE_DONE;
      sqlite3_reset(taken);
    }
    for (const auto& t : trs) {
      if (!ok) break;
      sqlite3_bind_text(tr, 1, rec.keys.zone.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(tr, 2, t.at);
      sqlite3_bind_text(tr, 3, t.subject.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(tr, 4, t.from.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(tr, 5, t.to.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(tr, 6, t.reason.c_str(), -1, SQLITE_TRANSIENT);
      ok = sqlite3_step(tr) == SQLITE_DONE;
      sqlite3_reset(tr);
    }
  }
  std::string err = ok ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(up);
  sqlite3_finalize(tr);
  sqlite3_finalize(taken);
  if (!ok) {
    (void)exec("ROLLBACK");
    return fail("state database: " + err);
  }
  return exec("COMMIT");
}

void DaemonStore::committer_loop() {
  std::unique_lock lock(q_mu_);
  for (;;) {
    q_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) return;
    auto batch = std::move(queue_);
    queue_.clear();
    uint64_t end = queued_seq_;
    uint64_t start = end - batch.size();
    lock.unlock();
    Status s = commit_batch(batch);
    lock.lock();
    if (!s) errors_[end] = std::to_string(start) + "\t" + s.error().message;
    committed_seq_ = end;
    waiters_.release(end);
  }
}

Status DaemonStore::save(const ZoneRecord& rec, const std::vector<Transition>& transitions) {
  std::unique_lock lock(q_mu_);
  queue_.emplace_back(rec, transitions);
  uint64_t seq = ++queued_seq_;
  q_cv_.notify_one();
  waiters_.wait(lock, seq, [&] { return committed_seq_ >= seq; });
  auto it = errors_.lower_bound(seq);
  if (it != errors_.end()) {
    auto tab = it->second.find('\t');
    if (std::stoull(it->second.substr(0, tab)) < seq) return fail(it->second.substr(tab + 1));
  }
  return {};
}

Status DaemonStore::remove_zone(const std::string& zone) {
  std::lock_guard lock(db_mu_);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "DELETE FROM daemon_zone WHERE name = ?", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, zone.c_str(), -1, SQLITE_TRANSIENT);
  bool ok = sqlite3_step(st) == SQLITE_DONE;
  sqlite3_finalize(st);
  if (!ok) return fail(std::string("state database: ") + sqlite3_errmsg(db_));
  return {};
}

Result<std::vector<DynamicZone>> DaemonStore::dynamic_zones() {
  std::lock_guard lock(db_mu_);
  std::vector<DynamicZone> out;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT name, file, output FROM daemon_dynamic_zone ORDER BY name", -1,
                     &st, nullptr);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    auto col = [&](int i) {
      auto* p = sqlite3_column_text(st, i);
      return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
    };
    out.push_back({col(0), col(1), col(2)});
  }
  sqlite3_finalize(st);
  return out;
}

Status DaemonStore::add_dynamic_zone(const DynamicZone& z) {
  std::lock_guard lock(db_mu_);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO daemon_dynamic_zone VALUES (?, ?, ?)", -1, &st,
                     nullptr);
  sqlite3_bind_text(st, 1, z.name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, z.file.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, z.output.c_str(), -1, SQLITE_TRANSIENT);
  bool ok = sqlite3_step(st) == SQLITE_DONE;
  sqlite3_finalize(st);
  if (!ok) return fail(std::string("state database: ") + sqlite3_errmsg(db_));
  return {};
}

Status DaemonStore::remove_dynamic_zone(const std::string& name) {
  std::lock_guard lock(db_mu_);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "DELETE FROM daemon_dynamic_zone WHERE name = ?", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
  bool ok = sqlite3_step(st) == SQLITE_DONE;
  sqlite3_finalize(st);
  if (!ok) return fail(std::string("state database: ") + sqlite3_errmsg(db_));
  return {};
}

// ---- key pool -------------------------------------------------------------------------

Status DaemonStore::load_pool() {
  std::lock_guard lock(db_mu_);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT id, algorithm, bits, tag, generated FROM daemon_key_pool", -1,
                         &st, nullptr) != SQLITE_OK)
    return fail(std::string("state database: ") + sqlite3_errmsg(db_));
  std::lock_guard pl(pool_mu_);
  while (sqlite3_step(st) == SQLITE_ROW) {
    PooledKey k;
    k.id = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    k.algorithm = static_cast<uint8_t>(sqlite3_column_int(st, 1));
    k.bits = sqlite3_column_int(st, 2);
    k.tag = static_cast<uint16_t>(sqlite3_column_int(st, 3));
    k.generated = sqlite3_column_int64(st, 4);
    pool_[{k.algorithm, k.bits}][{k.generated, k.id}] = k;
  }
  sqlite3_finalize(st);
  return {};
}

Result<std::vector<PooledKey>> DaemonStore::pool_keys() {
  std::lock_guard lock(pool_mu_);
  std::vector<PooledKey> out;
  for (const auto& [spec, keys] : pool_)
    for (const auto& [order, k] : keys) out.push_back(k);
  return out;
}

Status DaemonStore::pool_put(const std::vector<PooledKey>& keys) {
  {
    std::lock_guard lock(db_mu_);
    if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "INSERT INTO daemon_key_pool VALUES (?, ?, ?, ?, ?)", -1, &st, nullptr);
    bool ok = st != nullptr;
    for (const auto& k : keys) {
      if (!ok) break;
      sqlite3_bind_text(st, 1, k.id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int(st, 2, k.algorithm);
      sqlite3_bind_int(st, 3, k.bits);
      sqlite3_bind_int(st, 4, k.tag);
      sqlite3_bind_int64(st, 5, k.generated);
      ok = sqlite3_step(st) == SQLITE_DONE;
      sqlite3_reset(st);
    }
    std::string err = ok ? "" : sqlite3_errmsg(db_);
    sqlite3_finalize(st);
    if (!ok) {
      (void)exec("ROLLBACK");
      return fail("state database: key pool: " + err);
    }
    if (Status s = exec("COMMIT"); !s) return s;
  }
  std::lock_guard lock(pool_mu_);
  for (const auto& k : keys) pool_[{k.algorithm, k.bits}][{k.generated, k.id}] = k;
  return {};
}

Result<std::optional<PooledKey>> DaemonStore::pool_get(const KeySpec& spec) {
  std::lock_guard lock(pool_mu_);
  auto it = pool_.find(spec);
  if (it == pool_.end() || it->second.empty()) return std::optional<PooledKey>();
  PooledKey k = it->second.begin()->second;
  it->second.erase(it->second.begin());
  return std::optional<PooledKey>(std::move(k));
}

void DaemonStore::pool_release(const PooledKey& k) {
  std::lock_guard lock(pool_mu_);
  pool_[{k.algorithm, k.bits}][{k.generated, k.id}] = k;
}

}  // namespace ts::agent
