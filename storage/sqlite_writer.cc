#include "storage/sqlite_writer.h"

#include <algorithm>
#include <utility>

#include "common/logging.h"
#include "storage/sqlite_schema.h"

namespace tinyk8s::storage {

namespace {

// The key's live row (from `current` joined with its log row).
struct LiveRow {
  bool exists = false;
  Revision mod_revision = 0;
  Revision create_revision = 0;
  std::string value;
};

Result<LiveRow> ReadLive(SqliteDb& db, const std::string& key, bool with_value) {
  TK_ASSIGN_OR_RETURN(
      Statement stmt,
      db.Prepare(with_value ? "SELECT c.rev, c.create_rev, l.value FROM current c CROSS JOIN "
                              "log l ON l.rev = c.rev WHERE c.key = ?1"
                            : "SELECT rev, create_rev FROM current WHERE key = ?1"));
  stmt.BindBlob(1, key);
  TK_ASSIGN_OR_RETURN(bool row, stmt.Step());
  LiveRow live;
  if (!row) return live;
  live.exists = true;
  live.mod_revision = stmt.ColumnInt(0);
  live.create_revision = stmt.ColumnInt(1);
  if (with_value) live.value = stmt.ColumnBlob(2);
  return live;
}

Status InsertLog(SqliteDb& db, Revision rev, const std::string& key, const std::string& value,
                 Revision create_rev, Revision prev_rev, bool deleted) {
  TK_ASSIGN_OR_RETURN(Statement stmt,
                      db.Prepare("INSERT INTO log(rev, key, value, create_rev, prev_rev, deleted)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  stmt.BindInt(1, rev);
  stmt.BindBlob(2, key);
  stmt.BindBlob(3, value);
  stmt.BindInt(4, create_rev);
  stmt.BindInt(5, prev_rev);
  stmt.BindInt(6, deleted ? 1 : 0);
  return stmt.Run();
}

Status SetMeta(SqliteDb& db, const char* name, int64_t value) {
  TK_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("UPDATE meta SET value = ?2 WHERE name = ?1"));
  stmt.BindText(1, name);
  stmt.BindInt(2, value);
  return stmt.Run();
}

std::string Rev(Revision r) { return std::to_string(r); }

}  // namespace

Result<std::unique_ptr<SqliteWriter>> SqliteWriter::Open(const std::string& path,
                                                         const SqliteWriterOptions& options,
                                                         WatchHub* hub) {
  TK_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path));
  TK_RETURN_IF_ERROR(ApplyConnectionSettings(*db, options.durable, /*writer=*/true));
  TK_RETURN_IF_ERROR(EnsureSchema(*db));
  TK_ASSIGN_OR_RETURN(PersistedRevisions revs, ReadPersistedRevisions(*db));
  auto writer = std::unique_ptr<SqliteWriter>(new SqliteWriter(std::move(db), options, hub));
  writer->current_.store(revs.current);
  writer->compacted_.store(revs.compacted);
  writer->compact_done_ = revs.compact_done;
  writer->thread_ = std::thread([w = writer.get()] { w->Loop(); });
  return writer;
}

SqliteWriter::SqliteWriter(std::unique_ptr<SqliteDb> db, const SqliteWriterOptions& options,
                           WatchHub* hub)
    : db_(std::move(db)), options_(options), hub_(hub) {}

SqliteWriter::~SqliteWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (WriteRequest* waiter : finish_waiters_) {
    waiter->status = Status::Unavailable("storage is shutting down");
    waiter->done.set_value();
  }
}

void SqliteWriter::Submit(WriteRequest* request) {
  std::future<void> done = request->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      request->status = Status::Unavailable("storage is shutting down");
      return;
    }
    queue_.push_back(request);
  }
  cv_.notify_one();
  done.wait();
}

