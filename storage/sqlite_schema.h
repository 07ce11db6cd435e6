#pragma once
// The on-disk layout of SqliteStore (kine-like MVCC log) and its versioning.
//
//   log(rev INTEGER PRIMARY KEY, key BLOB, value BLOB, create_rev, prev_rev, deleted)
//       one row per revision; a delete is a tombstone row (deleted = 1, empty value).
//       prev_rev is the key's previous mod revision (0 when the write created the key).
//   log_key_rev(key, rev)   index: "latest row per key <= R" and prefix scans over history.
//   current(key PRIMARY KEY, rev, create_rev) WITHOUT ROWID
//       the live keys at the newest revision; makes Get/Count/List-at-current index lookups.
//   meta(name PRIMARY KEY, value)  'rev' (current revision), 'compact_rev' (compacted
//       revision), 'compact_done' (how far physical deletion of compacted rows has gone).
//   PRAGMA user_version = kSchemaVersion.

#include <cstdint>

#include "common/status.h"
#include "storage/sqlite_db.h"
#include "storage/store.h"

namespace tinyk8s::storage {

inline constexpr int64_t kSchemaVersion = 1;

// ApplyConnectionSettings sets the per-connection pragmas (WAL, synchronous, caches).
Status ApplyConnectionSettings(SqliteDb& db, bool durable, bool writer);

// EnsureSchema creates the schema on an empty database, accepts the current version and
// rejects databases written by a newer version (kInternal with a clear message).
Status EnsureSchema(SqliteDb& db);

struct PersistedRevisions {
  Revision current = 0;
  Revision compacted = 0;
  Revision compact_done = 0;
};

// ReadPersistedRevisions reads the meta rows (inside the caller's transaction, if any).
Result<PersistedRevisions> ReadPersistedRevisions(SqliteDb& db);

}  // namespace tinyk8s::storage
