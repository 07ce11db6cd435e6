#pragma once
// RootCaCertPublisher: every namespace has a ConfigMap "kube-root-ca.crt" whose `ca.crt` is the
// cluster CA (PEM) that pods use to verify the API server, with upstream's description
// annotation (upstream pkg/controller/certificates/rootcacertpublisher/publisher.go). A
// namespace that appears or changes, or a change to or deletion of that ConfigMap, queues the
// namespace; its sync creates the ConfigMap or puts its data and annotation back. Creates in a
// missing or terminating namespace are dropped (the API server refuses them), so namespace
// deletion is never held up.
//
// The shared ConfigMap cache keeps only metadata, except these ConfigMaps whole
// (cache_trimming.h: TrimConfigMapForControllers).
//
// Thread-safe: handlers on informer threads, Sync on worker threads.

#include <stop_token>
#include <string>

#include "client/client.h"
#include "client/informer.h"
#include "client/timer_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"

namespace tinyk8s::controllers::rootcacertpublisher {

inline constexpr char kConfigMapName[] = "kube-root-ca.crt";
inline constexpr char kDescriptionAnnotation[] = "kubernetes.io/description";
// Upstream's text, word for word: clients and tools compare it.
inline constexpr char kDescription[] =
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters.";

class RootCaCertPublisher final : public Controller {
 public:
  // `root_ca_pem`: the CA bundle to publish.
  RootCaCertPublisher(client::Client& client, client::SharedInformerFactory& informers,
                      client::TimerClock& clock, std::string root_ca_pem);
  ~RootCaCertPublisher() override;

  std::string_view Name() const override { return "root-ca-cert-publisher"; }
  void Run(int workers, std::stop_token stop) override;
  // Sync: key is the namespace name.
  Status Sync(const std::string& ns);

  client::WorkQueue<std::string>& queue() { return queue_; }

 private:
  client::Client& client_;
  std::string root_ca_pem_;
  client::Informer& ns_informer_;
  client::Informer& cm_informer_;
  client::WorkQueue<std::string> queue_;
};

}  // namespace tinyk8s::controllers::rootcacertpublisher
