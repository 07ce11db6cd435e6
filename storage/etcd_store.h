#pragma once
// EtcdStore: the Store on an etcd v3 cluster (the scale-out backend; several API servers may
// share one cluster and one prefix). Every key K is kept at etcd key `prefix + K`; the etcd
// revision is the store revision (so resourceVersion is etcd's revision, as upstream).
//
//   reads   → /v3/kv/range (linearizable), at a revision with limit for pagination
//   writes  → /v3/kv/txn: create = compare create_revision == 0; update/delete compare
//             mod_revision (or only existence when unconditional). When a retry after a lost
//             answer fails its compare, the key's history tells whether the lost attempt
//             committed: then the write succeeded (FindOwnWrite)
//   watches → one etcd watch (with previous values) feeds the prefix's events to a WatchHub,
//             exactly as the SQLite writer does; a watch from an older revision replays
//             history through a short-lived etcd watch that starts at that revision
//   history → Compact calls /v3/kv/compaction; a background policy compacts like SqliteStore
//
// etcd starts at revision 1 with no event: a fresh store's first write gets revision 2.
// CurrentRevision is the newest revision that wrote under the prefix as of etcd's current
// revision (so the API server's watch cache, which waits for it before serving a read, is not
// held up by writes elsewhere in a shared etcd cluster).
// CompactedRevision is what this process knows (its own compactions, and those that etcd
// reported); reads and watches below another server's compaction still fail with kGone.
//
// Thread-safety: all methods are safe from any number of threads (Store contract). Watches
// may outlive the store; they are closed with kUnavailable when it is destroyed.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "storage/etcd_client.h"
#include "storage/store.h"
#include "storage/watch_hub.h"

namespace tinyk8s::storage {

struct EtcdStoreOptions {
  EtcdClientOptions client;
  // Prepended to every key in etcd ("" = keys as given; "/tinyk8s" keeps clusters apart).
  std::string prefix;
  // Live events a watch may buffer before it is closed as too slow (kGone).
  size_t watch_buffer_events = 10000;
  // Automatic compaction, as SqliteStoreOptions. Zero interval disables it.
  std::chrono::milliseconds compaction_interval{std::chrono::seconds(60)};
  std::chrono::milliseconds retain_duration{std::chrono::minutes(5)};
  int64_t retain_revisions = 1000;
};

class EtcdHistory;

class EtcdStore final : public Store {
 public:
  // Open connects (kUnavailable if no member answers) and starts following the prefix.
  static Result<std::unique_ptr<EtcdStore>> Open(const EtcdStoreOptions& options);
  ~EtcdStore() override;
  EtcdStore(const EtcdStore&) = delete;
  EtcdStore& operator=(const EtcdStore&) = delete;

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
  // Compact compacts etcd's history; compacting to an older revision is a no-op, a future
  // revision kInvalid.
  Status Compact(Revision revision) override;
  Revision CurrentRevision() override;
  Revision CompactedRevision() override;

 private:
  explicit EtcdStore(const EtcdStoreOptions& options);
  struct TxnResult {
    rapidjson::Document response;
    bool succeeded = false;
    Revision sent_after = 0;     // a revision etcd had reached before the txn was sent
    bool maybe_applied = false;  // a retry answered; an earlier attempt may have applied
  };
  Result<TxnResult> Txn(const std::string& key, const std::string& compare,
                        const std::string& success);
  std::optional<WatchEvent> FindOwnWrite(const std::string& key, const TxnResult& failed,
                                         const std::function<bool(const WatchEvent&)>& ours);
  Revision DiscoverCompacted(Revision current);
  void FeedLoop(Revision start_after);
  bool Stopping();
  void CompactionLoop();

  const EtcdStoreOptions options_;
  std::shared_ptr<EtcdClient> client_;
  std::shared_ptr<EtcdHistory> history_;
  std::unique_ptr<WatchHub> hub_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                         // GUARDED_BY(mu_)
  std::shared_ptr<EtcdWatchStream> feed_stream_;  // GUARDED_BY(mu_); cancelled on shutdown
  // The feed's progress: the newest etcd revision it has seen (anywhere in etcd), and the newest
  // that wrote under the prefix. GUARDED_BY(mu_); progress_cv_ signals changes.
  Revision feed_seen_ = 0;
  Revision prefix_revision_ = 0;
  std::condition_variable progress_cv_;
  std::thread feed_thread_;
  std::thread compaction_thread_;
};

}  // namespace tinyk8s::storage
