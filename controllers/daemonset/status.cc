// Status computation and write (behavior-spec DS-24..DS-28; upstream daemon_controller.go
// updateDaemonSetStatus, storeDaemonSetStatus).
#include "api/json.h"
#include "api/meta.h"
#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/daemonset/pod_template.h"
#include "controllers/daemonset/util.h"
#include "controllers/util/pod_util.h"

namespace tinyk8s::controllers::daemonset {

namespace {
using client::ObjectPtr;

struct Counters {
  int64_t desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0,
          unavailable = 0;
};

bool SameAsStatus(const rapidjson::Value& ds, const Counters& c, bool update_observed) {
  auto get = [&](const char* f) { return api::GetInt(ds, {"status", f}); };
  if (get("desiredNumberScheduled") != c.desired || get("currentNumberScheduled") != c.current ||
      get("numberMisscheduled") != c.misscheduled || get("numberReady") != c.ready ||
      get("updatedNumberScheduled") != c.updated || get("numberAvailable") != c.available ||
      get("numberUnavailable") != c.unavailable) {
    return false;
  }
  return !update_observed || get("observedGeneration") >= api::Generation(ds);
}

// Writes the counters into `obj.status`, keeping conditions and collisionCount (DS-27). Fields
// that Go marshals with omitempty are dropped when zero, as upstream serialises them.
void ApplyCounters(rapidjson::Document& obj, const Counters& c, int64_t observed_generation) {
  auto& a = obj.GetAllocator();
  rapidjson::Value& status = api::EnsureObject(obj, {"status"}, a);
  auto set = [&](const char* f, int64_t v, bool omit_zero) {
    if (omit_zero && v == 0) {
      api::RemoveMember(status, f);
    } else {
      api::SetInt(status, f, v, a);
    }
  };
  set("currentNumberScheduled", c.current, false);
  set("numberMisscheduled", c.misscheduled, false);
  set("desiredNumberScheduled", c.desired, false);
  set("numberReady", c.ready, false);
  if (observed_generation >= 0) set("observedGeneration", observed_generation, true);
  set("updatedNumberScheduled", c.updated, true);
  set("numberAvailable", c.available, true);
  set("numberUnavailable", c.unavailable, true);
}
}  // namespace

Status DaemonSetController::UpdateStatus(const ObjectPtr& ds, const api::LabelSelector& selector,
                                         const std::vector<ObjectPtr>& nodes,
                                         const std::string& hash, bool update_observed,
                                         NodePods* claimed) {
  NodePods fresh;
  if (claimed == nullptr) {
    TK_ASSIGN_OR_RETURN(fresh, GetNodeToDaemonPods(ds, selector, /*adopt=*/false));
    claimed = &fresh;
  }
  NodePods& node_to_pods = *claimed;
  const rapidjson::Value* spec = api::FindPath(*ds, {"spec", "template", "spec"});
  if (spec == nullptr) return Status::OK();
  DaemonPlacement placement(*spec);
  const int64_t min_ready = api::GetInt(*ds, {"spec", "minReadySeconds"});
  const auto now = clock_.Now();
  Counters c;
  bool pending_available = false;
  for (const ObjectPtr& node : nodes) {
    ShouldRun sr = placement.Evaluate(*node);
    auto it = node_to_pods.find(api::GetStringView(*node, {"metadata", "name"}));
    const bool scheduled = it != node_to_pods.end() && !it->second.empty();
    if (!sr.should_run) {
      if (scheduled) ++c.misscheduled;  // includes shouldContinueRunning nodes (DS-6)
      continue;
    }
    ++c.desired;
    if (!scheduled) continue;
    ++c.current;
    SortOldestFirst(it->second);
    // Any ready pod still inside minReadySeconds (a surge pod next to the old one included)
    // needs a sync when it turns available: the requeue the pod handler asked for may have
    // been merged into an earlier one, so every sync asks again while one is pending.
    for (const ObjectPtr& p : it->second) {
      if (min_ready > 0 && IsPodReady(*p) && !IsPodAvailable(*p, min_ready, now)) {
        pending_available = true;
      }
    }
    const ObjectPtr& pod = it->second.front();
    if (IsPodReady(*pod)) {
      ++c.ready;
      if (IsPodAvailable(*pod, min_ready, now)) ++c.available;
    }
    if (RevisionHashOf(*pod) == hash) ++c.updated;  // DS-26
  }
  c.unavailable = c.desired - c.available;

  // Requeue so numberAvailable catches up once minReadySeconds pass (DS-28).
  if (pending_available) {
    queue_.AddAfter(client::ObjectKey::Of(*ds), std::chrono::seconds(min_ready));
  }
  if (SameAsStatus(*ds, c, update_observed)) return Status::OK();

  const int64_t observed = update_observed ? api::Generation(*ds) : -1;
  rapidjson::Document obj = api::CloneDocument(*ds);
  for (int attempt = 0;; ++attempt) {
    ApplyCounters(obj, c, observed);
    auto res = client_.Update(client::resources::DaemonSets(), obj, "status");
    if (res.ok() || res.status().IsNotFound()) return Status::OK();
    if (attempt >= 1) return res.status();
    // One retry on the latest version (upstream StatusUpdateRetries = 1).
    auto fresh = client_.Get(client::resources::DaemonSets(), api::Namespace(*ds), api::Name(*ds));
    if (!fresh.ok()) return fresh.status().IsNotFound() ? Status::OK() : fresh.status();
    obj = api::CloneDocument(**fresh);
  }
}

}  // namespace tinyk8s::controllers::daemonset
