// DaemonStore: the children managed through parent method `managed`, and the DS set a parent
// zone keeps for a child that left management (table daemon_managed_ds), so that a restart
// knows both (agent/daemon_managed.h, agent/daemon_managed_hooks.cc).
#include <sqlite3.h>

#include "agent/daemon_store.h"

namespace ts::agent {

Result<std::vector<DaemonStore::ManagedDsRow>> DaemonStore::managed_ds_rows() {
  std::lock_guard lock(db_mu_);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT parent, child, retained, ds, ttl, input, since FROM "
                         "daemon_managed_ds ORDER BY parent, child",
                         -1, &st, nullptr) != SQLITE_OK)
    return fail(std::string("state database: ") + sqlite3_errmsg(db_));
  std::vector<ManagedDsRow> out;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    auto text = [&](int i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
    };
    ManagedDsRow r;
    r.parent = text(0);
    r.child = text(1);
    r.retained = sqlite3_column_int64(st, 2) != 0;
    r.ds = split_store_lines(text(3));
    r.ttl = static_cast<uint32_t>(sqlite3_column_int64(st, 4));
    if (sqlite3_column_type(st, 5) != SQLITE_NULL) r.input = split_store_lines(text(5));
    r.since = sqlite3_column_int64(st, 6);
    out.push_back(std::move(r));
  }
  std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (!err.empty()) return fail("state database: managed children: " + err);
  return out;
}

Status DaemonStore::save_managed_ds(const ManagedDsRow& r) {
  std::lock_guard lock(db_mu_);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO daemon_managed_ds (parent, child, retained, ds, "
                         "ttl, input, since) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         -1, &st, nullptr) != SQLITE_OK)
    return fail(std::string("state database: ") + sqlite3_errmsg(db_));
  std::string ds = join_store_lines(r.ds), input = r.input ? join_store_lines(*r.input) : "";
  sqlite3_bind_text(st, 1, r.parent.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, r.child.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, r.retained ? 1 : 0);
  sqlite3_bind_text(st, 4, ds.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, r.ttl);
  if (r.input)
    sqlite3_bind_text(st, 6, input.c_str(), -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, 6);
  sqlite3_bind_int64(st, 7, r.since);
  bool ok = sqlite3_step(st) == SQLITE_DONE;
  std::string err = ok ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (!ok) return fail("state database: saving the managed child " + r.child + ": " + err);
  return {};
}

Status DaemonStore::remove_managed_ds(const std::string& parent, const std::string& child) {
  return exec_parent_child("DELETE FROM daemon_managed_ds WHERE parent = ? AND child = ?", parent,
                           child, "removing the managed child " + child);
}

}  // namespace ts::agent
