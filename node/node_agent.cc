#include "node/node_agent.h"

#include <algorithm>

#include "api/json.h"
#include "api/meta.h"
#include "api/quantity.h"
#include "common/logging.h"
#include "node/static_pods.h"

namespace tinyk8s::node {

using rapidjson::Document;
using rapidjson::Value;

namespace {
constexpr const char* kPodPrefix = "p/";
constexpr const char* kLeasePrefix = "l/";
constexpr const char* kStatusPrefix = "s/";

// The agent's node cache only feeds OnNode (metadata and spec.unschedulable). Node status,
// which the agent writes itself, is most of a node's bytes: without it the cache of 5,000
// nodes is ~13 MiB smaller (peak heap in use 72 -> 59 MiB in the DaemonSet benchmark).
void DropNodeStatus(Value& node) {
  api::KeepOnlyMembers(node, {"apiVersion", "kind", "metadata", "spec"});
}

int64_t ParseMilli(const std::string& q, bool milli) {
  auto parsed = api::Quantity::Parse(q);
  if (!parsed.ok()) return 0;
  return milli ? parsed->MilliValue() : parsed->Value();
}
}  // namespace

NodeAgent::NodeAgent(client::Client& client, NodeAgentOptions options, const Clock& clock)
    : client_(client),
      options_(std::move(options)),
      clock_(clock),
      recorder_(client_, clock_, client::EventRecorderOptions{"kubelet"}),
      events_(&recorder_, options_.events) {
  for (int i = 0; i < options_.count; ++i) {
    auto node = std::make_unique<SimNode>();
    node->id = MakeIdentity(options_.prefix, options_.first_index + i);
    node->cpu_milli = ParseMilli(options_.resources.cpu, true);
    node->memory_bytes = ParseMilli(options_.resources.memory, false);
    node->max_pods = options_.resources.pods;
    node->ready_since = clock_.Now();
    by_name_[node->id.name] = node.get();
    nodes_.push_back(std::move(node));
  }
}

NodeAgent::~NodeAgent() { Stop(); }

std::vector<std::string> NodeAgent::NodeNames() const {
  std::vector<std::string> names;
  for (const auto& n : nodes_) names.push_back(n->id.name);
  return names;
}

NodeAgent::SimNode* NodeAgent::FindLocked(const std::string& name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

Status NodeAgent::RegisterNode(SimNode& node) {
  Document obj = NodeObject(node.id, options_.resources, options_.labels, clock_.Now());
  auto created = client_.Create(client::resources::Nodes(), "", obj);
  if (created.ok()) {
    node.uid = api::Uid(**created);
    events_.NodeStarting(node.id.name, /*registered=*/true);
  } else if (created.status().IsAlreadyExists()) {
    // Re-registration after a restart: keep the object (and its labels/taints), refresh status.
    auto existing = client_.Get(client::resources::Nodes(), "", node.id.name);
    if (!existing.ok()) return existing.status();
    node.uid = api::Uid(**existing);
    Document patch;
    patch.SetObject();
    patch.AddMember("status", Value(obj["status"], patch.GetAllocator()), patch.GetAllocator());
    auto patched = client_.Patch(client::resources::Nodes(), "", node.id.name,
                                 client::PatchType::kMerge, api::ToJson(patch), "status");
    if (!patched.ok()) return patched.status();
    events_.NodeStarting(node.id.name, /*registered=*/false);
  } else {
    return created.status();
  }
  return Status::OK();
}

Status NodeAgent::AssignAddresses() {
  auto existing = client_.List(client::resources::Nodes(), "");
  if (!existing.ok()) return existing.status();
  std::unordered_map<std::string, int> held;  // node name -> address index of its pod CIDR
  std::set<int> used;
  for (const client::ObjectPtr& n : existing->items) {
    int a = AddressIndexOfPodCidr(api::GetString(*n, {"spec", "podCIDR"}));
    if (a <= 0) continue;
    held[api::Name(*n)] = a;
    used.insert(a);
  }
  // Ours first keep what they hold, then the rest take their own index or the lowest free one.
  std::vector<SimNode*> unplaced;
  for (auto& node : nodes_) {
    auto it = held.find(node->id.name);
    if (it == held.end()) {
      unplaced.push_back(node.get());
    } else if (it->second != node->id.address_index) {
      node->id = MakeIdentity(options_.prefix, node->id.index, it->second);
    }
  }
  int next_free = 1;
  for (SimNode* node : unplaced) {
    int a = node->id.index;
    if (used.count(a) > 0) {
      while (used.count(next_free) > 0) ++next_free;
      a = next_free;
    }
    used.insert(a);
    if (a != node->id.address_index) node->id = MakeIdentity(options_.prefix, node->id.index, a);
  }
  return Status::OK();
}

Status NodeAgent::Start() {
  TK_RETURN_IF_ERROR(AssignAddresses());
  // Register all nodes with parallel threads, one request each. Each Lease is created by the
  // node's first renewal (the kubelet's lease controller also starts once the node is
  // registered), so that nodes are Ready after N requests rather than 2N.
  std::atomic<size_t> next{0};
  std::mutex err_mu;
  Status first_error;
  std::vector<std::thread> registrars;
  int threads =
      std::min<int>(std::max(1, options_.registration_threads), std::max<int>(1, options_.count));
  for (int t = 0; t < threads; ++t) {
    registrars.emplace_back([&] {
      for (size_t i = next++; i < nodes_.size(); i = next++) {
        Status s = RegisterNode(*nodes_[i]);
        if (!s.ok()) {
          std::lock_guard lock(err_mu);
          if (first_error.ok()) first_error = s;
        }
      }
    });
  }
  for (auto& t : registrars) t.join();
  if (!first_error.ok()) return first_error;
  TK_LOG_INFO << "registered " << nodes_.size() << " nodes";

  // Spread heartbeats over the interval so that thousands of nodes do not renew at once. The
  // first renewals, which create the Leases, are spread the same way: no burst of N creations
  // right after registration, when the first workloads arrive.
  auto now = clock_.Monotonic();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto offset = options_.lease_renew_interval * static_cast<int64_t>(i) /
                  static_cast<int64_t>(nodes_.size());
    nodes_[i]->next_lease = now + offset;
    nodes_[i]->next_status = now + options_.status_interval * static_cast<int64_t>(i) /
                                       static_cast<int64_t>(nodes_.size());
  }

  informers_ = std::make_unique<client::SharedInformerFactory>(client_);
  client::InformerOptions pod_options;
  pod_options.field_selector = "spec.nodeName!=";  // only pods bound to some node
  pods_ = &informers_->ForResource(client::resources::Pods(), pod_options);
  // A node whose heartbeats resume re-syncs its pods (OnNode).
  Status indexed =
      pods_->AddIndexers({{std::string(client::kNodeNameIndex), client::NodeNameIndexFunc}});
  if (!indexed.ok()) return indexed;
  nodes_informer_ = &informers_->ForResource(client::resources::Nodes());
  nodes_informer_->SetTransform(DropNodeStatus);
  client::ResourceEventHandler pod_handler;
  pod_handler.on_add = [this](const client::ObjectPtr& p) { OnPod(p); };
  pod_handler.on_update = [this](const client::ObjectPtr&, const client::ObjectPtr& p) {
    OnPod(p);
  };
  pod_handler.on_delete = [this](const client::ObjectPtr& p, bool) { OnPod(p); };
  pods_->AddEventHandler(pod_handler);
  client::ResourceEventHandler node_handler;
  node_handler.on_add = [this](const client::ObjectPtr& n) { OnNode(n); };
  node_handler.on_update = [this](const client::ObjectPtr&, const client::ObjectPtr& n) {
    OnNode(n);
  };
  nodes_informer_->AddEventHandler(node_handler);
  informers_->Start();
  if (!informers_->WaitForCacheSync(std::chrono::seconds(60))) {
    return Status::Unavailable("pod and node caches did not sync");
  }
  ticker_ = std::thread([this] { TickLoop(); });
  if (!options_.static_pod_dir.empty()) static_pods_ = std::thread([this] { StaticPodLoop(); });
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkLoop(); });
  return Status::OK();
}

