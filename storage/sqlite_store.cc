#include "storage/sqlite_store.h"

#include <utility>

#include "common/logging.h"
#include "storage/compaction_policy.h"

namespace tinyk8s::storage {

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options) {
  if (options.path.empty() || options.path == ":memory:") {
    return Status::Invalid("storage: SqliteStore needs a database file path");
  }
  auto reader =
      std::make_shared<SqliteReader>(options.path, options.durable, options.reader_connections);
  std::unique_ptr<SqliteStore> store(new SqliteStore(options, reader));
  SqliteWriterOptions writer_options;
  writer_options.durable = options.durable;
  writer_options.max_batch = options.max_batch;
  writer_options.compaction_step_revisions = options.compaction_step_revisions;
  // The writer creates the schema, so it opens before any reader connection is used.
  TK_ASSIGN_OR_RETURN(store->writer_,
                      SqliteWriter::Open(options.path, writer_options, store->hub_.get()));
  if (options.compaction_interval.count() > 0) {
    store->compaction_thread_ = std::thread([s = store.get()] { s->CompactionLoop(); });
  }
  TK_VLOG(1) << "storage: opened " << options.path << " at revision "
             << store->writer_->current_revision() << " (compacted "
             << store->writer_->compacted_revision() << ")";
  return store;
}

SqliteStore::SqliteStore(const SqliteStoreOptions& options, std::shared_ptr<SqliteReader> reader)
    : options_(options), reader_(std::move(reader)) {
  WatchHubOptions hub_options;
  hub_options.buffer_events = options.watch_buffer_events;
  hub_ = std::make_unique<WatchHub>(hub_options, reader_);
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard<std::mutex> lock(compaction_mu_);
    stopping_ = true;
  }
  compaction_cv_.notify_all();
  if (compaction_thread_.joinable()) compaction_thread_.join();
  writer_.reset();  // finishes queued writes and publishes their events
  hub_.reset();     // delivers them, then closes the watches
}

Result<KeyValue> SqliteStore::Get(const std::string& key) { return reader_->Get(key); }

Result<ListResult> SqliteStore::List(const std::string& prefix, const ListOptions& options) {
  return reader_->List(prefix, options);
}

Result<int64_t> SqliteStore::Count(const std::string& prefix) { return reader_->Count(prefix); }

Result<KeyValue> SqliteStore::Write(WriteRequest::Kind kind, const std::string& key,
                                    std::string value, Revision revision) {
  if (key.empty()) return Status::Invalid("storage: key must not be empty");
  WriteRequest request;
  request.kind = kind;
  request.key = key;
  request.value = std::move(value);
  request.revision = revision;
  writer_->Submit(&request);
  if (!request.status.ok()) return request.status;
  return std::move(request.result);
}

Result<KeyValue> SqliteStore::Create(const std::string& key, std::string value) {
  return Write(WriteRequest::Kind::kCreate, key, std::move(value), 0);
}

Result<KeyValue> SqliteStore::Update(const std::string& key, std::string value,
                                     Revision expected_mod_revision) {
  if (expected_mod_revision < 0) return Status::Invalid("storage: negative revision");
  return Write(WriteRequest::Kind::kUpdate, key, std::move(value), expected_mod_revision);
}

Result<KeyValue> SqliteStore::Delete(const std::string& key, Revision expected_mod_revision) {
  if (expected_mod_revision < 0) return Status::Invalid("storage: negative revision");
  return Write(WriteRequest::Kind::kDelete, key, std::string(), expected_mod_revision);
}

Result<std::unique_ptr<Watch>> SqliteStore::WatchPrefix(const std::string& prefix,
                                                        Revision after_revision) {
  if (after_revision < 0) return Status::Invalid("storage: negative revision");
  return hub_->StartWatch(prefix, after_revision);
}

Status SqliteStore::Compact(Revision revision) {
  if (revision < 0) return Status::Invalid("storage: negative revision");
  WriteRequest request;
  request.kind = WriteRequest::Kind::kCompact;
  request.revision = revision;
  writer_->Submit(&request);
  return request.status;
}

Status SqliteStore::WaitForCompaction() {
  WriteRequest request;
  request.kind = WriteRequest::Kind::kFinishCompaction;
  writer_->Submit(&request);
  return request.status;
}

Revision SqliteStore::CurrentRevision() { return writer_->current_revision(); }

Revision SqliteStore::CompactedRevision() { return writer_->compacted_revision(); }

void SqliteStore::CompactionLoop() {
  CompactionPolicy policy(options_.retain_duration, options_.retain_revisions);
  std::unique_lock<std::mutex> lock(compaction_mu_);
  while (!stopping_) {
    Revision target = policy.Target(std::chrono::steady_clock::now(), CurrentRevision());
    if (target > CompactedRevision()) {
      lock.unlock();
      Status status = Compact(target);
      if (!status.ok()) TK_LOG_WARN << "storage: automatic compaction: " << status.ToString();
      lock.lock();
    }
    compaction_cv_.wait_for(lock, options_.compaction_interval, [&] { return stopping_; });
  }
}

}  // namespace tinyk8s::storage
