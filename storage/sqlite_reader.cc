#include "storage/sqlite_reader.h"

#include <utility>

#include "storage/key_range.h"
#include "storage/sqlite_schema.h"

namespace tinyk8s::storage {

namespace {

// ReadTransaction pins one snapshot for several statements. Declare it before the statements
// that use it so that they are reset first.
class ReadTransaction {
 public:
  explicit ReadTransaction(SqliteDb& db) : db_(db) {}
  ~ReadTransaction() {
    if (open_) (void)db_.Exec("COMMIT");
  }
  Status Begin() {
    TK_RETURN_IF_ERROR(db_.Exec("BEGIN"));
    open_ = true;
    return Status::OK();
  }

 private:
  SqliteDb& db_;
  bool open_ = false;
};

// Appends " AND <column> < ?<index>" when the range has an upper bound.
std::string UpperClause(const std::optional<std::string>& upper, const char* column, int index) {
  if (!upper) return "";
  return std::string(" AND ") + column + " < ?" + std::to_string(index);
}

Status CompactedError(Revision revision, Revision compacted) {
  return Status::Gone("revision " + std::to_string(revision) +
                      " has been compacted (compacted revision " + std::to_string(compacted) + ")");
}

}  // namespace

class SqliteReader::Lease {
 public:
  Lease(SqliteReader* reader, std::unique_ptr<SqliteDb> db) : reader_(reader), db_(std::move(db)) {}
  ~Lease() { reader_->Release(std::move(db_)); }
  SqliteDb& db() { return *db_; }

 private:
  SqliteReader* reader_;
  std::unique_ptr<SqliteDb> db_;
};

SqliteReader::SqliteReader(std::string path, bool durable, int max_idle)
    : path_(std::move(path)), durable_(durable), max_idle_(max_idle > 0 ? max_idle : 1) {}

Result<std::unique_ptr<SqliteDb>> SqliteReader::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return db;
    }
  }
  TK_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path_));
  TK_RETURN_IF_ERROR(ApplyConnectionSettings(*db, durable_, /*writer=*/false));
  return db;
}

void SqliteReader::Release(std::unique_ptr<SqliteDb> db) {
  if (!db) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(db));
}

