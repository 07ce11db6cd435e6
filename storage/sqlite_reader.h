#pragma once
// SqliteReader answers every read of SqliteStore from a pool of read-only connections. In WAL
// mode a read transaction sees one committed snapshot and never blocks (nor is blocked by) the
// writer, so List pages at a revision stay consistent while writes go on.
//
// Thread-safety: all methods are thread-safe; each call borrows its own connection.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/sqlite_db.h"
#include "storage/store.h"
#include "storage/watch_hub.h"

namespace tinyk8s::storage {

class SqliteReader final : public HistorySource {
 public:
  // max_idle: connections kept open between uses (more are opened under load).
  SqliteReader(std::string path, bool durable, int max_idle);
  ~SqliteReader() override = default;

  Result<KeyValue> Get(const std::string& key);
  Result<ListResult> List(const std::string& prefix, const ListOptions& options);
  Result<int64_t> Count(const std::string& prefix);

  // HistorySource
  Result<Revisions> SnapshotRevisions() override;
  Status ReadHistory(const std::string& prefix, Revision after, Revision upto, int limit,
                     std::vector<WatchEvent>* out) override;

 private:
  class Lease;
  Result<std::unique_ptr<SqliteDb>> Acquire();
  void Release(std::unique_ptr<SqliteDb> db);

  Status ListCurrent(SqliteDb& db, const std::string& lower,
                     const std::optional<std::string>& upper, int64_t fetch,
                     std::vector<KeyValue>* items);
  Status ListAtRevision(SqliteDb& db, const std::string& lower,
                        const std::optional<std::string>& upper, Revision revision, int64_t fetch,
                        std::vector<KeyValue>* items);
  Result<int64_t> CountCurrent(SqliteDb& db, const std::string& lower,
                               const std::optional<std::string>& upper, bool exclusive_lower);

  const std::string path_;
  const bool durable_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<SqliteDb>> idle_;  // GUARDED_BY(mu_)
};

}  // namespace tinyk8s::storage
