#include "controllers/daemonset/daemonset_controller.h"

#include <ctime>

#include "api/json.h"
#include "api/meta.h"
#include "controllers/util/pod_util.h"

namespace tinyk8s::controllers::daemonset {

namespace {
using client::ObjectKey;
using client::ObjectPtr;

// Objects without a controller ownerReference, indexed by namespace (candidates for adoption).
std::vector<std::string> OrphanByNamespace(const rapidjson::Value& obj) {
  api::OwnerReference ref;
  if (api::GetControllerOf(obj, &ref)) return {};
  return {api::Namespace(obj)};
}

void AddIndexes(client::Informer& informer, const client::Indexers& indexers) {
  for (const auto& [name, fn] : indexers) {
    if (informer.indexer().HasIndex(name)) continue;  // shared informer: another user added it
    Status s = informer.AddIndexers({{name, fn}});
    if (!s.ok() && s.code() != StatusCode::kAlreadyExists) {
      TK_LOG_WARN << "daemonset: cannot add index " << name << ": " << s.ToString();
    }
  }
}

std::string Key(const rapidjson::Value& obj) { return ObjectKey::Of(obj).ToString(); }

bool SameJson(const rapidjson::Value* a, const rapidjson::Value* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return api::JsonEqual(*a, *b);
}
}  // namespace

DaemonSetController::DaemonSetController(client::Client& client,
                                         client::SharedInformerFactory& informers,
                                         client::EventRecorder* recorder, client::TimerClock& clock,
                                         DaemonSetControllerOptions options)
    : client_(client),
      clock_(clock),
      options_(options),
      events_(recorder, clock),
      ds_informer_(informers.ForResource(client::resources::DaemonSets())),
      pod_informer_(informers.ForResource(client::resources::Pods())),
      node_informer_(informers.ForResource(client::resources::Nodes())),
      rev_informer_(informers.ForResource(client::resources::ControllerRevisions())),
      queue_(client::WorkQueueOptions{&clock, std::chrono::milliseconds(5),
                                      std::chrono::seconds(1000), "daemonset"}),
      expectations_(clock) {
  AddIndexes(pod_informer_, {{std::string(client::kOwnerUidIndex), client::ControllerUidIndexFunc},
                             {std::string(kOrphanByNamespaceIndex), OrphanByNamespace}});
  AddIndexes(rev_informer_, {{std::string(client::kOwnerUidIndex), client::ControllerUidIndexFunc},
                             {std::string(kOrphanByNamespaceIndex), OrphanByNamespace}});

  ds_informer_.AddEventHandler({[this](const ObjectPtr& ds) { Enqueue(*ds); },
                                [this](const ObjectPtr&, const ObjectPtr& ds) { Enqueue(*ds); },
                                [this](const ObjectPtr& ds, bool) { Enqueue(*ds); }});
  pod_informer_.AddEventHandler(
      {[this](const ObjectPtr& p) { OnPodAdd(p); },
       [this](const ObjectPtr& o, const ObjectPtr& p) { OnPodUpdate(o, p); },
       [this](const ObjectPtr& p, bool) { OnPodDelete(p); }});
  // Node deletion does not enqueue: pods on deleted nodes belong to the pod GC (DS-29).
  node_informer_.AddEventHandler(
      {[this](const ObjectPtr&) { EnqueueAll(); },
       [this](const ObjectPtr& o, const ObjectPtr& n) { OnNodeUpdate(o, n); }, nullptr});
  rev_informer_.AddEventHandler(
      {[this](const ObjectPtr& r) { OnRevisionAdd(r); },
       [this](const ObjectPtr&, const ObjectPtr& r) { OnRevisionChange(r); },
       [this](const ObjectPtr& r, bool) { OnRevisionChange(r); }});
}

DaemonSetController::~DaemonSetController() { queue_.ShutDown(); }

void DaemonSetController::Run(int workers, std::stop_token stop) {
  TK_LOG_INFO << "daemonset controller: " << workers << " workers";
  RunWorkers(queue_, workers, stop, "daemonset",
             [this](const ObjectKey& key) { return PacedSync(key); });
}

namespace {
// CPU time of the calling thread: what a sync costs, whatever the load and however long its
// API calls wait (a sync creating 5,000 pods lasts seconds but computes for milliseconds).
std::chrono::nanoseconds ThreadCpuTime() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
}  // namespace

Status DaemonSetController::PacedSync(const ObjectKey& key) {
  const std::string skey = key.ToString();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = next_sync_.find(skey);
    const auto now = std::chrono::steady_clock::now();
    if (it != next_sync_.end() && now < it->second) {
      queue_.AddAfter(key, it->second - now);
      return Status::OK();
    }
  }
  const auto cpu_start = ThreadCpuTime();
  Status s = Sync(key);
  const auto cost = ThreadCpuTime() - cpu_start;
  std::lock_guard<std::mutex> lock(mu_);
  if (ds_informer_.indexer().Get(key) == nullptr) {
    next_sync_.erase(skey);
  } else {
    next_sync_[skey] = std::chrono::steady_clock::now() + 2 * cost;
  }
  return s;
}

