#pragma once
// NodeAgent: simulated kubelets, kwok-style. One agent runs N nodes in one process: it registers
// them (Node + Lease), heartbeats like the kubelet (Lease renewals, periodic node status), and
// "runs" the pods bound to its nodes: Pending -> Running with an IP from the node's pod CIDR,
// container statuses and conditions, Ready after an optional delay, with the kubelet's Events
// (kubelet_events.h); graceful deletions are finished with a grace-0 DELETE. Thousands of nodes
// stay cheap: one shared pod watch and one node watch, a single ticker for all heartbeats, and a
// small worker pool — no thread per node.
//
// Fault injection (annotations): Node `tinyk8s.io/heartbeat: stopped` stops its heartbeats,
// Node `tinyk8s.io/ready: "false"` makes it report NotReady, Pod `tinyk8s.io/fail: "true"` makes
// the pod fail, Pod `tinyk8s.io/unready: "true"` makes it unready. A running pod shows the
// resolv.conf its containers would get (node/pod_dns.h) in annotation `tinyk8s.io/resolv-conf`,
// set by the same request as its first Running status.
//
// Thread-safe: Start/Stop from one thread; internal threads synchronise on mu_.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "common/clock.h"
#include "node/kubelet_events.h"
#include "node/node_identity.h"
#include "node/pod_dns.h"
#include "node/pod_status.h"

namespace tinyk8s::node {

struct NodeAgentOptions {
  int count = 1;
  std::string prefix = "node";
  int first_index = 1;
  NodeResources resources;
  std::map<std::string, std::string> labels;
  std::string static_pod_dir;
  // Containers become ready this long after they start (lets minReadySeconds be observed).
  std::chrono::milliseconds readiness_delay{0};
  std::chrono::seconds lease_duration{40};
  std::chrono::milliseconds lease_renew_interval{10000};
  // Node status is posted on change (fault annotations) and otherwise every 5 minutes, the
  // kubelet's nodeStatusReportFrequency; liveness is the Lease's job. With 60 s, 5,000 nodes
  // cost 83 node patches/s and as many node watch events back to the agent.
  std::chrono::milliseconds status_interval{300000};
  // What pods resolve with (kubelet --cluster-dns, --cluster-domain, --resolv-conf).
  NodeDnsSettings dns;
  // Parallel Node creations at start. Each is one synchronous round trip; the API server, not
  // the agent, is the bottleneck past a few dozen.
  int registration_threads = 64;
  // Concurrent status/lease writes. Each is one synchronous round trip, so with 8 the agent
  // capped pod starts at ~800/s and was the slowest stage of a 5,000-node DaemonSet rollout
  // (creates and binds ran at ~2,000/s with the controller's 32).
  int workers = 32;
  // Events about pods (kubelet_events.h), shared by all the agent's nodes.
  KubeletEventBudget events;
  // Unpullable images: the kubelet's image back-off (10 s, doubling, at most 5 min) and how
  // long a failed pull shows as ErrImagePull before the back-off (the kubelet's next sync).
  std::chrono::milliseconds image_pull_backoff{10000};
  std::chrono::milliseconds image_pull_backoff_max{300000};
  std::chrono::milliseconds err_image_pull_for{1000};
};

inline constexpr const char* kHeartbeatAnnotation = "tinyk8s.io/heartbeat";
inline constexpr const char* kReadyAnnotation = "tinyk8s.io/ready";
inline constexpr const char* kFailAnnotation = "tinyk8s.io/fail";
inline constexpr const char* kUnreadyAnnotation = "tinyk8s.io/unready";
inline constexpr const char* kResolvConfAnnotation = "tinyk8s.io/resolv-conf";

class NodeAgent {
 public:
  NodeAgent(client::Client& client, NodeAgentOptions options, const Clock& clock);
  ~NodeAgent();
  NodeAgent(const NodeAgent&) = delete;
  NodeAgent& operator=(const NodeAgent&) = delete;

