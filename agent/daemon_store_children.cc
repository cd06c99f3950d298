// DaemonStore: the DS sets the child scan accepted (table daemon_child_ds), so that a
// parent zone keeps them across restarts (agent/daemon_childscan.h).
#include <sqlite3.h>

#include <sstream>

#include "agent/daemon_store.h"

namespace ts::agent {

std::string join_store_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::vector<std::string> split_store_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

Result<std::vector<DaemonStore::ChildDsRow>> DaemonStore::child_ds_rows() {
  std::lock_guard lock(db_mu_);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(
          db_,
          "SELECT parent, child, ds, accepted_at, bootstrap, ttl FROM daemon_child_ds "
          "ORDER BY parent, child",
          -1, &st, nullptr) != SQLITE_OK)
    return fail(std::string("state database: ") + sqlite3_errmsg(db_));
  std::vector<ChildDsRow> out;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ChildDsRow r;
    auto text = [&](int i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
    };
    r.parent = text(0);
    r.child = text(1);
    r.ds = split_store_lines(text(2));
    r.accepted_at = sqlite3_column_int64(st, 3);
    r.bootstrap = sqlite3_column_int64(st, 4) != 0;
    r.ttl = static_cast<uint32_t>(sqlite3_column_int64(st, 5));
    out.push_back(std::move(r));
  }
  std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (!err.empty()) return fail("state database: accepted child DS: " + err);
  return out;
}

Status DaemonStore::save_child_ds(const ChildDsRow& r) {
  std::lock_guard lock(db_mu_);
  std::string ds = join_store_lines(r.ds);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO daemon_child_ds (parent, child, ds, accepted_at, "
                         "bootstrap, ttl) VALUES (?, ?, ?, ?, ?, ?)",
                         -1, &st, nullptr) != SQLITE_OK)
    return fail(std::string("state database: ") + sqlite3_errmsg(db_));
  sqlite3_bind_text(st, 1, r.parent.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, r.child.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, ds.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, r.accepted_at);
  sqlite3_bind_int64(st, 5, r.bootstrap ? 1 : 0);
  sqlite3_bind_int64(st, 6, r.ttl);
  bool ok = sqlite3_step(st) == SQLITE_DONE;
  std::string err = ok ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (!ok) return fail("state database: saving the DS of " + r.child + ": " + err);
  return {};
}

Status DaemonStore::remove_child_ds(const std::string& parent, const std::string& child) {
  return exec_parent_child("DELETE FROM daemon_child_ds WHERE parent = ? AND child = ?", parent,
                           child, "removing the DS of " + child);
}

Status DaemonStore::exec_parent_child(const char* sql, const std::string& parent,
                                      const std::string& child, const std::string& what) {
  std::lock_guard lock(db_mu_);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
    return fail(std::string("state database: ") + sqlite3_errmsg(db_));
  sqlite3_bind_text(st, 1, parent.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, child.c_str(), -1, SQLITE_TRANSIENT);
  bool ok = sqlite3_step(st) == SQLITE_DONE;
  std::string err = ok ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (!ok) return fail("state database: " + what + ": " + err);
  return {};
}

}  // namespace ts::agent
