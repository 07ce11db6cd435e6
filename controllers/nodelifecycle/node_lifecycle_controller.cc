#include "controllers/nodelifecycle/node_lifecycle_controller.h"

#include <algorithm>
#include <condition_variable>
#include <optional>
#include <set>

#include "api/json.h"
#include "api/meta.h"
#include "controllers/util/pod_util.h"

namespace tinyk8s::controllers::nodelifecycle {

namespace {
using client::ObjectPtr;

constexpr const char* kLeaseNamespace = "kube-node-lease";
constexpr const char* kNotReady = "node.kubernetes.io/not-ready";
constexpr const char* kUnreachable = "node.kubernetes.io/unreachable";
constexpr const char* kUnschedulable = "node.kubernetes.io/unschedulable";
// Condition-driven taint keys this controller owns (NODE-4).
const std::set<std::string>& ManagedKeys() {
  static const std::set<std::string> keys = {kNotReady,
                                             kUnreachable,
                                             kUnschedulable,
                                             "node.kubernetes.io/memory-pressure",
                                             "node.kubernetes.io/disk-pressure",
                                             "node.kubernetes.io/pid-pressure",
                                             "node.kubernetes.io/network-unavailable"};
  return keys;
}

std::string ConditionStatus(const rapidjson::Value& node, std::string_view type) {
  const rapidjson::Value* conds = api::FindPath(node, {"status", "conditions"});
  if (conds == nullptr || !conds->IsArray()) return "";
  for (const auto& c : conds->GetArray()) {
    if (api::GetString(c, {"type"}) == type) return api::GetString(c, {"status"});
  }
  return "";
}

std::string ReadyHeartbeat(const rapidjson::Value& node) {
  const rapidjson::Value* conds = api::FindPath(node, {"status", "conditions"});
  if (conds == nullptr || !conds->IsArray()) return "";
  for (const auto& c : conds->GetArray()) {
    if (api::GetString(c, {"type"}) == "Ready") {
      return api::GetString(c, {"lastHeartbeatTime"}) + "|" + api::GetString(c, {"status"});
    }
  }
  return "";
}

bool SameSpec(const rapidjson::Value& a, const rapidjson::Value& b) {
  const rapidjson::Value* sa = api::FindMember(a, "spec");
  const rapidjson::Value* sb = api::FindMember(b, "spec");
  if (sa == nullptr || sb == nullptr) return sa == sb;
  return api::JsonEqual(*sa, *sb);
}

// The managed taints a node should carry, as (key, effect) pairs.
std::vector<std::pair<std::string, std::string>> DesiredTaints(const rapidjson::Value& node) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string ready = ConditionStatus(node, "Ready");
  if (ready == "False") {
    out.push_back({kNotReady, "NoSchedule"});
    out.push_back({kNotReady, "NoExecute"});
  } else if (ready == "Unknown") {
    out.push_back({kUnreachable, "NoSchedule"});
    out.push_back({kUnreachable, "NoExecute"});
  }
  if (ConditionStatus(node, "MemoryPressure") == "True") {
    out.push_back({"node.kubernetes.io/memory-pressure", "NoSchedule"});
  }
  if (ConditionStatus(node, "DiskPressure") == "True") {
    out.push_back({"node.kubernetes.io/disk-pressure", "NoSchedule"});
  }
  if (ConditionStatus(node, "PIDPressure") == "True") {
    out.push_back({"node.kubernetes.io/pid-pressure", "NoSchedule"});
  }
  if (ConditionStatus(node, "NetworkUnavailable") == "True") {
    out.push_back({"node.kubernetes.io/network-unavailable", "NoSchedule"});
  }
  if (api::GetBool(node, {"spec", "unschedulable"})) out.push_back({kUnschedulable, "NoSchedule"});
  return out;
}
}  // namespace

