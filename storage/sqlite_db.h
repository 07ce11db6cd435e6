#pragma once
// Thin RAII wrappers over the SQLite C API: a connection with a cache of prepared statements,
// and a statement handle that resets itself when it goes out of scope (an un-reset statement
// would keep its read snapshot open). Errors become Status values (kInternal, or kUnavailable
// for busy/locked/full conditions).
//
// Thread-safety: a SqliteDb and its statements belong to one thread at a time (connections are
// opened with SQLITE_OPEN_NOMUTEX); hand a connection to another thread only between uses.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace tinyk8s::storage {

// Statement is a borrowed, cached prepared statement. Bind indexes are 1-based, column indexes
// 0-based (as in SQLite). Destruction resets the statement and clears its bindings.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  // The bytes must stay alive until the statement is stepped to completion or destroyed.
  void BindBlob(int index, std::string_view bytes) {
    sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC);
  }
  void BindText(int index, std::string_view text) {
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  }

  // Reset rewinds the statement for another run with the same bindings.
  void Reset() { sqlite3_reset(stmt_); }

  // Step advances to the next row: true if a row is available, false when done.
  Result<bool> Step();
  // Run steps until done, ignoring rows (for INSERT/UPDATE/DELETE).
  Status Run();

  int64_t ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool ColumnIsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string ColumnBlob(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // Open opens (creating if needed) the database file with a private connection.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Exec runs one or more SQL statements without results (PRAGMAs, BEGIN, COMMIT, DDL).
  Status Exec(const char* sql);
  // Prepare returns the cached prepared statement for sql (compiled on first use). `sql` is
  // keyed by content, so callers may build it dynamically.
  Result<Statement> Prepare(const std::string& sql);
  // QueryInt runs a statement that returns a single integer (e.g. PRAGMA user_version).
  Result<int64_t> QueryInt(const std::string& sql);

  sqlite3* raw() { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// SqliteError converts an SQLite result code plus the connection's message into a Status.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace tinyk8s::storage
