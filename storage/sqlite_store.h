#pragma once
// SqliteStore: the embedded Store on one SQLite file (see sqlite_schema.h for the layout).
//
//   writes  → SqliteWriter: one thread, group commit, durable per `durable`
//   reads   → SqliteReader: pooled WAL read connections, never blocked by the writer
//   watches → WatchHub: bounded per-watch buffers, replay from the log
//   history → compacted explicitly (Compact) and by a background policy thread
//
// Thread-safety: all methods are safe from any number of threads (Store contract). Watches
// may outlive the store; they are closed with kUnavailable when it is destroyed.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "storage/sqlite_reader.h"
#include "storage/sqlite_writer.h"
#include "storage/store.h"
#include "storage/watch_hub.h"

namespace tinyk8s::storage {

struct SqliteStoreOptions {
  // Database file (created if missing). WAL needs a real file: ":memory:" is not supported.
  std::string path;
  // true: synchronous=FULL, an acknowledged write survives a crash or power loss.
  // false: synchronous=OFF (for --ephemeral test clusters): fast, not crash-safe.
  bool durable = true;
  // Upper bound on the writes coalesced into one transaction.
  int max_batch = 1000;
  // Read connections kept open between uses (more are opened under load).
  int reader_connections = 4;
  // Live events a watch may buffer before it is closed as too slow (kGone).
  size_t watch_buffer_events = 10000;
  // Automatic compaction: every compaction_interval, compact history that is both older than
  // retain_duration and more than retain_revisions revisions behind. Zero interval disables it.
  std::chrono::milliseconds compaction_interval{std::chrono::seconds(60)};
  std::chrono::milliseconds retain_duration{std::chrono::minutes(5)};
  int64_t retain_revisions = 1000;
  // Physical deletion of compacted history proceeds this many revisions per transaction.
  int64_t compaction_step_revisions = 1000;
};

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Store
  Result<KeyValue> Get(const std::string& key) override;
  Result<ListResult> List(const std::string& prefix, const ListOptions& options) override;
  Result<int64_t> Count(const std::string& prefix) override;
  Result<KeyValue> Create(const std::string& key, std::string value) override;
  Result<KeyValue> Update(const std::string& key, std::string value,
                          Revision expected_mod_revision) override;
  Result<KeyValue> Delete(const std::string& key, Revision expected_mod_revision) override;
  Result<std::unique_ptr<Watch>> WatchPrefix(const std::string& prefix,
                                             Revision after_revision) override;
  // Compact records `revision` as compacted (reads below it fail with kGone from now on) and
  // returns; superseded rows are then deleted in the background in small steps.
  // kInvalid if revision is in the future; compacting to an older revision is a no-op.
  Status Compact(Revision revision) override;
  Revision CurrentRevision() override;
  Revision CompactedRevision() override;

  // WriterStats reports how many transactions carried how many writes (group commit).
  SqliteWriter::Stats WriterStats() const { return writer_->stats(); }

  // WaitForCompaction blocks until compacted history has been physically deleted (tests,
  // tools).
  Status WaitForCompaction();

 private:
  SqliteStore(const SqliteStoreOptions& options, std::shared_ptr<SqliteReader> reader);
  Result<KeyValue> Write(WriteRequest::Kind kind, const std::string& key, std::string value,
                         Revision revision);
  void CompactionLoop();

  const SqliteStoreOptions options_;
  std::shared_ptr<SqliteReader> reader_;
  std::unique_ptr<WatchHub> hub_;
  std::unique_ptr<SqliteWriter> writer_;  // declared after hub_: destroyed before it

  std::mutex compaction_mu_;
  std::condition_variable compaction_cv_;
  bool stopping_ = false;  // GUARDED_BY(compaction_mu_)
  std::thread compaction_thread_;
};

}  // namespace tinyk8s::storage