void SqliteWriter::Loop() {
  const size_t max_batch = static_cast<size_t>(std::max(1, options_.max_batch));
  std::vector<WriteRequest*> batch;
  uint64_t batches = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    const bool compaction_pending = compact_done_ < compacted_revision();
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || compaction_pending; });
    if (queue_.empty()) {
      if (stopping_) return;
      // Idle: spend the time on compaction, one short transaction at a time.
      lock.unlock();
      auto done = CompactStep();
      if (!done.ok())
        TK_LOG_WARN << "storage: compaction step failed: " << done.status().ToString();
      FinishCompactionWaiters();
      lock.lock();
      if (!done.ok()) cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      continue;
    }
    batch.clear();
    while (!queue_.empty() && batch.size() < max_batch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    ExecuteBatch(batch);
    // Under constant load, still make compaction progress now and then.
    if (++batches % 16 == 0 && compact_done_ < compacted_revision()) {
      auto done = CompactStep();
      if (!done.ok())
        TK_LOG_WARN << "storage: compaction step failed: " << done.status().ToString();
    }
    FinishCompactionWaiters();
    lock.lock();
  }
}

void SqliteWriter::ExecuteBatch(std::vector<WriteRequest*>& batch) {
  SqliteDb& db = *db_;
  Revision revision = current_revision();
  Revision compact_target = compacted_revision();
  std::vector<WatchEvent> events;
  events.reserve(batch.size());

  Status status = db.Exec("BEGIN IMMEDIATE");
  bool in_transaction = status.ok();
  for (WriteRequest* request : batch) {
    if (!status.ok()) break;
    request->status = Status::OK();
    status = Apply(request, &revision, &compact_target, &events);
  }
  if (status.ok() && revision != current_revision()) status = SetMeta(db, "rev", revision);
  if (status.ok() && compact_target != compacted_revision()) {
    status = SetMeta(db, "compact_rev", compact_target);
  }
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok()) {
    // An SQLite failure (disk full, I/O error) aborts the whole batch; nothing was written.
    if (in_transaction) (void)db.Exec("ROLLBACK");
    TK_LOG_ERROR << "storage: write batch failed: " << status.ToString();
    for (WriteRequest* request : batch) {
      request->status = status;
      request->done.set_value();
    }
    return;
  }
  batches_.fetch_add(1, std::memory_order_relaxed);
  requests_.fetch_add(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
  current_.store(revision, std::memory_order_release);
  compacted_.store(compact_target, std::memory_order_release);
  hub_->Publish(std::move(events));
  for (WriteRequest* request : batch) {
    if (request->kind == WriteRequest::Kind::kFinishCompaction) {
      finish_waiters_.push_back(request);  // released when compaction catches up
      continue;
    }
    request->done.set_value();
  }
}

