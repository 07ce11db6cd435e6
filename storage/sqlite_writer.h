#pragma once
// SqliteWriter owns the only write connection of a SqliteStore and the thread that uses it.
//
// Group commit: callers queue WriteRequests and block; the writer thread takes everything
// queued (up to max_batch) and applies it in one transaction, so one fsync covers the batch.
// Each request's precondition (absent / exists / mod revision) is checked inside that
// transaction before anything is written for it, so a failed request changes nothing and
// consumes no revision, and the other requests of the batch proceed. After COMMIT the batch's
// events go to the WatchHub (which only queues them) and the callers are released.
//
// Compaction: Compact() records the compacted revision durably (reads below it fail from
// then on); the physical deletion of superseded rows happens afterwards on the writer thread
// in steps of at most compaction_step_revisions revisions per transaction, between batches,
// so writes never wait behind a long delete.
//
// Thread-safety: Submit and the accessors are thread-safe.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite_db.h"
#include "storage/store.h"
#include "storage/watch_hub.h"

namespace tinyk8s::storage {

struct WriteRequest {
  enum class Kind { kCreate, kUpdate, kDelete, kCompact, kFinishCompaction };
  Kind kind = Kind::kCreate;
  std::string key;
  std::string value;
  // kUpdate/kDelete: expected mod revision (0 = unconditional); kCompact: target revision.
  Revision revision = 0;

  // Outputs, valid once `done` is ready.
  Status status;
  KeyValue result;
  std::promise<void> done;
};

struct SqliteWriterOptions {
  bool durable = true;
  int max_batch = 1000;
  int64_t compaction_step_revisions = 1000;
};

class SqliteWriter {
 public:
  // Open opens the write connection, creates or checks the schema and starts the thread.
  // `hub` must outlive the writer.
  static Result<std::unique_ptr<SqliteWriter>> Open(const std::string& path,
                                                    const SqliteWriterOptions& options,
                                                    WatchHub* hub);
  // Finishes queued requests, then stops. Unfinished compaction resumes on the next Open.
  ~SqliteWriter();
  SqliteWriter(const SqliteWriter&) = delete;
  SqliteWriter& operator=(const SqliteWriter&) = delete;

  // Submit queues the request and blocks until its batch has committed (or failed).
  void Submit(WriteRequest* request);

  // Committed batches and the requests they carried (a measure of group commit).
  struct Stats {
    int64_t batches = 0;
    int64_t requests = 0;
  };
  Stats stats() const {
    return Stats{batches_.load(std::memory_order_relaxed),
                 requests_.load(std::memory_order_relaxed)};
  }

  Revision current_revision() const { return current_.load(std::memory_order_acquire); }
  Revision compacted_revision() const { return compacted_.load(std::memory_order_acquire); }

 private:
  SqliteWriter(std::unique_ptr<SqliteDb> db, const SqliteWriterOptions& options, WatchHub* hub);
  void Loop();
  void ExecuteBatch(std::vector<WriteRequest*>& batch);
  // Applies one request inside the open transaction. A precondition failure is stored in
  // request->status and returns OK; a non-OK return is an SQLite error that aborts the batch.
  Status Apply(WriteRequest* request, Revision* revision, Revision* compact_target,
               std::vector<WatchEvent>* events);
  Status ApplyCompact(WriteRequest* request, Revision revision, Revision* compact_target);
  // Deletes one step of compacted history; returns the new compact_done position.
  Result<Revision> CompactStep();
  void FinishCompactionWaiters();

  const std::unique_ptr<SqliteDb> db_;  // used only by the writer thread after Open
  const SqliteWriterOptions options_;
  WatchHub* const hub_;

  std::atomic<Revision> current_{0};
  std::atomic<Revision> compacted_{0};
  std::atomic<int64_t> batches_{0};
  std::atomic<int64_t> requests_{0};
  // Writer-thread state.
  Revision compact_done_ = 0;
  std::vector<WriteRequest*> finish_waiters_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteRequest*> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;            // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace tinyk8s::storage
