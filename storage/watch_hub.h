#pragma once
// WatchHub fans committed writes out to watches without ever making the writer wait.
//
// The writer calls Publish() after each commit with that batch's events in revision order;
// Publish only queues them. A fan-out thread appends each event to every matching watch's
// bounded buffer (events are shared, not copied, until Next hands them out). A watch whose
// buffer is full is closed with kGone ("too slow") so that its client re-lists.
//
// Starting a watch at an old revision: the watch is registered first (so live events start
// buffering), then the current revision R is read from a database snapshot; history in
// (after, R] is replayed lazily from the HistorySource by Next(), page by page, and buffered
// live events with revision <= R are dropped. This gives no gap and no duplicate.
//
// Notify callbacks run on the fan-out thread, except: SetNotify calls it at once (on the
// caller's thread) if something is already readable, Cancel calls it on the cancelling
// thread, and Next calls it when a replay page leaves more history to read. Destroying a
// Watch never calls it.
//
// Memory: published batches wait in an unbounded queue for the fan-out thread; per-watch
// buffers are bounded. The fan-out thread only copies pointers, so the queue stays short.
//
// Thread-safety: all methods are thread-safe. The hub must outlive no watch: watches share
// their state with the hub and stay valid (closed with kUnavailable) after it is destroyed.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"

namespace tinyk8s::storage {

// HistorySource reads retained history for watch replay. Thread-safe.
class HistorySource {
 public:
  virtual ~HistorySource() = default;
  struct Revisions {
    Revision current = 0;
    Revision compacted = 0;
  };
  // SnapshotRevisions returns the current and compacted revisions from one consistent
  // snapshot of the committed state.
  virtual Result<Revisions> SnapshotRevisions() = 0;
  // ReadHistory appends up to `limit` events under prefix with after < rev <= upto, in
  // revision order. kGone if revisions after `after` were compacted away.
  virtual Status ReadHistory(const std::string& prefix, Revision after, Revision upto, int limit,
                             std::vector<WatchEvent>* out) = 0;
};

struct WatchHubOptions {
  // Live events a watch may hold before it is closed as too slow.
  size_t buffer_events = 10000;
  // Events read from the database per replay step in Next().
  int replay_page = 1000;
};

class WatchHub {
 public:
  WatchHub(WatchHubOptions options, std::shared_ptr<HistorySource> history);
  // Delivers events already published, then closes every watch with kUnavailable.
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Watch starts a watch on prefix for events with revision > after_revision.
  // kGone if after_revision is older than the compacted revision.
  Result<std::unique_ptr<Watch>> StartWatch(const std::string& prefix, Revision after_revision);

  // Publish queues one committed batch (revision order; batches published in commit order).
  // Never blocks on watchers.
  void Publish(std::vector<WatchEvent> events);

  // CloseAll closes every registered watch with `status` (used when the source of published
  // events lost some, so that every watcher re-lists).
  void CloseAll(const Status& status);

  // Number of registered watches (for tests and metrics).
  size_t WatchCount();

  struct Subscriber;  // shared by the hub and one Watch; defined in watch_hub.cc

 private:
  using EventPtr = std::shared_ptr<const WatchEvent>;
  void FanOutLoop();
  void Deliver(const std::vector<EventPtr>& events);

  const WatchHubOptions options_;
  const std::shared_ptr<HistorySource> history_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<EventPtr>> pending_;             // GUARDED_BY(mu_)
  std::vector<std::shared_ptr<Subscriber>> subscribers_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                                 // GUARDED_BY(mu_)
  std::thread fan_out_;
};

}  // namespace tinyk8s::storage
