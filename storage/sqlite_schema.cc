#include "storage/sqlite_schema.h"

#include <string>

namespace tinyk8s::storage {

Status ApplyConnectionSettings(SqliteDb& db, bool durable, bool writer) {
  // A long busy timeout only matters while another process holds the file (tools); within
  // the store there is one writer connection and WAL readers never wait for it.
  TK_RETURN_IF_ERROR(db.Exec("PRAGMA busy_timeout = 10000"));
  TK_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL"));
  // FULL makes each commit fsync the WAL: an acknowledged write survives power loss.
  TK_RETURN_IF_ERROR(db.Exec(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF"));
  // No memory-mapped I/O: every page a connection reads through the map stays resident in our
  // process (the writer's read-modify-writes and the watch feed touch most of a growing file),
  // which was 100-110 MiB of the API server's 237 MiB peak in the 5,000-node DaemonSet benchmark
  // (143 MiB peak without it). Reads through the bounded page caches below cost no measured
  // speed: the watch cache serves GET/LIST/WATCH, so the store reads little.
  TK_RETURN_IF_ERROR(db.Exec("PRAGMA mmap_size = 0"));
  if (writer) {
    // 16 MiB: the watch cache serves reads, so a larger writer cache bought no creates/s
    // (14.5-15.1k/s with 64 clients either way) but cost ~40 MiB of RSS at 5,000 nodes.
    TK_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size = -16384"));
    // Fewer, larger checkpoints: each one is an fsync of the main file on the writer thread.
    TK_RETURN_IF_ERROR(db.Exec("PRAGMA wal_autocheckpoint = 4000"));
    TK_RETURN_IF_ERROR(db.Exec("PRAGMA journal_size_limit = 67108864"));
  } else {
    TK_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size = -16384"));
    TK_RETURN_IF_ERROR(db.Exec("PRAGMA query_only = 1"));
  }
  return Status::OK();
}

Status EnsureSchema(SqliteDb& db) {
  TK_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  auto version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) {
    (void)db.Exec("ROLLBACK");
    return version.status();
  }
  if (*version == kSchemaVersion) return db.Exec("COMMIT");
  if (*version != 0) {
    (void)db.Exec("ROLLBACK");
    return Status::Internal("storage: database schema version " + std::to_string(*version) +
                            " is not supported (this binary knows version " +
                            std::to_string(kSchemaVersion) + ")");
  }
  Status status = db.Exec(
      "CREATE TABLE log ("
      "  rev INTEGER PRIMARY KEY,"
      "  key BLOB NOT NULL,"
      "  value BLOB NOT NULL,"
      "  create_rev INTEGER NOT NULL,"
      "  prev_rev INTEGER NOT NULL,"
      "  deleted INTEGER NOT NULL);"
      "CREATE INDEX log_key_rev ON log(key, rev);"
      "CREATE TABLE current ("
      "  key BLOB PRIMARY KEY,"
      "  rev INTEGER NOT NULL,"
      "  create_rev INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
      "INSERT INTO meta(name, value) VALUES ('rev', 0), ('compact_rev', 0),"
      "  ('compact_done', 0);"
      "PRAGMA user_version = 1;");
  if (!status.ok()) {
    (void)db.Exec("ROLLBACK");
    return status;
  }
  return db.Exec("COMMIT");
}

Result<PersistedRevisions> ReadPersistedRevisions(SqliteDb& db) {
  TK_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT name, value FROM meta"));
  PersistedRevisions out;
  while (true) {
    TK_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    std::string name = stmt.ColumnBlob(0);
    int64_t value = stmt.ColumnInt(1);
    if (name == "rev") out.current = value;
    if (name == "compact_rev") out.compacted = value;
    if (name == "compact_done") out.compact_done = value;
  }
  return out;
}

}  // namespace tinyk8s::storage