void DaemonSetController::Enqueue(const rapidjson::Value& ds) { queue_.Add(ObjectKey::Of(ds)); }

void DaemonSetController::EnqueueAll() {
  for (const auto& key : ds_informer_.indexer().ListKeys()) queue_.Add(key);
}

ObjectPtr DaemonSetController::ResolveControllerRef(const rapidjson::Value& obj) const {
  api::OwnerReference ref;
  if (!api::GetControllerOf(obj, &ref) || ref.kind != "DaemonSet") return nullptr;
  if (api::ParseApiVersion(ref.api_version).group != "apps") return nullptr;
  ObjectPtr ds = ds_informer_.indexer().Get(api::Namespace(obj), ref.name);
  if (ds == nullptr || api::Uid(*ds) != ref.uid) return nullptr;
  return ds;
}

std::vector<ObjectPtr> DaemonSetController::MatchingDaemonSets(const rapidjson::Value& obj) const {
  std::vector<ObjectPtr> out;
  const rapidjson::Value* labels = api::Labels(obj);
  for (const ObjectPtr& ds :
       ds_informer_.indexer().ByIndex(client::kNamespaceIndex, api::Namespace(obj))) {
    auto sel = api::LabelSelector::FromJson(api::FindPath(*ds, {"spec", "selector"}));
    if (!sel.ok() || sel->Empty()) continue;
    if (sel->Matches(labels)) out.push_back(ds);
  }
  return out;
}

void DaemonSetController::OnPodAdd(const ObjectPtr& pod) {
  if (api::HasDeletionTimestamp(*pod)) {
    // Seen for the first time already terminating (e.g. after a re-list).
    OnPodDelete(pod);
    return;
  }
  if (ObjectPtr ds = ResolveControllerRef(*pod)) {
    expectations_.CreationObserved(Key(*ds));
    Enqueue(*ds);
    return;
  }
  api::OwnerReference ref;
  if (api::GetControllerOf(*pod, &ref)) return;  // controlled by someone else
  for (const ObjectPtr& ds : MatchingDaemonSets(*pod)) Enqueue(*ds);
}

void DaemonSetController::OnPodUpdate(const ObjectPtr& old_pod, const ObjectPtr& pod) {
  if (api::ResourceVersion(*old_pod) == api::ResourceVersion(*pod)) return;  // resync
  if (api::HasDeletionTimestamp(*pod)) {
    OnPodDelete(pod);
    return;
  }
  ObjectPtr old_ds = ResolveControllerRef(*old_pod);
  ObjectPtr ds = ResolveControllerRef(*pod);
  if (old_ds != nullptr && (ds == nullptr || api::Uid(*ds) != api::Uid(*old_ds))) {
    Enqueue(*old_ds);
  }
  if (ds != nullptr) {
    Enqueue(*ds);
    // DS-28: a pod that just became ready must be looked at again once it is available.
    int64_t min_ready = api::GetInt(*ds, {"spec", "minReadySeconds"});
    if (min_ready > 0 && !IsPodReady(*old_pod) && IsPodReady(*pod)) {
      queue_.AddAfter(ObjectKey::Of(*ds), std::chrono::seconds(min_ready + 1));
    }
    return;
  }
  api::OwnerReference ref;
  if (api::GetControllerOf(*pod, &ref)) return;
  if (!SameJson(api::Labels(*old_pod), api::Labels(*pod)) || old_ds != nullptr) {
    for (const ObjectPtr& m : MatchingDaemonSets(*pod)) Enqueue(*m);
  }
}

void DaemonSetController::OnPodDelete(const ObjectPtr& pod) {
  ObjectPtr ds = ResolveControllerRef(*pod);
  if (ds == nullptr) return;
  std::string key = Key(*ds);
  bool ours = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_deletes_.find(key);
    if (it != pending_deletes_.end()) ours = it->second.erase(api::Uid(*pod)) > 0;
  }
  if (ours) expectations_.DeletionObserved(key);
  Enqueue(*ds);
}

