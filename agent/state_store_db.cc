// SQLite plumbing for the state store.
#include "agent/state_store_db.h"

namespace ts::agent::sql {

Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return fail(path + ": cannot open state database: " + msg);
  }
  std::unique_ptr<Db> db(new Db(raw, path));
  sqlite3_busy_timeout(raw, 10000);
  sqlite3_extended_result_codes(raw, 1);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    // journal_mode returns a row; run it through a statement.
    auto st = db->prepare(pragma);
    if (!st) return st.error();
    while (st->step_row()) {
    }
    if (auto s = st->status(pragma); !s) return s.error();
  }
  auto mode = db->prepare("PRAGMA journal_mode");
  if (!mode) return mode.error();
  if (!mode->step_row() || mode->text(0) != "wal")
    return fail(path + ": cannot switch the state database to WAL mode");
  return db;
}

Db::~Db() {
  sqlite3_close_v2(db_);
}

Error Db::error(std::string_view what) const {
  return fail(path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

Status Db::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return fail(path_ + ": " + sql.substr(0, 40) + ": " + msg);
  }
  return {};
}

Result<Stmt> Db::prepare(const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    return error("prepare " + sql.substr(0, 40));
  return Stmt(*this, st);
}

Status Stmt::run(std::string_view what) {
  last_ = sqlite3_step(st_.get());
  if (last_ != SQLITE_DONE && last_ != SQLITE_ROW) return db_->error(what);
  return {};
}

bool Stmt::step_row() {
  last_ = sqlite3_step(st_.get());
  return last_ == SQLITE_ROW;
}

Status Stmt::status(std::string_view what) const {
  if (last_ != SQLITE_DONE && last_ != SQLITE_ROW && last_ != SQLITE_OK) return db_->error(what);
  return {};
}

std::optional<int64_t> Stmt::opt(int col) const {
  if (sqlite3_column_type(st_.get(), col) == SQLITE_NULL) return std::nullopt;
  return i64(col);
}

std::string Stmt::text(int col) const {
  const unsigned char* t = sqlite3_column_text(st_.get(), col);
  return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
}

}  // namespace ts::agent::sql
