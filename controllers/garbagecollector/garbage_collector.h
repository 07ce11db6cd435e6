#pragma once
// GarbageCollector: ownerReferences (behavior-spec GC-1..GC-5; upstream
// pkg/controller/garbagecollector). Instead of upstream's global dependency graph it keeps one
// "owner uid" index per watched resource and answers "who depends on X" from those indexes:
//  - background: a dependent whose owners are all gone (checked by uid with a live GET, never
//    from the cache alone) is deleted; one with a surviving owner only loses the dangling refs;
//  - foreground: an owner carrying the `foregroundDeletion` finalizer gets its dependents
//    deleted; the finalizer goes once no blockOwnerDeletion dependent is left. Ownership
//    cycles end as upstream's do: a dependent to delete whose own dependent also waits for
//    its dependents first stops blocking its owners, then is deleted in the foreground;
//  - orphan: an owner carrying the `orphan` finalizer has its ownerReference stripped from
//    every dependent, then the finalizer goes.
// Everything is level-triggered: after a restart the initial list enqueues every object with
// ownerReferences or GC finalizers, so nothing is lost.
//
// Thread-safe: handlers on informer threads, Sync on worker threads.

#include <rapidjson/document.h>

#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/informer.h"
#include "client/timer_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"

namespace tinyk8s::controllers::garbagecollector {

// GcKey names one object of one of the watched resources.
struct GcKey {
  int resource = 0;  // index into the collector's resource list
  client::ObjectKey key;
  bool operator==(const GcKey&) const = default;
};
struct GcKeyHash {
  size_t operator()(const GcKey& k) const noexcept {
    return std::hash<client::ObjectKey>()(k.key) * 31 + static_cast<size_t>(k.resource);
  }
};

inline constexpr const char* kForegroundFinalizer = "foregroundDeletion";
inline constexpr const char* kOrphanFinalizer = "orphan";

class GarbageCollector final : public Controller {
 public:
  // `resources`: the kinds to watch (owners and dependents); empty = DefaultResources().
  GarbageCollector(client::Client& client, client::SharedInformerFactory& informers,
                   client::TimerClock& clock, std::vector<client::Resource> resources = {});
  ~GarbageCollector() override;

  std::string_view Name() const override { return "garbagecollector"; }
  void Run(int workers, std::stop_token stop) override;
  Status Sync(const GcKey& key);

  // Every kind tinyk8s serves that may carry ownerReferences or be an owner.
  static std::vector<client::Resource> DefaultResources();
  // The key of an object of resource `r` (for tests); nullopt if `r` is not watched.
  std::optional<GcKey> KeyFor(const client::Resource& r, const rapidjson::Value& obj) const;
  client::WorkQueue<GcKey, GcKeyHash>& queue() { return queue_; }

 private:
  void OnAdd(int resource, const client::ObjectPtr& obj);
  void OnUpdate(int resource, const client::ObjectPtr& old_obj, const client::ObjectPtr& obj);
  void OnDelete(int resource, const client::ObjectPtr& obj);
  // Enqueues every watched object that has `uid` among its ownerReferences.
  void EnqueueDependents(const std::string& uid);
  // Enqueues owners of `obj` that are being deleted in the foreground (their wait may be over).
  void EnqueueDeletingOwners(const rapidjson::Value& obj);

  struct Dependent {
    int resource;
    client::ObjectPtr obj;
  };
  std::vector<Dependent> DependentsOf(const std::string& uid) const;

  // The owner's state, checked live when the cache does not show it; an error when that check
  // fails (nothing can be decided then: the caller's sync fails and is retried).
  enum class OwnerState { kSolid, kDeletingForeground, kDeleting, kAbsent };
  Result<OwnerState> LookUpOwner(const std::string& ns, const rapidjson::Value& ref);

  Status ProcessDeletingOwner(int resource, const client::ObjectPtr& obj);
  Status AttemptToDelete(int resource, const client::ObjectPtr& obj);
  Status RemoveFinalizer(int resource, const rapidjson::Value& obj, const char* finalizer);
  Status RemoveOwnerRefs(int resource, const rapidjson::Value& obj,
                         const std::vector<std::string>& owner_uids);
  // Sets blockOwnerDeletion to false on every blocking ownerReference of `obj`.
  Status UnblockOwnerRefs(int resource, const rapidjson::Value& obj);
  Status DeleteObject(int resource, const rapidjson::Value& obj, const std::string& policy);
  // Patches `obj`; an object already gone is not an error.
  Status PatchObject(int resource, const rapidjson::Value& obj, client::PatchType type,
                     const std::string& patch);

  client::Client& client_;
  std::vector<client::Resource> resources_;
  std::vector<client::Informer*> informers_;
  client::WorkQueue<GcKey, GcKeyHash> queue_;
};

// Index over every ownerReference uid of an object (not only the controller's).
inline constexpr std::string_view kAllOwnerUidsIndex = "gcOwnerUids";

}  // namespace tinyk8s::controllers::garbagecollector