  // Start registers every node and begins heartbeats and pod handling. Returns once all nodes
  // are registered and the caches have synced.
  Status Start();
  void Stop();

  std::vector<std::string> NodeNames() const;

 private:
  struct Admitted {
    std::string key;  // ns/name
    PodDemand demand;
    std::string ip;
    int ip_index = 0;  // 0 for host-network pods
    // A pod with an image that cannot be pulled goes round the kubelet's cycle: a pull fails
    // (ErrImagePull), the kubelet backs off (ImagePullBackOff) and tries again later.
    bool pull_backing_off = false;
    int pull_failures = 0;
    std::chrono::steady_clock::time_point pull_next;  // when the next stage is due
  };
  struct SimNode {
    NodeIdentity id;
    std::string uid;
    std::chrono::steady_clock::time_point next_lease;
    std::chrono::steady_clock::time_point next_status;
    bool lease_exists = false;  // created (or found) by this agent
    bool heartbeats_stopped = false;
    bool report_ready = true;
    bool last_reported_ready = true;
    bool unschedulable = false;  // spec.unschedulable last seen (cordon)
    Clock::TimePoint ready_since;
    int64_t cpu_milli = 0, memory_bytes = 0, max_pods = 0;
    int64_t used_cpu_milli = 0, used_memory_bytes = 0;   // sums over `admitted`
    std::unordered_map<std::string, Admitted> admitted;  // by pod uid
    std::set<int> used_ips;
    int next_ip = 2;
  };

  // AssignAddresses gives each node the addresses a Node of its name already has, else those
  // of its index unless another node holds that pod CIDR (another agent's nodes), else the
  // lowest free ones: pod IPs stay unique across agents. (Upstream the node IPAM controller
  // hands out pod CIDRs; two agents starting at the same moment may still collide.)
  Status AssignAddresses();
  Status RegisterNode(SimNode& node);
  void TickLoop();
  void StaticPodLoop();
  void WorkLoop();
  Status Process(const std::string& item);
  Status SyncPod(const std::string& ns, const std::string& name);
  Status RenewLease(const std::string& node);
  Status ReportStatus(const std::string& node);
  void OnPod(const client::ObjectPtr& pod);
  void OnNode(const client::ObjectPtr& node);
  // Admit runs the kubelet-side admission check and allocates the pod IP. REQUIRES: mu_ held.
  // Returns an empty reason on success.
  std::string AdmitLocked(SimNode& node, const rapidjson::Value& pod, std::string* message);
  // FitLocked checks pods, cpu, memory and host ports; returns the rejection reason or "".
  std::string FitLocked(const SimNode& node, const PodDemand& demand, std::string* message) const;
  // ReleaseGoneLocked releases the node's pods that are gone, replaced or finished according to
  // the pod cache; returns how many. O(pods on the node): only on the rejection path.
  size_t ReleaseGoneLocked(SimNode& node);
  void ReleaseLocked(SimNode& node, const std::string& uid);
  // ReleaseByKey frees what the pod `key` (ns/name) holds on its node; with `unless_uid`, only
  // when the admitted pod is another one (a pod recreated under the same name).
  void ReleaseByKey(const std::string& key, const std::string& unless_uid = "");
  SimNode* FindLocked(const std::string& name);

  client::Client& client_;
  NodeAgentOptions options_;
  const Clock& clock_;
  client::EventRecorder recorder_;
  KubeletEvents events_;
  std::unique_ptr<client::SharedInformerFactory> informers_;
  client::Informer* pods_ = nullptr;
  client::Informer* nodes_informer_ = nullptr;
  client::WorkQueue<std::string> queue_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<SimNode>> nodes_;        // fixed after Start
  std::unordered_map<std::string, SimNode*> by_name_;  // fixed after Start
  struct AdmittedRef {
    std::string uid;
    SimNode* node = nullptr;
  };
  std::unordered_map<std::string, AdmittedRef> admitted_by_key_;  // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread ticker_;
  std::thread static_pods_;
  std::vector<std::thread> workers_;
};

}  // namespace tinyk8s::node
