// Claiming pods and the per-node create/delete decision (behavior-spec DS-13..DS-19, DS-22;
// upstream daemon_controller.go getDaemonPods, getNodesToDaemonPods, podsShouldBeOnNode).
#include <unordered_set>

#include "api/json.h"
#include "api/meta.h"
#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/daemonset/pod_template.h"
#include "controllers/daemonset/util.h"
#include "controllers/util/pod_util.h"

namespace tinyk8s::controllers::daemonset {

namespace {
using client::ObjectPtr;
}  // namespace

bool DaemonSetController::CanAdopt(const ObjectPtr& ds) {
  auto fresh = client_.Get(client::resources::DaemonSets(), api::Namespace(*ds), api::Name(*ds));
  return fresh.ok() && api::Uid(**fresh) == api::Uid(*ds) && !api::HasDeletionTimestamp(**fresh);
}

Status DaemonSetController::Adopt(const client::Resource& r, const ObjectPtr& ds,
                                  const rapidjson::Value& obj) {
  rapidjson::Document patch(rapidjson::kObjectType);
  auto& a = patch.GetAllocator();
  rapidjson::Value& meta = api::EnsureObject(patch, {"metadata"}, a);
  rapidjson::Value refs(rapidjson::kArrayType);
  refs.PushBack(ControllerRefTo(*ds, a), a);
  api::SetValue(meta, "ownerReferences", refs, a);
  api::SetString(meta, "uid", api::Uid(obj), a);
  auto res = client_.Patch(r, api::Namespace(obj), api::Name(obj), client::PatchType::kStrategic,
                           api::ToJson(patch));
  if (!res.ok() && !res.status().IsNotFound()) return res.status();
  return Status::OK();
}

Status DaemonSetController::Release(const client::Resource& r, const ObjectPtr& ds,
                                    const rapidjson::Value& obj) {
  std::string patch = R"({"metadata":{"ownerReferences":[{"$patch":"delete","uid":")" +
                      api::Uid(*ds) + R"("}],"uid":")" + api::Uid(obj) + R"("}})";
  auto res =
      client_.Patch(r, api::Namespace(obj), api::Name(obj), client::PatchType::kStrategic, patch);
  if (!res.ok() && !res.status().IsNotFound() && !res.status().IsConflict() &&
      res.status().code() != StatusCode::kInvalid) {
    return res.status();
  }
  return Status::OK();
}

Result<DaemonSetController::NodePods> DaemonSetController::GetNodeToDaemonPods(
    const ObjectPtr& ds, const api::LabelSelector& selector, bool adopt, bool* wrote) {
  const std::string uid = api::Uid(*ds);
  const std::string ns = api::Namespace(*ds);
  std::vector<ObjectPtr> claimed;
  for (ObjectPtr& pod : pod_informer_.indexer().ByIndex(client::kOwnerUidIndex, uid)) {
    if (api::GetStringView(*pod, {"metadata", "namespace"}) != ns) continue;
    if (selector.Matches(api::Labels(*pod))) {
      claimed.push_back(std::move(pod));
    } else if (adopt && !api::HasDeletionTimestamp(*pod)) {
      if (wrote != nullptr) *wrote = true;
      TK_RETURN_IF_ERROR(Release(client::resources::Pods(), ds, *pod));
    }
  }
  std::optional<bool> can_adopt;
  if (!adopt) can_adopt = false;
  for (const ObjectPtr& pod : pod_informer_.indexer().ByIndex(kOrphanByNamespaceIndex, ns)) {
    if (api::HasDeletionTimestamp(*pod) || !selector.Matches(api::Labels(*pod))) continue;
    if (!can_adopt) can_adopt = CanAdopt(ds);
    if (!*can_adopt) break;
    if (wrote != nullptr) *wrote = true;
    TK_RETURN_IF_ERROR(Adopt(client::resources::Pods(), ds, *pod));
    // Count it now; the patched pod arrives through the informer shortly.
    claimed.push_back(pod);
  }
  NodePods out;
  out.reserve(claimed.size());
  for (ObjectPtr& pod : claimed) {
    // Terminal and terminating pods are gone for this purpose (DS-14).
    if (api::HasDeletionTimestamp(*pod) && IsPodTerminal(*pod)) continue;
    std::string_view node = TargetNodeNameView(*pod);
    if (node.empty()) continue;  // not mapped to any node (DS-11)
    out[node].push_back(std::move(pod));
  }
  return out;
}

bool DaemonSetController::FailedPodBackoffAllows(const std::string& key,
                                                 std::chrono::nanoseconds* retry_after) {
  // upstream flowcontrol.Backoff: IsInBackOffSinceUpdate, then Next.
  std::lock_guard<std::mutex> lock(mu_);
  auto now = clock_.Monotonic();
  auto it = failed_backoff_.find(key);
  if (it != failed_backoff_.end() && now - it->second.last < it->second.delay) {
    *retry_after = it->second.delay;
    return false;
  }
  const std::chrono::nanoseconds initial = options_.failed_pod_backoff_initial;
  const std::chrono::nanoseconds max = options_.failed_pod_backoff_max;
  if (it == failed_backoff_.end() || now - it->second.last > 2 * max) {
    failed_backoff_[key] = {initial, now};
  } else {
    it->second.delay = std::min(it->second.delay * 2, max);
    it->second.last = now;
  }
  // Drop stale entries now and then (upstream GCs every minute).
  if (failed_backoff_.size() > 1000) {
    std::erase_if(failed_backoff_, [&](const auto& kv) { return now - kv.second.last > 2 * max; });
  }
  return true;
}