#define TK_LEASE(lease)                            \
  TK_ASSIGN_OR_RETURN(auto lease##_db, Acquire()); \
  Lease lease(this, std::move(lease##_db))

Result<KeyValue> SqliteReader::Get(const std::string& key) {
  TK_LEASE(lease);
  TK_ASSIGN_OR_RETURN(Statement stmt,
                      lease.db().Prepare("SELECT c.rev, c.create_rev, l.value FROM current c "
                                         "CROSS JOIN log l ON l.rev = c.rev WHERE c.key = ?1"));
  stmt.BindBlob(1, key);
  TK_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound("key " + key + " not found");
  KeyValue kv;
  kv.key = key;
  kv.mod_revision = stmt.ColumnInt(0);
  kv.create_revision = stmt.ColumnInt(1);
  kv.value = stmt.ColumnBlob(2);
  return kv;
}

Result<ListResult> SqliteReader::List(const std::string& prefix, const ListOptions& options) {
  if (options.limit < 0) return Status::Invalid("list limit must not be negative");
  if (options.revision < 0) return Status::Invalid("list revision must not be negative");
  const std::string lower = ListLowerBound(prefix, options.start_after);
  const std::optional<std::string> upper = PrefixEnd(prefix);
  const int64_t fetch = options.limit > 0 ? options.limit + 1 : -1;

  TK_LEASE(lease);
  SqliteDb& db = lease.db();
  ReadTransaction txn(db);
  TK_RETURN_IF_ERROR(txn.Begin());
  TK_ASSIGN_OR_RETURN(PersistedRevisions revs, ReadPersistedRevisions(db));
  ListResult result;
  result.revision = options.revision == 0 ? revs.current : options.revision;
  if (result.revision > revs.current) {
    return Status::Invalid("revision " + std::to_string(result.revision) +
                           " is in the future (current revision " + std::to_string(revs.current) +
                           ")");
  }
  if (result.revision < revs.compacted) return CompactedError(result.revision, revs.compacted);

  if (result.revision == revs.current) {
    TK_RETURN_IF_ERROR(ListCurrent(db, lower, upper, fetch, &result.items));
  } else {
    TK_RETURN_IF_ERROR(ListAtRevision(db, lower, upper, result.revision, fetch, &result.items));
  }
  if (options.limit > 0 && static_cast<int64_t>(result.items.size()) > options.limit) {
    result.items.pop_back();
    result.more = true;
    // Exact at the current revision; for older revisions the current key set approximates.
    TK_ASSIGN_OR_RETURN(result.remaining,
                        CountCurrent(db, result.items.back().key, upper, /*exclusive=*/true));
    if (result.remaining < 1) result.remaining = 1;
  }
  return result;
}

Status SqliteReader::ListCurrent(SqliteDb& db, const std::string& lower,
                                 const std::optional<std::string>& upper, int64_t fetch,
                                 std::vector<KeyValue>* items) {
  // CROSS JOIN keeps `current` as the outer loop: a range scan in key order, one rowid
  // lookup per key for the value.
  TK_ASSIGN_OR_RETURN(
      Statement stmt,
      db.Prepare("SELECT c.key, c.rev, c.create_rev, l.value FROM current c CROSS JOIN log l "
                 "ON l.rev = c.rev WHERE c.key >= ?1" +
                 UpperClause(upper, "c.key", 2) + " ORDER BY c.key LIMIT ?3"));
  stmt.BindBlob(1, lower);
  if (upper) stmt.BindBlob(2, *upper);
  stmt.BindInt(3, fetch);
  while (true) {
    TK_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Status::OK();
    KeyValue& kv = items->emplace_back();
    kv.key = stmt.ColumnBlob(0);
    kv.mod_revision = stmt.ColumnInt(1);
    kv.create_revision = stmt.ColumnInt(2);
    kv.value = stmt.ColumnBlob(3);
  }
}

Status SqliteReader::ListAtRevision(SqliteDb& db, const std::string& lower,
                                    const std::optional<std::string>& upper, Revision revision,
                                    int64_t fetch, std::vector<KeyValue>* items) {
  // Walks the (key, rev) index in key order taking each key's newest revision <= R, then
  // fetches that row; tombstones mean the key did not exist at R.
  TK_ASSIGN_OR_RETURN(Statement keys, db.Prepare("SELECT key, max(rev) FROM log WHERE key >= ?1" +
                                                 UpperClause(upper, "key", 2) +
                                                 " AND rev <= ?3 GROUP BY key ORDER BY key"));
  TK_ASSIGN_OR_RETURN(Statement row_stmt,
                      db.Prepare("SELECT value, create_rev, deleted FROM log WHERE rev = ?1"));
  keys.BindBlob(1, lower);
  if (upper) keys.BindBlob(2, *upper);
  keys.BindInt(3, revision);
  while (fetch < 0 || static_cast<int64_t>(items->size()) < fetch) {
    TK_ASSIGN_OR_RETURN(bool more, keys.Step());
    if (!more) break;
    Revision rev = keys.ColumnInt(1);
    row_stmt.BindInt(1, rev);
    TK_ASSIGN_OR_RETURN(bool found, row_stmt.Step());
    if (found && row_stmt.ColumnInt(2) == 0) {
      KeyValue& kv = items->emplace_back();
      kv.key = keys.ColumnBlob(0);
      kv.mod_revision = rev;
      kv.create_revision = row_stmt.ColumnInt(1);
      kv.value = row_stmt.ColumnBlob(0);
    }
    row_stmt.Reset();
  }
  return Status::OK();
}

Result<int64_t> SqliteReader::CountCurrent(SqliteDb& db, const std::string& lower,
                                           const std::optional<std::string>& upper,
                                           bool exclusive_lower) {
  TK_ASSIGN_OR_RETURN(
      Statement stmt,
      db.Prepare(std::string("SELECT count(*) FROM current WHERE key ") +
                 (exclusive_lower ? ">" : ">=") + " ?1" + UpperClause(upper, "key", 2)));
  stmt.BindBlob(1, lower);
  if (upper) stmt.BindBlob(2, *upper);
  TK_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::Internal("sqlite: count returned no row");
  return stmt.ColumnInt(0);
}

Result<int64_t> SqliteReader::Count(const std::string& prefix) {
  TK_LEASE(lease);
  return CountCurrent(lease.db(), prefix, PrefixEnd(prefix), /*exclusive=*/false);
}

Result<HistorySource::Revisions> SqliteReader::SnapshotRevisions() {
  TK_LEASE(lease);
  // One SELECT is one snapshot.
  TK_ASSIGN_OR_RETURN(PersistedRevisions revs, ReadPersistedRevisions(lease.db()));
  return Revisions{revs.current, revs.compacted};
}

Status SqliteReader::ReadHistory(const std::string& prefix, Revision after, Revision upto,
                                 int limit, std::vector<WatchEvent>* out) {
  const std::optional<std::string> upper = PrefixEnd(prefix);
  TK_LEASE(lease);
  SqliteDb& db = lease.db();
  ReadTransaction txn(db);
  TK_RETURN_IF_ERROR(txn.Begin());
  TK_ASSIGN_OR_RETURN(PersistedRevisions revs, ReadPersistedRevisions(db));
  if (after < revs.compacted) return CompactedError(after, revs.compacted);
  // "+l.key" keeps the planner on the rowid (revision) range: pages must come in rev order.
  TK_ASSIGN_OR_RETURN(
      Statement stmt,
      db.Prepare("SELECT l.rev, l.key, l.value, l.create_rev, l.prev_rev, l.deleted, p.value, "
                 "p.create_rev FROM log l LEFT JOIN log p ON p.rev = l.prev_rev "
                 "WHERE l.rev > ?3 AND l.rev <= ?4 AND +l.key >= ?1" +
                 UpperClause(upper, "+l.key", 2) + " ORDER BY l.rev LIMIT ?5"));
  stmt.BindBlob(1, prefix);
  if (upper) stmt.BindBlob(2, *upper);
  stmt.BindInt(3, after);
  stmt.BindInt(4, upto);
  stmt.BindInt(5, limit);
  while (true) {
    TK_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Status::OK();
    WatchEvent& event = out->emplace_back();
    event.kv.key = stmt.ColumnBlob(1);
    event.kv.mod_revision = stmt.ColumnInt(0);
    bool deleted = stmt.ColumnInt(5) != 0;
    event.type = deleted ? EventType::kDelete : EventType::kPut;
    if (!deleted) {
      event.kv.value = stmt.ColumnBlob(2);
      event.kv.create_revision = stmt.ColumnInt(3);
    }
    Revision prev_rev = stmt.ColumnInt(4);
    if (prev_rev != 0 && !stmt.ColumnIsNull(6)) {
      KeyValue& prev = event.prev.emplace();
      prev.key = event.kv.key;
      prev.value = stmt.ColumnBlob(6);
      prev.create_revision = stmt.ColumnInt(7);
      prev.mod_revision = prev_rev;
    }
  }
}

}  // namespace tinyk8s::storage