Status SqliteWriter::Apply(WriteRequest* r, Revision* revision, Revision* compact_target,
                           std::vector<WatchEvent>* events) {
  SqliteDb& db = *db_;
  switch (r->kind) {
    case WriteRequest::Kind::kCompact:
      return ApplyCompact(r, *revision, compact_target);
    case WriteRequest::Kind::kFinishCompaction:
      return Status::OK();
    case WriteRequest::Kind::kCreate: {
      TK_ASSIGN_OR_RETURN(LiveRow live, ReadLive(db, r->key, /*with_value=*/false));
      if (live.exists) {
        r->status = Status::AlreadyExists("key " + r->key + " already exists (mod revision " +
                                          Rev(live.mod_revision) + ")");
        return Status::OK();
      }
      Revision rev = *revision + 1;
      TK_RETURN_IF_ERROR(InsertLog(db, rev, r->key, r->value, rev, 0, false));
      TK_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("INSERT INTO current(key, rev, create_rev) VALUES (?1, ?2, ?2)"));
      stmt.BindBlob(1, r->key);
      stmt.BindInt(2, rev);
      TK_RETURN_IF_ERROR(stmt.Run());
      *revision = rev;
      r->result = KeyValue{r->key, std::move(r->value), rev, rev};
      WatchEvent& event = events->emplace_back();
      event.type = EventType::kPut;
      event.kv = r->result;
      return Status::OK();
    }
    case WriteRequest::Kind::kUpdate:
    case WriteRequest::Kind::kDelete: {
      const bool is_delete = r->kind == WriteRequest::Kind::kDelete;
      TK_ASSIGN_OR_RETURN(LiveRow live, ReadLive(db, r->key, /*with_value=*/true));
      if (!live.exists) {
        r->status = Status::NotFound("key " + r->key + " not found");
        return Status::OK();
      }
      if (r->revision != 0 && r->revision != live.mod_revision) {
        r->status =
            Status::Conflict("key " + r->key + ": expected mod revision " + Rev(r->revision) +
                             ", current mod revision " + Rev(live.mod_revision));
        return Status::OK();
      }
      Revision rev = *revision + 1;
      static const std::string kEmpty;
      TK_RETURN_IF_ERROR(InsertLog(db, rev, r->key, is_delete ? kEmpty : r->value,
                                   live.create_revision, live.mod_revision, is_delete));
      TK_ASSIGN_OR_RETURN(Statement stmt,
                          db.Prepare(is_delete ? "DELETE FROM current WHERE key = ?1"
                                               : "UPDATE current SET rev = ?2 WHERE key = ?1"));
      stmt.BindBlob(1, r->key);
      if (!is_delete) stmt.BindInt(2, rev);
      TK_RETURN_IF_ERROR(stmt.Run());
      *revision = rev;
      WatchEvent& event = events->emplace_back();
      event.prev = KeyValue{r->key, std::move(live.value), live.create_revision, live.mod_revision};
      if (is_delete) {
        event.type = EventType::kDelete;
        event.kv = KeyValue{r->key, std::string(), 0, rev};
        r->result = *event.prev;
        r->result.mod_revision = rev;
      } else {
        event.type = EventType::kPut;
        r->result = KeyValue{r->key, std::move(r->value), live.create_revision, rev};
        event.kv = r->result;
      }
      return Status::OK();
    }
  }
  return Status::Internal("storage: unknown write kind");
}

Status SqliteWriter::ApplyCompact(WriteRequest* r, Revision revision, Revision* compact_target) {
  if (r->revision > revision) {
    r->status = Status::Invalid("cannot compact to revision " + Rev(r->revision) +
                                ": current revision is " + Rev(revision));
    return Status::OK();
  }
  // Compacting to an already compacted revision is a no-op, like a repeated request.
  if (r->revision > *compact_target) *compact_target = r->revision;
  return Status::OK();
}

Result<Revision> SqliteWriter::CompactStep() {
  SqliteDb& db = *db_;
  const Revision target = compacted_revision();
  const Revision lo = compact_done_;
  const Revision hi =
      std::min(target, lo + std::max<int64_t>(1, options_.compaction_step_revisions));
  if (lo >= target) return lo;
  TK_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  // A row at or below the target goes if it is a tombstone or a newer row of its key exists
  // at or below the target. Rows are visited in revision order across steps, so a row's
  // superseding rows are still present when it is examined.
  Status status;
  {
    auto del = db.Prepare(
        "DELETE FROM log WHERE rev > ?1 AND rev <= ?2 AND (deleted = 1 OR EXISTS ("
        "SELECT 1 FROM log n WHERE n.key = log.key AND n.rev > log.rev AND n.rev <= ?3))");
    status = del.ok() ? Status::OK() : del.status();
    if (status.ok()) {
      del->BindInt(1, lo);
      del->BindInt(2, hi);
      del->BindInt(3, target);
      status = del->Run();
    }
  }
  if (status.ok()) status = SetMeta(db, "compact_done", hi);
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok()) {
    (void)db.Exec("ROLLBACK");
    return status;
  }
  compact_done_ = hi;
  return hi;
}

void SqliteWriter::FinishCompactionWaiters() {
  if (finish_waiters_.empty() || compact_done_ < compacted_revision()) return;
  for (WriteRequest* waiter : finish_waiters_) waiter->done.set_value();
  finish_waiters_.clear();
}

}  // namespace tinyk8s::storage