void NodeAgent::Stop() {
  if (stopping_.exchange(true)) return;
  queue_.ShutDown();
  if (ticker_.joinable()) ticker_.join();
  if (static_pods_.joinable()) static_pods_.join();
  for (auto& w : workers_) w.join();
  workers_.clear();
  if (informers_) informers_->Shutdown();
}

void NodeAgent::OnPod(const client::ObjectPtr& pod) {
  std::string node = api::GetString(*pod, {"spec", "nodeName"});
  if (by_name_.find(node) == by_name_.end()) return;
  queue_.Add(kPodPrefix + api::Namespace(*pod) + "/" + api::Name(*pod));
}

void NodeAgent::OnNode(const client::ObjectPtr& obj) {
  std::string name = api::Name(*obj);
  std::lock_guard lock(mu_);
  SimNode* node = FindLocked(name);
  if (!node) return;
  bool stopped =
      api::GetString(*obj, {"metadata", "annotations", kHeartbeatAnnotation}) == "stopped";
  bool ready = api::GetString(*obj, {"metadata", "annotations", kReadyAnnotation}) != "false";
  const bool unschedulable = api::GetBool(*obj, {"spec", "unschedulable"});
  if (unschedulable != node->unschedulable) {
    node->unschedulable = unschedulable;
    events_.NodeSchedulable(name, !unschedulable);
  }
  const bool resumed = node->heartbeats_stopped && !stopped;
  bool changed = ready != node->report_ready || resumed;
  node->heartbeats_stopped = stopped;
  node->report_ready = ready;
  if (changed) queue_.Add(kStatusPrefix + name);
  // Back from silence: catch up with what happened to its pods meanwhile (deletions to
  // finish, the Ready condition the node lifecycle controller turned False).
  if (resumed) {
    for (const client::ObjectPtr& pod : pods_->indexer().ByIndex(client::kNodeNameIndex, name)) {
      queue_.Add(kPodPrefix + api::Namespace(*pod) + "/" + api::Name(*pod));
    }
  }
}

