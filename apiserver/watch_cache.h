#pragma once
// WatchCache: every object of the store, kept in memory and in step with storage by revision,
// so that GET, LIST and WATCH are served without reading the database (it is read once at
// start). One store watch feeds it; a bounded ring of recent events lets client watches resume
// from any recent resourceVersion, older ones get 410 Expired.
//
// Thread-safe. Watchers are called while the cache lock is held, on the cache's dispatch thread
// or (fan-out of a new event to many watchers) on one of its helper threads; one watcher's calls
// never overlap. Deliver must be quick and must not call back into the cache.

#include <rapidjson/document.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/parallel_for.h"
#include "common/status.h"
#include "storage/store.h"

namespace tinyk8s::apiserver {

// CachedObject is an immutable object as served: its JSON, with metadata.resourceVersion set to
// the revision. Only the JSON is kept: a resident DOM per object (and per retained event) more
// than doubled the cache's memory. Doc() parses on demand.
class CachedObject {
 public:
  std::string key;
  storage::Revision revision = 0;
  std::string json;

  // Doc returns the parsed object. Callers hold the pointer while they use it; while anyone
  // holds it, other callers share the same parse (watchers with selectors filtering one event).
  std::shared_ptr<const rapidjson::Document> Doc() const;

 private:
  mutable std::mutex mu_;
  mutable std::weak_ptr<const rapidjson::Document> parsed_;  // guarded by mu_
};
using CachedPtr = std::shared_ptr<const CachedObject>;

// CachedObjectFromValue parses a stored value and stamps its resourceVersion.
Result<CachedPtr> MakeCachedObject(const std::string& key, const std::string& value,
                                   storage::Revision revision);
// CachedObjectFromDocument stamps and serialises a document.
CachedPtr MakeCachedObject(const std::string& key, rapidjson::Document doc,
                           storage::Revision revision);

struct CacheEvent {
  enum class Type { kAdded, kModified, kDeleted };
  Type type = Type::kAdded;
  storage::Revision revision = 0;
  CachedPtr object;  // new state; for kDeleted the last state stamped with the delete revision
  CachedPtr prev;    // state before (null for kAdded)
};

// SharedRenderings holds what the watchers of one fan-out render alike, so that it is rendered
// once: a thousand unfiltered JSON watches of one resource all send the same bytes. It lives for
// one fan-out. Thread-safe (the fan-out runs on several threads).
class SharedRenderings {
 public:
  // Get returns the rendering identified by `key` (whatever identifies the way of rendering:
  // the same key must mean the same bytes for these events); the first caller makes it.
  const std::string& Get(const void* key, const std::function<std::string()>& render);

 private:
  std::mutex mu_;
  std::map<const void*, std::string> done_;  // node-based: returned references stay valid
};

// CacheWatcher receives events for keys under its prefix.
class CacheWatcher {
 public:
  virtual ~CacheWatcher() = default;
  // Deliver gets events in revision order. Returning false unregisters the watcher.
  virtual bool Deliver(const std::vector<const CacheEvent*>& events) = 0;
  // DeliverShared is Deliver during the fan-out of new events to every watcher of a prefix;
  // watchers that render like others may use `shared`.
  virtual bool DeliverShared(const std::vector<const CacheEvent*>& events, SharedRenderings&) {
    return Deliver(events);
  }
  // Closed is called once when the cache stops or must reset (the client should re-list).
  virtual void Closed(const Status& reason) = 0;
  // Filters: Deliver reads the events' documents (selectors). The cache then parses each event
  // once for all such watchers instead of once per watcher.
  virtual bool Filters() const { return false; }
};

class WatchCache {
 public:
  struct Options {
    // Events kept for resuming watches (older resourceVersions get 410 and re-list). Bounded so
    // that heartbeat churn (leases, node status) cannot pin many old object versions.
    size_t event_window = 10000;
  };
  // Start lists the whole store and begins following it.
  static Result<std::unique_ptr<WatchCache>> Start(storage::Store& store, Options options);
  ~WatchCache();
  WatchCache(const WatchCache&) = delete;
  WatchCache& operator=(const WatchCache&) = delete;

  // WaitForRevision blocks until the cache has applied `revision`; false on timeout.
  bool WaitForRevision(storage::Revision revision, std::chrono::milliseconds timeout);
  // WaitFresh waits for the store's current revision (read-your-writes for GET/LIST).
  bool WaitFresh(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  CachedPtr Get(const std::string& key) const;
  // List returns the objects under prefix in key order and the cache revision they reflect.
  std::vector<CachedPtr> List(const std::string& prefix, storage::Revision* revision) const;
  // ListFrom is List starting strictly after `start_after`, at most `limit` items (0 = all);
  // *more is set when items remain.
  std::vector<CachedPtr> ListPage(const std::string& prefix, const std::string& start_after,
                                  size_t limit, storage::Revision* revision, bool* more,
                                  size_t* remaining) const;
  size_t Count(const std::string& prefix) const;

  // Watch registers a watcher for keys under prefix. If `after` is nullopt, the watcher first
  // gets a synthetic kAdded event for every current object; otherwise every retained event with
  // revision > *after is replayed. kGone (Expired) if *after is older than the window.
  // Returns the revision the watch starts at.
  Result<storage::Revision> Watch(const std::string& prefix, std::optional<storage::Revision> after,
                                  std::shared_ptr<CacheWatcher> watcher);
  void Unwatch(const CacheWatcher* watcher);

  storage::Revision revision() const;
  storage::Revision oldest_revision() const;

 private:
  WatchCache(storage::Store& store, Options options);
  Status Relist();
  void Run();
  void Apply(std::vector<storage::WatchEvent>& events);

  storage::Store& store_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, CachedPtr> objects_;  // guarded by mu_
  std::deque<CacheEvent> events_;             // guarded by mu_
  storage::Revision revision_ = 0;            // guarded by mu_
  storage::Revision oldest_ = 0;  // events after this revision are retained; guarded by mu_
  // Watchers by prefix: the fan-out matches each new event against the distinct prefixes (a
  // few) rather than against every watcher (thousands).
  std::map<std::string, std::vector<std::shared_ptr<CacheWatcher>>> watchers_;  // guarded by mu_
  ParallelFor fan_out_;  // splits one event's watchers across threads
  std::unique_ptr<storage::Watch> store_watch_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tinyk8s::apiserver