NodeLifecycleController::NodeLifecycleController(client::Client& client,
                                                 client::SharedInformerFactory& informers,
                                                 client::EventRecorder* recorder,
                                                 client::TimerClock& clock,
                                                 NodeLifecycleOptions options)
    : client_(client),
      clock_(clock),
      options_(options),
      events_(recorder, clock),
      node_informer_(informers.ForResource(client::resources::Nodes())),
      lease_informer_(informers.ForResource(client::resources::Leases())),
      pod_informer_(informers.ForResource(client::resources::Pods())),
      queue_(client::WorkQueueOptions{&clock, std::chrono::milliseconds(5),
                                      std::chrono::seconds(60), "nodelifecycle"}) {
  if (!pod_informer_.indexer().HasIndex(client::kNodeNameIndex)) {
    Status s = pod_informer_.AddIndexers(
        {{std::string(client::kNodeNameIndex), client::NodeNameIndexFunc}});
    if (!s.ok() && s.code() != StatusCode::kAlreadyExists) {
      TK_LOG_WARN << "nodelifecycle: pod index: " << s.ToString();
    }
  }
  node_informer_.AddEventHandler(
      {[this](const ObjectPtr& n) {
         ObserveNode(*n);
         RecordNodeEvent(*n, "RegisteredNode",
                         "Registered Node " + api::Name(*n) + " in Controller");
         queue_.Add(api::Name(*n));
       },
       [this](const ObjectPtr& o, const ObjectPtr& n) {
         ObserveNode(*n);
         // Taint-relevant changes only; heartbeats are handled by the monitor period.
         if (ConditionStatus(*o, "Ready") != ConditionStatus(*n, "Ready") || !SameSpec(*o, *n) ||
             ConditionStatus(*o, "MemoryPressure") != ConditionStatus(*n, "MemoryPressure") ||
             ConditionStatus(*o, "DiskPressure") != ConditionStatus(*n, "DiskPressure") ||
             ConditionStatus(*o, "PIDPressure") != ConditionStatus(*n, "PIDPressure") ||
             ConditionStatus(*o, "NetworkUnavailable") !=
                 ConditionStatus(*n, "NetworkUnavailable")) {
           queue_.Add(api::Name(*n));
         }
       },
       [this](const ObjectPtr& n, bool) {
         RecordNodeEvent(*n, "RemovingNode", "Removing Node " + api::Name(*n) + " from Controller");
         std::lock_guard<std::mutex> lock(mu_);
         probes_.erase(api::Name(*n));
       }});
  lease_informer_.AddEventHandler(
      {[this](const ObjectPtr& l) { ObserveLease(*l); },
       [this](const ObjectPtr&, const ObjectPtr& l) { ObserveLease(*l); }, nullptr});
  pod_informer_.AddEventHandler({[this](const ObjectPtr& p) { OnPod(p); },
                                 [this](const ObjectPtr& o, const ObjectPtr& p) {
                                   if (PodNodeName(*o) != PodNodeName(*p)) OnPod(p);
                                 },
                                 nullptr});
}

NodeLifecycleController::~NodeLifecycleController() { queue_.ShutDown(); }

void NodeLifecycleController::ObserveNode(const rapidjson::Value& node) {
  std::string hb = ReadyHeartbeat(node);
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = probes_.try_emplace(api::Name(node));
  if (inserted || it->second.ready_heartbeat != hb) {
    it->second.ready_heartbeat = hb;
    it->second.observed = clock_.Monotonic();
  }
}

void NodeLifecycleController::RecordNodeEvent(const rapidjson::Value& node, const char* reason,
                                              const std::string& what) {
  if (!node_event_budget_.TryTake()) return;
  events_.Event(node, client::kEventTypeNormal, reason,
                "Node " + api::Name(node) + " event: " + what);
}

void NodeLifecycleController::ObserveLease(const rapidjson::Value& lease) {
  if (api::Namespace(lease) != kLeaseNamespace) return;
  std::string renew = api::GetString(lease, {"spec", "renewTime"});
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = probes_.try_emplace(api::Name(lease));
  if (inserted || it->second.lease_renew != renew) {
    it->second.lease_renew = renew;
    it->second.observed = clock_.Monotonic();
  }
}

void NodeLifecycleController::OnPod(const ObjectPtr& pod) {
  std::string node_name = PodNodeName(*pod);
  if (node_name.empty()) return;
  ObjectPtr node = node_informer_.indexer().Get("", node_name);
  if (node == nullptr) return;
  for (const Taint& t : NodeTaints(*node)) {
    if (t.effect == "NoExecute") {
      queue_.Add(node_name);
      return;
    }
  }
}

void NodeLifecycleController::Run(int workers, std::stop_token stop) {
  std::jthread monitor([this](std::stop_token st) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock<std::mutex> lock(m);
    while (!st.stop_requested()) {
      for (const auto& key : node_informer_.indexer().ListKeys()) queue_.Add(key.name);
      cv.wait_for(lock, st, options_.monitor_period, [] { return false; });
    }
  });
  RunWorkers(queue_, workers, stop, "nodelifecycle",
             [this](const std::string& n) { return Sync(n); });
}

