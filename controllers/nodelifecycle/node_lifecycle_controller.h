#pragma once
// NodeLifecycleController (behavior-spec NODE-3..NODE-5; upstream
// pkg/controller/nodelifecycle and its taint eviction controller):
//  - health: a node whose Lease (kube-node-lease/NAME) and Ready heartbeat have not changed for
//    the grace period (measured on our own monotonic clock from when we saw them change, so
//    clock skew does not matter) gets Ready and the pressure conditions set to Unknown, and its
//    pods are marked Ready=False;
//  - taints follow conditions: Ready=False → not-ready, Unknown → unreachable (NoSchedule and
//    NoExecute), pressure / network-unavailable conditions and spec.unschedulable → NoSchedule;
//    they are removed when the condition clears;
//  - NoExecute eviction: pods that do not tolerate a NoExecute taint are deleted at once, pods
//    tolerating it for tolerationSeconds are deleted that long after the taint's timeAdded.
// Sync(node) does all three for one node; a monitor timer enqueues every node each period.
// Writes are strategic merge patches of what changes (conditions of nodes/status and
// pods/status, spec.taints), never cached objects sent back whole: the controller manager's
// caches hold trimmed objects (controllers/cache_trimming.h).
//
// Thread-safe: handlers on informer threads, Sync on worker threads.

#include <chrono>
#include <mutex>
#include <stop_token>
#include <string>
#include <unordered_map>

#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/timer_clock.h"
#include "client/token_bucket.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/util/event_limiter.h"

namespace tinyk8s::controllers::nodelifecycle {

struct NodeLifecycleOptions {
  std::chrono::milliseconds grace_period{40000};   // --node-monitor-grace-period
  std::chrono::milliseconds monitor_period{5000};  // --node-monitor-period
};

class NodeLifecycleController final : public Controller {
 public:
  NodeLifecycleController(client::Client& client, client::SharedInformerFactory& informers,
                          client::EventRecorder* recorder, client::TimerClock& clock,
                          NodeLifecycleOptions options = {});
  ~NodeLifecycleController() override;

  std::string_view Name() const override { return "nodelifecycle"; }
  void Run(int workers, std::stop_token stop) override;
  Status Sync(const std::string& node_name);

  client::WorkQueue<std::string>& queue() { return queue_; }

 private:
  // Heartbeat bookkeeping: the last lease renewTime / Ready heartbeat seen, and when.
  struct Probe {
    std::string lease_renew, ready_heartbeat;
    std::chrono::steady_clock::time_point observed;
  };
  void ObserveNode(const rapidjson::Value& node);
  // RegisteredNode / RemovingNode ("Node n1 event: Registered Node n1 in Controller"), recorded
  // when a node is first seen or goes, as upstream's controller does at each start for every
  // node. Within kube-controller-manager's default API budget (--kube-api-qps 20, burst 30):
  // thousands of nodes must not flood the API, the rest is dropped.
  void RecordNodeEvent(const rapidjson::Value& node, const char* reason, const std::string& what);
  void ObserveLease(const rapidjson::Value& lease);
  void OnPod(const client::ObjectPtr& pod);

  Status MarkUnknown(const client::ObjectPtr& node);
  Status MarkPodsNotReady(const std::string& node_name);
  Status ReconcileTaints(const client::ObjectPtr& node);
  Status EvictPods(const client::ObjectPtr& node);

  client::Client& client_;
  client::TimerClock& clock_;
  NodeLifecycleOptions options_;
  EventLimiter events_;
  client::TokenBucket node_event_budget_{20, 30};
  client::Informer& node_informer_;
  client::Informer& lease_informer_;
  client::Informer& pod_informer_;
  client::WorkQueue<std::string> queue_;

  std::mutex mu_;
  std::unordered_map<std::string, Probe> probes_;  // GUARDED_BY(mu_)
};

}  // namespace tinyk8s::controllers::nodelifecycle