void DaemonSetController::OnNodeUpdate(const ObjectPtr& old_node, const ObjectPtr& node) {
  // Heartbeats change only status: ignore them, they are most node updates (DS-29).
  if (SameJson(api::Labels(*old_node), api::Labels(*node)) &&
      SameJson(api::FindPath(*old_node, {"spec", "taints"}),
               api::FindPath(*node, {"spec", "taints"})) &&
      api::GetString(*old_node, {"metadata", "name"}) ==
          api::GetString(*node, {"metadata", "name"})) {
    return;
  }
  for (const ObjectPtr& ds : ds_informer_.indexer().List()) {
    const rapidjson::Value* spec = api::FindPath(*ds, {"spec", "template", "spec"});
    if (spec == nullptr) continue;
    DaemonPlacement placement(*spec);
    ShouldRun before = placement.Evaluate(*old_node);
    ShouldRun after = placement.Evaluate(*node);
    if (before.should_run != after.should_run ||
        before.should_continue_running != after.should_continue_running) {
      Enqueue(*ds);
    }
  }
}

void DaemonSetController::OnRevisionAdd(const ObjectPtr& rev) {
  if (api::HasDeletionTimestamp(*rev)) return;
  // A revision created with a controllerRef does not trigger a sync (DS-29, E2E-11).
  api::OwnerReference ref;
  if (api::GetControllerOf(*rev, &ref)) return;
  for (const ObjectPtr& ds : MatchingDaemonSets(*rev)) Enqueue(*ds);
}

void DaemonSetController::OnRevisionChange(const ObjectPtr& rev) {
  if (ObjectPtr ds = ResolveControllerRef(*rev)) {
    Enqueue(*ds);
    return;
  }
  api::OwnerReference ref;
  if (api::GetControllerOf(*rev, &ref)) return;
  for (const ObjectPtr& ds : MatchingDaemonSets(*rev)) Enqueue(*ds);
}

Status DaemonSetController::Sync(const ObjectKey& key) {
  const std::string skey = key.ToString();
  ObjectPtr ds = ds_informer_.indexer().Get(key);
  if (ds == nullptr) {
    expectations_.DeleteExpectations(skey);
    std::lock_guard<std::mutex> lock(mu_);
    pending_deletes_.erase(skey);
    return Status::OK();
  }
  std::vector<ObjectPtr> nodes = node_informer_.indexer().List();
  auto selector = api::LabelSelector::FromJson(api::FindPath(*ds, {"spec", "selector"}));
  if (!selector.ok()) return Status::OK();  // validation makes this impossible; nothing to do
  if (selector->Empty()) {
    events_.Event(*ds, client::kEventTypeWarning, "SelectingAll",
                  "This daemon set is selecting all pods. A non-empty selector is required.");
    return Status::OK();
  }
  // Foreground or orphan deletion in progress: leave pods and status alone (DS-12 step 4).
  if (api::HasDeletionTimestamp(*ds)) return Status::OK();

  TK_ASSIGN_OR_RETURN(History history, ConstructHistory(ds));
  // The history step may have written (collision count, renumbering); use the cached DS still:
  // those writes come back as events and trigger another sync.
  if (!expectations_.SatisfiedExpectations(skey)) {
    return UpdateStatus(ds, *selector, nodes, history.hash, /*update_observed_generation=*/false);
  }
  // One claim serves manage, rolling update and status as long as nothing was written: each
  // walk over 5,000 cached pods costs milliseconds (their documents are cache misses).
  bool wrote = false;
  auto claimed = GetNodeToDaemonPods(ds, *selector, /*adopt=*/true, &wrote);
  Status err = claimed.status();
  if (err.ok()) err = Manage(ds, *claimed, nodes, history.hash, &wrote);
  if (err.ok() && expectations_.SatisfiedExpectations(skey) &&
      api::GetStringView(*ds, {"spec", "updateStrategy", "type"}, "RollingUpdate") ==
          "RollingUpdate") {
    if (wrote) claimed = GetNodeToDaemonPods(ds, *selector, /*adopt=*/true, &wrote);
    err = claimed.status();
    if (err.ok()) err = RollingUpdate(ds, *claimed, nodes, history.hash, &wrote);
  }
  if (err.ok()) err = CleanupHistory(ds, *selector, history);
  // Status is written even when a step failed, like upstream; the first error wins.
  Status status_err =
      UpdateStatus(ds, *selector, nodes, history.hash, /*update_observed_generation=*/true,
                   claimed.ok() && !wrote ? &*claimed : nullptr);
  return err.ok() ? status_err : err;
}

}  // namespace tinyk8s::controllers::daemonset