Status NodeLifecycleController::Sync(const std::string& name) {
  ObjectPtr node = node_informer_.indexer().Get("", name);
  if (node == nullptr) return Status::OK();
  bool stale = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = probes_.try_emplace(name);
    if (inserted) it->second.observed = clock_.Monotonic();
    stale = clock_.Monotonic() - it->second.observed > options_.grace_period;
  }
  if (stale && ConditionStatus(*node, "Ready") != "Unknown") {
    TK_RETURN_IF_ERROR(MarkUnknown(node));
    TK_RETURN_IF_ERROR(MarkPodsNotReady(name));
    return Status::OK();  // the status write comes back as an event: taints follow then
  }
  TK_RETURN_IF_ERROR(ReconcileTaints(node));
  return EvictPods(node);
}

// The writes below are strategic merge patches carrying only what changes (as upstream's
// controller patches taints): the informer caches hold trimmed objects (cache_trimming.h), so
// a cached object must never be sent back whole. Node patches carry the resourceVersion read,
// so a concurrent write (a heartbeat, a user's taint) makes them conflict and retry.
Status NodeLifecycleController::MarkUnknown(const ObjectPtr& node) {
  const std::string now = FormatRfc3339(clock_.Now());
  rapidjson::Document patch(rapidjson::kObjectType);
  auto& a = patch.GetAllocator();
  api::SetString(api::EnsureObject(patch, {"metadata"}, a), "resourceVersion",
                 api::ResourceVersion(*node), a);
  rapidjson::Value conds(rapidjson::kArrayType);
  for (const char* type : {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"}) {
    std::string status = ConditionStatus(*node, type);
    if (status == "Unknown") continue;
    // Conditions merge by type: the ones we change keep their lastHeartbeatTime.
    rapidjson::Value c(rapidjson::kObjectType);
    api::SetString(c, "type", type, a);
    api::SetString(c, "status", "Unknown", a);
    if (status.empty()) {
      api::SetString(c, "reason", "NodeStatusNeverUpdated", a);
      api::SetString(c, "message", "Kubelet never posted node status.", a);
      api::SetString(c, "lastHeartbeatTime", now, a);
    } else {
      api::SetString(c, "reason", "NodeStatusUnknown", a);
      api::SetString(c, "message", "Kubelet stopped posting node status.", a);
    }
    api::SetString(c, "lastTransitionTime", now, a);
    conds.PushBack(c, a);
  }
  if (conds.Empty()) return Status::OK();
  TK_LOG_INFO << "nodelifecycle: node " << api::Name(*node)
              << " stopped posting status; marking it Unknown";
  api::SetValue(api::EnsureObject(patch, {"status"}, a), "conditions", conds, a);
  auto res = client_.Patch(client::resources::Nodes(), "", api::Name(*node),
                           client::PatchType::kStrategic, api::ToJson(patch), "status");
  if (!res.ok() && !res.status().IsNotFound()) return res.status();
  events_.Event(*node, client::kEventTypeNormal, "NodeNotReady",
                "Node " + api::Name(*node) + " status is now: NodeNotReady");
  return Status::OK();
}

Status NodeLifecycleController::MarkPodsNotReady(const std::string& node_name) {
  const std::string patch =
      R"({"status":{"conditions":[{"type":"Ready","status":"False","lastTransitionTime":")" +
      FormatRfc3339(clock_.Now()) + R"("}]}})";
  for (const ObjectPtr& pod : pod_informer_.indexer().ByIndex(client::kNodeNameIndex, node_name)) {
    if (!IsPodReady(*pod)) continue;
    auto res = client_.Patch(client::resources::Pods(), api::Namespace(*pod), api::Name(*pod),
                             client::PatchType::kStrategic, patch, "status");
    if (res.status().IsNotFound()) continue;  // gone meanwhile: nothing to tell
    if (!res.ok()) return res.status();
    events_.Event(*pod, client::kEventTypeWarning, "NodeNotReady", "Node is not ready");
  }
  return Status::OK();
}

