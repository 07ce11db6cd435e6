#pragma once
// Informers (upstream client-go tools/cache): list + watch of one resource into a local cache
// (Indexer), with event handlers. SharedInformerFactory gives one informer per (resource,
// namespace, selectors) per process, whatever the number of users.
//
// Behaviour, as upstream's Reflector + sharedIndexInformer:
//  - List (paged), then Watch from the list's resourceVersion with bookmarks; the watch is
//    resumed from the last seen resourceVersion (bookmarks advance it) when the server ends it;
//  - on 410 Expired (or any watch/list error, after a backoff of 0.8s doubling to 30s) the
//    informer re-lists and replays the difference against its cache as synthetic events:
//    OnAdd for new objects, OnUpdate for changed ones (resourceVersion differs), OnDelete with
//    final_state_unknown = true and the last cached state for vanished ones;
//  - HasSynced turns true after the first complete list has been delivered to the handlers;
//  - optional resync: every resync_period, OnUpdate(obj, obj) for every cached object;
//  - cached objects have no metadata.managedFields (dropped as they are decoded, like
//    upstream's informer transform): no controller reads them.
//
// Threading: each informer runs on its own thread. Handlers run on that thread, one event at a
// time, in order; they must be quick (compute keys, queue.Add) and must not block on the
// network. Everything else is safe from any thread.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/indexer.h"
#include "client/lister.h"

namespace tinyk8s::client {

// ResourceEventHandler: any member may be empty. Objects are the informer's immutable
// snapshots.
struct ResourceEventHandler {
  std::function<void(const ObjectPtr& obj)> on_add;
  // Also called on resync with old == new (same pointer).
  std::function<void(const ObjectPtr& old_obj, const ObjectPtr& new_obj)> on_update;
  // `obj` is the last known state. final_state_unknown: the deletion was noticed by a re-list,
  // so the object may have changed after `obj` (upstream DeletedFinalStateUnknown).
  std::function<void(const ObjectPtr& obj, bool final_state_unknown)> on_delete;
};

struct InformerOptions {
  std::string ns;  // "" = all namespaces
  std::string label_selector;
  std::string field_selector;                  // e.g. "spec.nodeName=node01"
  std::chrono::milliseconds resync_period{0};  // 0 = never
  // Page size of the informer's lists. 0 = one request: tinyk8s serves lists from its watch
  // cache (like upstream's resourceVersion=0 lists, which ignore limit), while its continue
  // pages are read from storage and cost far more (see client_bench).
  int64_t list_page_size = 0;
};

class Informer {
 public:
  Informer(Client& client, Resource resource, InformerOptions options);
  ~Informer();  // stops and joins
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // AddEventHandler registers a handler. If the informer already has objects, the handler
  // first receives OnAdd for each of them (on the calling thread, serialised with the
  // informer's own deliveries), then follows the stream.
  void AddEventHandler(ResourceEventHandler handler);
  // SetTransform: every listed or watched object goes through `transform` before it is cached
  // and delivered (upstream SetTransform), so a process keeps only the fields it reads. Call
  // before Start; it must be deterministic (a re-list compares by resourceVersion only).
  void SetTransform(ObjectTransform transform);
  // AddIndexers adds cache indexes (see Indexer::AddIndexers). Best called before Start.
  Status AddIndexers(const Indexers& indexers);

  // Start launches the list+watch thread (idempotent). Stop ends it and joins (idempotent);
  // the cache keeps its content.
  void Start();
  void Stop();

  // HasSynced: the first list has been stored and delivered to the handlers.
  bool HasSynced() const;
  // WaitForCacheSync blocks until HasSynced or timeout or Stop; returns HasSynced().
  bool WaitForCacheSync(std::chrono::milliseconds timeout) const;
  // The resourceVersion the cache reflects (last list, event or bookmark).
  std::string LastSyncResourceVersion() const;

  const Indexer& indexer() const { return indexer_; }
  // GetIndexer allows tests to pre-fill the cache without a server (no events are fired).
  Indexer& GetIndexerForTest() { return indexer_; }
  Lister lister() const { return Lister(indexer_); }
  const Resource& resource() const { return resource_; }
  const InformerOptions& options() const { return options_; }

  // Counters for tests and diagnostics.
  int ListCount() const;   // number of successful lists (1 + re-lists)
  int WatchCount() const;  // number of watch requests opened

 private:
  struct Impl;
  Client& client_;
  Resource resource_;
  InformerOptions options_;
  Indexer indexer_;
  std::unique_ptr<Impl> impl_;
};

// SharedInformerFactory: owns informers, one per (resource, namespace, selectors, resync), so
// every controller in a process shares one list+watch per resource. Thread-safe. Informers
// requested after Start() are started at once. The Client must outlive the factory.
class SharedInformerFactory {
 public:
  explicit SharedInformerFactory(Client& client);
  ~SharedInformerFactory();  // Shutdown()
  SharedInformerFactory(const SharedInformerFactory&) = delete;
  SharedInformerFactory& operator=(const SharedInformerFactory&) = delete;

  // ForResource returns the shared informer (created on first use; lives as long as the
  // factory). Typical: auto& pods = factory.ForResource(resources::Pods());
  Informer& ForResource(const Resource& resource, const InformerOptions& options = {});

  // Existing returns the informer ForResource would return if it was created already, else
  // null (to configure a shared informer only when some user asked for it).
  Informer* Existing(const Resource& resource, const InformerOptions& options = {});

  // Start starts every informer created so far and any created later.
  void Start();
  // WaitForCacheSync waits until every informer created so far has synced; false on timeout.
  bool WaitForCacheSync(std::chrono::milliseconds timeout);
  // Shutdown stops all informers (joins their threads). Idempotent.
  void Shutdown();

 private:
  Client& client_;
  std::mutex mu_;
  bool started_ = false;
  std::map<std::string, std::unique_ptr<Informer>> informers_;
};

}  // namespace tinyk8s::client
