#pragma once
// EndpointReconciler keeps the `kubernetes` Service's Endpoints and EndpointSlice listing every
// live API server on the store (upstream's "lease" endpoint reconciler,
// pkg/controlplane/reconcilers). Each API server holds a Lease in kube-system, labelled
// apiserver.kubernetes.io/identity=kube-apiserver (as upstream's apiserver identity leases), that
// names the address it serves on and is renewed every `interval`; a lease not renewed within
// its leaseDurationSeconds has expired. Each reconcile renews this server's lease, deletes
// expired ones, and rewrites default/kubernetes Endpoints and EndpointSlices when they differ
// from the live set.
//
// Upstream keys leases by IP and assumes every server uses one port; here servers may also
// share an IP on different ports (several servers on loopback): Endpoints gets one subset per
// port, and each port beyond the lowest gets its own EndpointSlice "kubernetes-<port>" (a slice
// has one port list).
//
// It reconciles at Start and then every `interval` on its own thread (which also puts the
// endpoints back if someone edits them, as upstream). On a store that no other API server can
// share (SQLite), every other lease is stale and removed at once. On a shared store (etcd),
// Stop removes this server's lease and reconciles once more, unless no other server is left
// (like upstream, the endpoints are then left as they are rather than emptied).
//
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "apiserver/object_service.h"

namespace tinyk8s::apiserver {

struct EndpointReconcilerOptions {
  std::string ip;  // the address clients reach this server on
  uint16_t port = 0;
  bool shared_store = false;
  std::chrono::seconds interval{10};        // upstream's endpoint reconcile interval
  std::chrono::seconds lease_duration{15};  // upstream's master lease TTL
};

class EndpointReconciler {
 public:
  EndpointReconciler(ObjectService& objects, EndpointReconcilerOptions options);
  ~EndpointReconciler();
  EndpointReconciler(const EndpointReconciler&) = delete;
  EndpointReconciler& operator=(const EndpointReconciler&) = delete;

  // Start reconciles once (so the endpoints are right when the server reports ready) and keeps
  // reconciling in the background.
  Status Start();
  // Stop ends the background loop and withdraws this server (shared store). Idempotent.
  void Stop();

  // Reconcile renews this server's lease (unless it withdrew), deletes expired leases and
  // converges the endpoints; what the loop runs every interval.
  Status Reconcile();

  // The name of this server's lease.
  const std::string& lease_name() const { return lease_name_; }

 private:
  Status RenewLease();
  void Loop();

  ObjectService& objects_;
  const EndpointReconcilerOptions options_;
  const std::string lease_name_;
  const ResourceInfo* const leases_;
  const ResourceInfo* const endpoints_;
  const ResourceInfo* const slices_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;   // GUARDED_BY(mu_)
  bool withdrawn_ = false;  // GUARDED_BY(mu_): this server's lease is gone, do not renew
  std::thread loop_;
};

}  // namespace tinyk8s::apiserver
