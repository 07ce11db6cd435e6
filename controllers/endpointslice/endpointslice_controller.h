#pragma once
// EndpointSliceController: keeps, for every Service with a selector, EndpointSlices (EPS-1..5)
// and the legacy Endpoints object listing the Service's pods. Informer handlers enqueue Service
// keys (a pod event enqueues the Services whose selector matches the pod's old or new labels);
// Sync(key) is level-triggered: it computes the desired groups (desired_state.h), then creates,
// updates and deletes slices so that each group of endpoints sharing resolved ports fills
// slices of at most 100 endpoints, and writes the Endpoints object.
//
// A lagging cache must not make Sync create a slice twice: after writing, the controller
// remembers the resourceVersions it produced and treats the Service's cache as stale (requeue)
// until the slice informer has caught up (upstream endpointSliceTracker).
//
// Thread-safe: handlers run on informer threads, Sync on worker threads (never two workers on
// one key).

#include <map>
#include <mutex>
#include <stop_token>
#include <string>
#include <unordered_map>

#include "client/client.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/endpointslice/desired_state.h"

namespace tinyk8s::controllers::endpointslice {

struct EndpointSliceControllerOptions {
  // Also maintain core/v1 Endpoints (upstream runs a separate endpoints controller).
  bool manage_endpoints = true;
};

class EndpointSliceController final : public Controller {
 public:
  // References must outlive the controller. Registers informers (services, pods, nodes,
  // endpointslices, endpoints) and handlers with `informers`; start the factory afterwards.
  EndpointSliceController(client::Client& client, client::SharedInformerFactory& informers,
                          EndpointSliceControllerOptions options = {});
  ~EndpointSliceController() override;

  std::string_view Name() const override { return "endpointslice"; }
  void Run(int workers, std::stop_token stop) override;

  // Sync reconciles one Service. Public for tests. Non-OK means "requeue with backoff".
  Status Sync(const client::ObjectKey& key);

  client::WorkQueue<client::ObjectKey>& queue() { return queue_; }

 private:
  void EnqueuePodServices(const client::ObjectPtr& pod, const client::ObjectPtr& old_pod);
  Status SyncSlices(const rapidjson::Value& service, const std::vector<EndpointGroup>& groups,
                    const client::ObjectKey& key);
  Status SyncEndpoints(const rapidjson::Value& service, const std::vector<EndpointGroup>& groups);
  Status DeleteAll(const client::ObjectKey& key);
  std::vector<client::ObjectPtr> OwnedSlices(const client::ObjectKey& key) const;
  // Stale-cache tracking (see the header comment).
  bool CacheCaughtUp(const client::ObjectKey& key);
  void Expect(const client::ObjectKey& key, const std::string& slice, int64_t resource_version);

  client::Client& client_;
  EndpointSliceControllerOptions options_;
  client::Informer& services_;
  client::Informer& pods_;
  client::Informer& nodes_;
  client::Informer& slices_;
  client::Informer* endpoints_ = nullptr;
  client::WorkQueue<client::ObjectKey> queue_;
  mutable std::mutex mu_;
  // service -> slice name -> resourceVersion written (-1: deleted). Guarded by mu_.
  std::unordered_map<client::ObjectKey, std::map<std::string, int64_t>> written_;
};

}  // namespace tinyk8s::controllers::endpointslice