Status DaemonSetController::Manage(const ObjectPtr& ds, const NodePods& node_to_pods,
                                   const std::vector<ObjectPtr>& nodes, const std::string& hash,
                                   bool* wrote) {
  const rapidjson::Value* spec = api::FindPath(*ds, {"spec", "template", "spec"});
  if (spec == nullptr) return Status::OK();
  DaemonPlacement placement(*spec);
  const bool surge = AllowsSurge(*ds);
  const int64_t min_ready = api::GetInt(*ds, {"spec", "minReadySeconds"});
  const auto now = clock_.Now();
  const std::string ds_ns = api::Namespace(*ds);

  std::vector<std::string> nodes_needing_pods;
  std::vector<ObjectPtr> to_delete;
  std::unordered_set<std::string_view> node_names;
  node_names.reserve(nodes.size());
  for (const ObjectPtr& node : nodes) {
    const std::string_view name = api::GetStringView(*node, {"metadata", "name"});
    node_names.insert(name);
    ShouldRun sr = placement.Evaluate(*node);
    auto it = node_to_pods.find(name);
    const bool exists = it != node_to_pods.end() && !it->second.empty();
    if (sr.should_run && !exists) {
      nodes_needing_pods.emplace_back(name);
      continue;
    }
    if (!exists) continue;
    if (!sr.should_continue_running) {
      for (const ObjectPtr& pod : it->second) {
        if (!api::HasDeletionTimestamp(*pod)) to_delete.push_back(pod);
      }
      continue;
    }
    std::vector<ObjectPtr> running;
    for (const ObjectPtr& pod : it->second) {
      if (api::HasDeletionTimestamp(*pod)) continue;
      std::string_view phase = api::GetStringView(*pod, {"status", "phase"});
      if (phase == "Failed") {
        // Key changes with the observed generation, so a new template starts over (DS-22).
        std::string key = api::Uid(*ds) + "/" +
                          std::to_string(api::GetInt(*ds, {"status", "observedGeneration"})) + "/" +
                          std::string(name);
        std::chrono::nanoseconds retry{0};
        if (!FailedPodBackoffAllows(key, &retry)) {
          queue_.AddAfter(client::ObjectKey::Of(*ds), retry);
          continue;
        }
        events_.Event(*ds, client::kEventTypeWarning, "FailedDaemonPod",
                      "Found failed daemon pod " + ds_ns + "/" + api::Name(*pod) + " on node " +
                          std::string(name) + ", will try to kill it");
        to_delete.push_back(pod);
      } else if (phase == "Succeeded") {
        events_.Event(*ds, client::kEventTypeNormal, "SucceededDaemonPod",
                      "Found succeeded daemon pod " + ds_ns + "/" + api::Name(*pod) + " on node " +
                          std::string(name) + ", will try to delete it");
        to_delete.push_back(pod);
      } else {
        running.push_back(pod);
      }
    }
    if (!surge) {
      // Keep the oldest; nothing is created while the only pod is terminating (DS-16).
      if (running.size() > 1) {
        SortOldestFirst(running);
        to_delete.insert(to_delete.end(), running.begin() + 1, running.end());
      }
      continue;
    }
    if (running.empty()) {
      if (sr.should_run) nodes_needing_pods.emplace_back(name);
      continue;
    }
    SortOldestFirst(running);
    ObjectPtr oldest_new, oldest_old;
    for (const ObjectPtr& pod : running) {
      bool is_new = RevisionHashOf(*pod) == hash;
      ObjectPtr& slot = is_new ? oldest_new : oldest_old;
      if (slot == nullptr) {
        slot = pod;
      } else {
        to_delete.push_back(pod);
      }
    }
    if (oldest_new != nullptr && oldest_old != nullptr) {
      if (!IsPodReady(*oldest_old) || IsPodAvailable(*oldest_new, min_ready, now)) {
        to_delete.push_back(oldest_old);
      }
    }
  }
  // Unbound pods aimed at nodes that no longer exist never get scheduled: the pod GC cannot
  // see them, so this controller removes them (DS-17).
  for (const auto& [node, pods] : node_to_pods) {
    if (node_names.count(node) > 0) continue;
    for (const ObjectPtr& pod : pods) {
      if (api::GetStringView(*pod, {"spec", "nodeName"}).empty() &&
          !api::HasDeletionTimestamp(*pod)) {
        to_delete.push_back(pod);
      }
    }
  }
  if (!to_delete.empty() || !nodes_needing_pods.empty()) *wrote = true;
  return SyncNodes(ds, to_delete, nodes_needing_pods, hash);
}

}  // namespace tinyk8s::controllers::daemonset