Status NodeLifecycleController::ReconcileTaints(const ObjectPtr& node) {
  auto desired = DesiredTaints(*node);
  std::vector<Taint> current = NodeTaints(*node);
  // Keep unmanaged taints and managed ones still wanted (with their timeAdded).
  std::vector<Taint> next;
  for (const Taint& t : current) {
    bool managed = ManagedKeys().count(t.key) > 0;
    bool wanted =
        std::find(desired.begin(), desired.end(), std::make_pair(t.key, t.effect)) != desired.end();
    if (!managed || wanted) next.push_back(t);
  }
  const std::string now = FormatRfc3339(clock_.Now());
  for (const auto& [key, effect] : desired) {
    bool have = std::any_of(next.begin(), next.end(),
                            [&](const Taint& t) { return t.key == key && t.effect == effect; });
    if (!have) next.push_back({key, "", effect, effect == "NoExecute" ? now : ""});
  }
  if (next.size() == current.size()) {
    bool same = true;
    for (size_t i = 0; i < next.size() && same; ++i) {
      same = next[i].key == current[i].key && next[i].effect == current[i].effect;
    }
    if (same) return Status::OK();
  }
  // spec.taints is an atomic list: the patch carries the whole new list, guarded by the
  // resourceVersion it was computed from.
  rapidjson::Document patch(rapidjson::kObjectType);
  auto& a = patch.GetAllocator();
  api::SetString(api::EnsureObject(patch, {"metadata"}, a), "resourceVersion",
                 api::ResourceVersion(*node), a);
  rapidjson::Value taints(rapidjson::kNullType);
  if (!next.empty()) {
    taints.SetArray();
    for (const Taint& t : next) {
      rapidjson::Value v(rapidjson::kObjectType);
      api::SetString(v, "key", t.key, a);
      if (!t.value.empty()) api::SetString(v, "value", t.value, a);
      api::SetString(v, "effect", t.effect, a);
      if (!t.time_added.empty()) api::SetString(v, "timeAdded", t.time_added, a);
      taints.PushBack(v, a);
    }
  }
  api::SetValue(api::EnsureObject(patch, {"spec"}, a), "taints", taints, a);
  auto res = client_.Patch(client::resources::Nodes(), "", api::Name(*node),
                           client::PatchType::kStrategic, api::ToJson(patch));
  if (!res.ok() && !res.status().IsNotFound()) return res.status();
  return Status::OK();
}

Status NodeLifecycleController::EvictPods(const ObjectPtr& node) {
  std::vector<Taint> no_execute;
  for (Taint& t : NodeTaints(*node)) {
    if (t.effect == "NoExecute") no_execute.push_back(std::move(t));
  }
  if (no_execute.empty()) return Status::OK();
  const auto now = clock_.Now();
  std::optional<Clock::TimePoint> next_check;
  for (const ObjectPtr& pod :
       pod_informer_.indexer().ByIndex(client::kNodeNameIndex, api::Name(*node))) {
    if (api::HasDeletionTimestamp(*pod) || IsPodTerminal(*pod)) continue;
    const rapidjson::Value* spec = api::FindMember(*pod, "spec");
    std::vector<Toleration> tols = spec ? SpecTolerations(*spec) : std::vector<Toleration>{};
    std::optional<Clock::TimePoint> evict_at;
    bool forever = true;
    for (const Taint& taint : no_execute) {
      std::optional<int64_t> min_secs;
      bool tolerated = false;
      for (const Toleration& tol : tols) {
        if (!ToleratesTaint(tol, taint)) continue;
        tolerated = true;
        if (!tol.toleration_seconds) continue;
        min_secs =
            min_secs ? std::min(*min_secs, *tol.toleration_seconds) : *tol.toleration_seconds;
      }
      // A toleration without seconds tolerates forever unless another one limits it.
      bool unlimited = false;
      for (const Toleration& tol : tols) {
        if (ToleratesTaint(tol, taint) && !tol.toleration_seconds) unlimited = true;
      }
      if (!tolerated) {
        evict_at = now;
        forever = false;
        break;
      }
      if (min_secs && !unlimited) {
        Clock::TimePoint added = now;
        if (!taint.time_added.empty()) ParseRfc3339(taint.time_added, &added);
        Clock::TimePoint at = added + std::chrono::seconds(std::max<int64_t>(0, *min_secs));
        evict_at = evict_at ? std::min(*evict_at, at) : at;
        forever = false;
      }
    }
    if (forever || !evict_at) continue;
    if (*evict_at <= now) {
      auto res = client_.Delete(client::resources::Pods(), api::Namespace(*pod), api::Name(*pod));
      if (!res.ok() && !res.status().IsNotFound()) return res.status();
      events_.Event(*pod, client::kEventTypeNormal, "TaintManagerEviction",
                    "Marking for deletion Pod " + api::Namespace(*pod) + "/" + api::Name(*pod));
    } else {
      next_check = next_check ? std::min(*next_check, *evict_at) : *evict_at;
    }
  }
  if (next_check) {
    queue_.AddAfter(api::Name(*node), *next_check - now + std::chrono::milliseconds(100));
  }
  return Status::OK();
}

}  // namespace tinyk8s::controllers::nodelifecycle
