// Rolling update (behavior-spec DS-30..DS-36; upstream pkg/controller/daemon/update.go
// rollingUpdate, findUpdatedPodsOnNode, updatedDesiredNodeCounts).
#include <algorithm>
#include <unordered_map>

#include "api/json.h"
#include "api/meta.h"
#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/daemonset/pod_template.h"
#include "controllers/daemonset/util.h"
#include "controllers/util/pod_util.h"

namespace tinyk8s::controllers::daemonset {

namespace {
using client::ObjectPtr;

// The node's single non-terminating new and old pod; false if it has more than one of either.
bool FindUpdatedPodsOnNode(const std::vector<ObjectPtr>& pods, const std::string& hash,
                           ObjectPtr* new_pod, ObjectPtr* old_pod) {
  for (const ObjectPtr& pod : pods) {
    if (api::HasDeletionTimestamp(*pod)) continue;
    // Only the hash label decides "updated" (DS-26).
    ObjectPtr& slot = RevisionHashOf(*pod) == hash ? *new_pod : *old_pod;
    if (slot != nullptr) return false;
    slot = pod;
  }
  return true;
}
}  // namespace

Status DaemonSetController::RollingUpdate(const ObjectPtr& ds, NodePods& node_to_pods,
                                          const std::vector<ObjectPtr>& nodes,
                                          const std::string& hash, bool* wrote) {
  const rapidjson::Value* spec = api::FindPath(*ds, {"spec", "template", "spec"});
  if (spec == nullptr) return Status::OK();
  DaemonPlacement placement(*spec);
  std::unordered_map<std::string_view, ShouldRun> should_run;
  should_run.reserve(nodes.size());
  int64_t desired = 0;
  for (const ObjectPtr& node : nodes) {
    ShouldRun sr = placement.Evaluate(*node);
    const std::string_view name = api::GetStringView(*node, {"metadata", "name"});
    should_run[name] = sr;
    if (sr.should_run) {
      ++desired;
      node_to_pods[name];  // an empty entry for nodes without pods (DS-30)
    }
  }
  // Nodes in name order: which pods go first stays deterministic (unordered map above).
  std::vector<NodePods::value_type*> by_node;
  by_node.reserve(node_to_pods.size());
  for (auto& entry : node_to_pods) by_node.push_back(&entry);
  std::sort(by_node.begin(), by_node.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  int64_t max_surge = 0, max_unavailable = 0;
  SurgeAndUnavailable(*ds, desired, &max_surge, &max_unavailable);
  const int64_t min_ready = api::GetInt(*ds, {"spec", "minReadySeconds"});
  const auto now = clock_.Now();
  auto available = [&](const ObjectPtr& p) { return IsPodAvailable(*p, min_ready, now); };

  if (max_surge == 0) {
    int64_t num_unavailable = 0;
    std::vector<ObjectPtr> allowed_replacements, candidates;
    for (const auto* entry : by_node) {
      const auto& pods = entry->second;
      ObjectPtr new_pod, old_pod;
      if (!FindUpdatedPodsOnNode(pods, hash, &new_pod, &old_pod)) {
        ++num_unavailable;  // manage cleans the node up
        continue;
      }
      if ((old_pod == nullptr) == (new_pod == nullptr)) {
        ++num_unavailable;  // none, or both: manage creates or deletes
      } else if (new_pod != nullptr) {
        if (!available(new_pod)) ++num_unavailable;
      } else if (!available(old_pod)) {
        allowed_replacements.push_back(old_pod);  // replaced whatever the budget
      } else if (num_unavailable < max_unavailable) {
        candidates.push_back(old_pod);
      }
    }
    int64_t remaining = std::max<int64_t>(0, max_unavailable - num_unavailable);
    remaining = std::min<int64_t>(remaining, static_cast<int64_t>(candidates.size()));
    std::vector<ObjectPtr> to_delete = std::move(allowed_replacements);
    to_delete.insert(to_delete.end(), candidates.begin(), candidates.begin() + remaining);
    if (!to_delete.empty()) *wrote = true;
    return SyncNodes(ds, to_delete, {}, hash);
  }

  std::vector<ObjectPtr> old_to_delete, should_not_run_to_delete;
  std::vector<std::string> candidate_new_nodes, allowed_new_nodes;
  int64_t num_surge = 0, num_available = 0;
  for (const auto* entry : by_node) {
    const std::string_view node = entry->first;
    const auto& pods = entry->second;
    ObjectPtr new_pod, old_pod;
    if (!FindUpdatedPodsOnNode(pods, hash, &new_pod, &old_pod)) {
      ++num_surge;
      continue;
    }
    if (old_pod != nullptr) {
      if (available(old_pod)) ++num_available;
    } else if (new_pod != nullptr && available(new_pod)) {
      ++num_available;
    }
    if (old_pod == nullptr) continue;  // manage handles it
    auto sr = should_run.find(node);
    const bool runs_here = sr != should_run.end() && sr->second.should_run;
    if (new_pod == nullptr) {
      if (!available(old_pod)) {
        if (!runs_here) {
          old_to_delete.push_back(old_pod);
        } else {
          allowed_new_nodes.emplace_back(node);
        }
      } else if (num_surge < max_surge) {
        if (!runs_here) {
          should_not_run_to_delete.push_back(old_pod);
        } else {
          candidate_new_nodes.emplace_back(node);
        }
      }
      continue;
    }
    if (!available(new_pod)) {
      ++num_surge;
      continue;
    }
    old_to_delete.push_back(old_pod);
  }
  int64_t remaining = std::max<int64_t>(0, max_surge - num_surge);
  remaining = std::min<int64_t>(remaining, static_cast<int64_t>(candidate_new_nodes.size()));
  std::vector<std::string> create = std::move(allowed_new_nodes);
  create.insert(create.end(), candidate_new_nodes.begin(), candidate_new_nodes.begin() + remaining);
  // Old pods on nodes that should not run them go only while availability stays above 100%.
  int64_t extra = num_available - desired;
  for (const ObjectPtr& p : should_not_run_to_delete) {
    if (extra-- <= 0) break;
    old_to_delete.push_back(p);
  }
  if (!old_to_delete.empty() || !create.empty()) *wrote = true;
  return SyncNodes(ds, old_to_delete, create, hash);
}

}  // namespace tinyk8s::controllers::daemonset
