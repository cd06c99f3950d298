// SQLite plumbing for the state store: an owned connection and prepared statements with
// bind/column helpers whose errors carry SQLite's message and the database path. Only
// agent/state_store*.cc use it.
//
//   auto db = Db::open("/var/lib/trustsync/state.db");
//   auto st = db->prepare("SELECT name FROM zones WHERE status = ?1");
//   st->bind(1, "signing");
//   while (st->step_row()) use(st->text(0));
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ts::agent::sql {

class Stmt;

class Db {
 public:
  /// Opens (creating if needed) with WAL, synchronous=FULL, foreign keys on.
  static Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status exec(const std::string& sql);
  Result<Stmt> prepare(const std::string& sql);
  /// "PATH: WHAT: sqlite message"
  Error error(std::string_view what) const;
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

class Stmt {
 public:
  Stmt(Db& db, sqlite3_stmt* st) : db_(&db), st_(st, sqlite3_finalize) {}
  void bind(int i, int64_t v) { sqlite3_bind_int64(st_.get(), i, v); }
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(st_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, const std::optional<int64_t>& v) {
    if (v)
      bind(i, *v);
    else
      sqlite3_bind_null(st_.get(), i);
  }
  /// Runs a statement that returns no rows.
  Status run(std::string_view what);
  /// Advances to the next row: true on a row, false when done (errors also end: check ok()).
  bool step_row();
  Status status(std::string_view what) const;
  int64_t i64(int col) const { return sqlite3_column_int64(st_.get(), col); }
  std::optional<int64_t> opt(int col) const;
  std::string text(int col) const;

 private:
  Db* db_;
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st_;
  int last_ = SQLITE_OK;
};

}  // namespace ts::agent::sql