void NodeAgent::TickLoop() {
  while (!stopping_) {
    auto now = clock_.Monotonic();
    std::vector<std::string> due;
    {
      std::lock_guard lock(mu_);
      for (auto& n : nodes_) {
        if (n->heartbeats_stopped) continue;
        if (now >= n->next_lease) {
          n->next_lease = now + options_.lease_renew_interval;
          due.push_back(kLeasePrefix + n->id.name);
        }
        if (now >= n->next_status) {
          n->next_status = now + options_.status_interval;
          due.push_back(kStatusPrefix + n->id.name);
        }
      }
    }
    for (auto& d : due) queue_.Add(d);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void NodeAgent::StaticPodLoop() {
  std::vector<NodeRef> refs;
  for (const auto& n : nodes_) refs.push_back({n->id.name, n->uid});
  while (!stopping_) {
    auto manifests = ReadStaticPodManifests(options_.static_pod_dir);
    Status s = ReconcileStaticPods(client_, pods_->lister(), manifests, refs, clock_);
    if (!s.ok()) TK_LOG_WARN << "static pods: " << s.message();
    for (int i = 0; i < 10 && !stopping_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void NodeAgent::WorkLoop() {
  std::string item;
  while (queue_.Get(&item)) {
    Status s = Process(item);
    if (s.ok()) {
      queue_.Forget(item);
    } else if (!stopping_) {
      TK_VLOG(1) << "retrying " << item << ": " << s.message();
      queue_.AddRateLimited(item);
    }
    queue_.Done(item);
  }
}

Status NodeAgent::Process(const std::string& item) {
  std::string rest = item.substr(2);
  if (item.rfind(kLeasePrefix, 0) == 0) return RenewLease(rest);
  if (item.rfind(kStatusPrefix, 0) == 0) return ReportStatus(rest);
  size_t slash = rest.find('/');
  return SyncPod(rest.substr(0, slash), rest.substr(slash + 1));
}

Status NodeAgent::RenewLease(const std::string& name) {
  bool exists;
  std::string uid;
  {
    std::lock_guard lock(mu_);
    SimNode* node = FindLocked(name);
    if (!node || node->heartbeats_stopped) return Status::OK();
    exists = node->lease_exists;
    uid = node->uid;
  }
  auto mark_exists = [&](bool value) {
    std::lock_guard lock(mu_);
    FindLocked(name)->lease_exists = value;
  };
  if (!exists) {
    Document lease = LeaseObject(name, uid, options_.lease_duration, clock_.Now());
    auto created = client_.Create(client::resources::Leases(), "kube-node-lease", lease);
    if (created.ok()) {
      mark_exists(true);
      return Status::OK();
    }
    if (!created.status().IsAlreadyExists()) return created.status();
    mark_exists(true);  // left by a previous run of the agent: renew it below
  }
  std::string patch = R"({"spec":{"holderIdentity":")" + name + R"(","renewTime":")" +
                      FormatRfc3339Micro(clock_.Now()) + "\"}}";
  auto r = client_.Patch(client::resources::Leases(), "kube-node-lease", name,
                         client::PatchType::kMerge, patch);
  if (r.ok()) return Status::OK();
  if (!r.status().IsNotFound()) return r.status();
  // Someone deleted it: create it again on the retry.
  mark_exists(false);
  return r.status();
}

Status NodeAgent::ReportStatus(const std::string& name) {
  bool ready;
  Clock::TimePoint since;
  {
    std::lock_guard lock(mu_);
    SimNode* node = FindLocked(name);
    if (!node || node->heartbeats_stopped) return Status::OK();
    if (node->report_ready != node->last_reported_ready) {
      node->ready_since = clock_.Now();
      node->last_reported_ready = node->report_ready;
      events_.NodeReadiness(name, node->report_ready);
    }
    ready = node->report_ready;
    since = node->ready_since;
  }
  Document patch;
  patch.SetObject();
  auto& a = patch.GetAllocator();
  Value status(rapidjson::kObjectType);
  status.AddMember("conditions", NodeConditions(ready, clock_.Now(), since, a), a);
  patch.AddMember("status", status, a);
  auto r = client_.Patch(client::resources::Nodes(), "", name, client::PatchType::kMerge,
                         api::ToJson(patch), "status");
  return r.ok() ? Status::OK() : r.status();
}

std::string NodeAgent::FitLocked(const SimNode& node, const PodDemand& demand,
                                 std::string* message) const {
  const int64_t cpu = node.used_cpu_milli, mem = node.used_memory_bytes;
  // Host ports: only pods that ask for one pay for the scan of the node's pods.
  for (const auto& want : demand.host_ports) {
    for (const auto& [uid, a] : node.admitted) {
      for (const auto& port : a.demand.host_ports) {
        if (port == want) {
          *message =
              "Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports for "
              "the requested pod ports";
          return "NodePorts";
        }
      }
    }
  }
  if (static_cast<int64_t>(node.admitted.size()) + 1 > node.max_pods) {
    *message = "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: " +
               std::to_string(node.admitted.size()) +
               ", capacity: " + std::to_string(node.max_pods);
    return "OutOfpods";
  }
  if (demand.cpu_milli > 0 && cpu + demand.cpu_milli > node.cpu_milli) {
    *message = "Pod was rejected: Node didn't have enough resource: cpu, requested: " +
               std::to_string(demand.cpu_milli) + ", used: " + std::to_string(cpu) +
               ", capacity: " + std::to_string(node.cpu_milli);
    return "OutOfcpu";
  }
  if (demand.memory_bytes > 0 && mem + demand.memory_bytes > node.memory_bytes) {
    *message = "Pod was rejected: Node didn't have enough resource: memory, requested: " +
               std::to_string(demand.memory_bytes) + ", used: " + std::to_string(mem) +
               ", capacity: " + std::to_string(node.memory_bytes);
    return "OutOfmemory";
  }
  return "";
}

size_t NodeAgent::ReleaseGoneLocked(SimNode& node) {
  std::vector<std::string> gone;
  for (const auto& [uid, a] : node.admitted) {
    size_t slash = a.key.find('/');
    client::ObjectPtr pod = pods_->lister().Get(a.key.substr(0, slash), a.key.substr(slash + 1));
    std::string phase = pod ? api::GetString(*pod, {"status", "phase"}) : "";
    if (!pod || api::Uid(*pod) != uid || phase == "Succeeded" || phase == "Failed")
      gone.push_back(uid);
  }
  for (const auto& uid : gone) ReleaseLocked(node, uid);
  return gone.size();
}

std::string NodeAgent::AdmitLocked(SimNode& node, const Value& pod, std::string* message) {
  PodDemand demand = DemandOf(pod);
  std::string reason = FitLocked(node, demand, message);
  // Pods that went away may not have been synced yet (workers run keys in parallel): release
  // them before turning this one away, as the kubelet's single sync loop would have.
  if (!reason.empty() && ReleaseGoneLocked(node) > 0) reason = FitLocked(node, demand, message);
  if (!reason.empty()) return reason;
  Admitted adm;
  adm.key = api::Namespace(pod) + "/" + api::Name(pod);
  adm.demand = std::move(demand);
  if (api::GetBool(pod, {"spec", "hostNetwork"})) {
    adm.ip = node.id.internal_ip;
  } else {
    // Reuse the IP the pod already reports (agent restart), else take the next free one.
    std::string existing = api::GetString(pod, {"status", "podIP"});
    int index = 0;
    if (existing.rfind(node.id.pod_ip_prefix, 0) == 0)
      index = std::atoi(existing.c_str() + node.id.pod_ip_prefix.size());
    if (index < 2 || index > 254 || node.used_ips.count(index)) {
      index = 0;
      for (int tries = 0; tries < 253; ++tries) {
        int candidate = node.next_ip;
        node.next_ip = node.next_ip >= 254 ? 2 : node.next_ip + 1;
        if (!node.used_ips.count(candidate)) {
          index = candidate;
          break;
        }
      }
    }
    if (index == 0) {
      *message = "Pod was rejected: no free IP in the node's pod CIDR " + node.id.pod_cidr;
      return "OutOfpods";
    }
    node.used_ips.insert(index);
    adm.ip = node.id.pod_ip_prefix + std::to_string(index);
    adm.ip_index = index;
  }
  node.used_cpu_milli += adm.demand.cpu_milli;
  node.used_memory_bytes += adm.demand.memory_bytes;
  admitted_by_key_[adm.key] = {api::Uid(pod), &node};
  node.admitted[api::Uid(pod)] = std::move(adm);
  return "";
}

void NodeAgent::ReleaseLocked(SimNode& node, const std::string& uid) {
  auto it = node.admitted.find(uid);
  if (it == node.admitted.end()) return;
  if (it->second.ip_index) node.used_ips.erase(it->second.ip_index);
  node.used_cpu_milli -= it->second.demand.cpu_milli;
  node.used_memory_bytes -= it->second.demand.memory_bytes;
  if (auto ref = admitted_by_key_.find(it->second.key);
      ref != admitted_by_key_.end() && ref->second.uid == uid) {
    admitted_by_key_.erase(ref);
  }
  node.admitted.erase(it);
}

void NodeAgent::ReleaseByKey(const std::string& key, const std::string& unless_uid) {
  std::lock_guard lock(mu_);
  auto it = admitted_by_key_.find(key);
  if (it == admitted_by_key_.end() || it->second.uid == unless_uid) return;
  AdmittedRef ref = it->second;
  admitted_by_key_.erase(it);
  ReleaseLocked(*ref.node, ref.uid);
}

Status NodeAgent::SyncPod(const std::string& ns, const std::string& name) {
  std::string key = ns + "/" + name;
  client::ObjectPtr pod = pods_->lister().Get(ns, name);
  if (!pod) {
    ReleaseByKey(key);
    return Status::OK();
  }
  const Value& p = *pod;
  std::string node_name = api::GetString(p, {"spec", "nodeName"});
  std::string uid = api::Uid(p);
  {
    // A node that stopped heartbeating stands for a kubelet that is gone (or cut off): it
    // writes nothing about its pods, which keep what the control plane last set (Ready=False
    // from the node lifecycle controller; Terminating) until it is back.
    std::lock_guard lock(mu_);
    SimNode* node = FindLocked(node_name);
    if (node != nullptr && node->heartbeats_stopped) return Status::OK();
  }
  // A pod recreated under the same name: forget the old one first.
  ReleaseByKey(key, uid);
  if (api::HasDeletionTimestamp(p)) {
    // "Stop the containers" at once, then confirm the deletion like the kubelet does.
    if (api::FindPath(p, {"status", "containerStatuses"}) != nullptr) {
      events_.PodStopping(p, node_name);
    }
    client::DeleteOptions opts;
    opts.grace_period_seconds = 0;
    opts.precondition_uid = uid;
    auto r = client_.Delete(client::resources::Pods(), ns, name, opts);
    if (!r.ok() && !r.status().IsNotFound() && !r.status().IsConflict()) return r.status();
    ReleaseByKey(key);
    return Status::OK();
  }
  std::string phase = api::GetString(p, {"status", "phase"});
  if (phase == "Succeeded" || phase == "Failed") {
    ReleaseByKey(key);
    return Status::OK();
  }
  RunningState state;
  std::string reject_reason, reject_message;
  bool starting = false;
  enum class PullStage { kNone, kFailed, kBackingOff } pull_event = PullStage::kNone;
  std::chrono::steady_clock::duration next_pull_stage{0};
  {
    std::lock_guard lock(mu_);
    SimNode* node = FindLocked(node_name);
    if (!node) return Status::OK();
    state.host_ip = node->id.internal_ip;
    auto it = node->admitted.find(uid);
    if (it == node->admitted.end()) {
      reject_reason = AdmitLocked(*node, p, &reject_message);
      it = node->admitted.find(uid);
      // Containers that were running before (an agent restart) are not started again.
      starting = it != node->admitted.end() &&
                 api::FindPath(p, {"status", "containerStatuses"}) == nullptr;
    }
    if (it != node->admitted.end()) {
      state.pod_ip = it->second.ip;
      if (HasUnpullableImage(p)) {
        Admitted& ad = it->second;
        const auto mono = clock_.Monotonic();
        if (starting || (ad.pull_backing_off && mono >= ad.pull_next)) {
          // A pull (the first, or the next once the back-off is over) fails.
          ++ad.pull_failures;
          ad.pull_backing_off = false;
          ad.pull_next = mono + options_.err_image_pull_for;
          if (!starting) pull_event = PullStage::kFailed;
        } else if (!ad.pull_backing_off && mono >= ad.pull_next) {
          auto delay = options_.image_pull_backoff;
          for (int i = 1; i < ad.pull_failures && delay < options_.image_pull_backoff_max; ++i) {
            delay *= 2;
          }
          ad.pull_backing_off = true;
          ad.pull_next = mono + std::min(delay, options_.image_pull_backoff_max);
          pull_event = PullStage::kBackingOff;
        }
        state.pull_backing_off = ad.pull_backing_off;
        next_pull_stage = ad.pull_next - mono;
      }
    }
  }
  if (!reject_reason.empty()) events_.PodRejected(p, node_name, reject_reason, reject_message);
  if (starting) events_.PodStarted(p, node_name);
  if (pull_event == PullStage::kFailed) events_.ImagePullFailed(p, node_name);
  if (pull_event == PullStage::kBackingOff) events_.ImagePullBackingOff(p, node_name);
  if (next_pull_stage.count() > 0) {
    queue_.AddAfter(kPodPrefix + key, next_pull_stage + std::chrono::milliseconds(5));
  }
  Document patch;
  if (!reject_reason.empty()) {
    patch = FailedStatusPatch(p, reject_reason, reject_message, clock_.Now());
  } else if (api::GetString(p, {"metadata", "annotations", kFailAnnotation}) == "true") {
    patch = FailedStatusPatch(
        p, "Error", "simulated container failure (annotation tinyk8s.io/fail)", clock_.Now());
    ReleaseByKey(key);
  } else {
    auto now = clock_.Now();
    Clock::TimePoint started = now;
    ParseRfc3339(api::GetString(p, {"status", "startTime"}), &started);
    auto ready_at = started + options_.readiness_delay;
    bool unready = api::GetString(p, {"metadata", "annotations", kUnreadyAnnotation}) == "true";
    state.ready = !unready && now >= ready_at;
    if (!unready && now < ready_at) {
      queue_.AddAfter(kPodPrefix + key, ready_at - now + std::chrono::milliseconds(5));
    }
    patch = RunningStatusPatch(p, state, now);
    // What the containers resolve with, in the same request (pods/status keeps annotations).
    std::string resolv = FormatResolvConf(PodResolvConf(p, options_.dns));
    if (api::GetString(p, {"metadata", "annotations", kResolvConfAnnotation}) != resolv) {
      auto& a = patch.GetAllocator();
      Value annotations(rapidjson::kObjectType);
      annotations.AddMember(rapidjson::StringRef(kResolvConfAnnotation), api::MakeString(resolv, a),
                            a);
      Value metadata(rapidjson::kObjectType);
      metadata.AddMember("annotations", annotations, a);
      patch.AddMember("metadata", metadata, a);
    }
  }
  if (!api::FindMember(patch, "metadata") && !StatusChanged(p, patch)) return Status::OK();
  auto r = client_.Patch(client::resources::Pods(), ns, name, client::PatchType::kMerge,
                         api::ToJson(patch), "status");
  if (!r.ok() && !r.status().IsNotFound()) return r.status();
  return Status::OK();
}

}  // namespace tinyk8s::node
