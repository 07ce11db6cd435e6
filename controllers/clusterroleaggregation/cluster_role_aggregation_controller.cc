#include "controllers/clusterroleaggregation/cluster_role_aggregation_controller.h"

#include <algorithm>

#include "api/json.h"
#include "api/labels.h"
#include "api/meta.h"

namespace tinyk8s::controllers::clusterroleaggregation {

using client::ObjectPtr;

const client::Resource& ClusterRoles() {
  static const client::Resource r{"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole",
                                  false};
  return r;
}

namespace {
const rapidjson::Value* Selectors(const rapidjson::Value& role) {
  const rapidjson::Value* s = api::FindPath(role, {"aggregationRule", "clusterRoleSelectors"});
  return s && s->IsArray() ? s : nullptr;
}
}  // namespace

Result<rapidjson::Document> AggregatedRules(const rapidjson::Value& role,
                                            const std::vector<ObjectPtr>& roles) {
  rapidjson::Document rules(rapidjson::kArrayType);
  auto& alloc = rules.GetAllocator();
  std::vector<ObjectPtr> sorted = roles;
  std::sort(sorted.begin(), sorted.end(),
            [](const ObjectPtr& a, const ObjectPtr& b) { return api::Name(*a) < api::Name(*b); });
  std::string self = api::Name(role);
  for (const auto& selector_json : Selectors(role)->GetArray()) {
    TK_ASSIGN_OR_RETURN(api::LabelSelector selector, api::LabelSelector::FromJson(selector_json));
    for (const ObjectPtr& other : sorted) {
      if (api::Name(*other) == self) continue;
      if (!selector.Matches(api::FindPath(*other, {"metadata", "labels"}))) continue;
      const rapidjson::Value* other_rules = api::FindMember(*other, "rules");
      if (!other_rules || !other_rules->IsArray()) continue;
      for (const auto& rule : other_rules->GetArray()) {
        bool seen = std::any_of(rules.Begin(), rules.End(),
                                [&](const rapidjson::Value& r) { return api::JsonEqual(r, rule); });
        if (!seen) rules.PushBack(rapidjson::Value(rule, alloc), alloc);
      }
    }
  }
  return rules;
}

ClusterRoleAggregationController::ClusterRoleAggregationController(
    client::Client& client, client::SharedInformerFactory& informers, client::TimerClock& clock)
    : client_(client),
      informer_(informers.ForResource(ClusterRoles())),
      queue_(client::WorkQueueOptions{&clock, std::chrono::milliseconds(5),
                                      std::chrono::seconds(60), "clusterrole-aggregation"}) {
  informer_.AddEventHandler({[this](const ObjectPtr&) { EnqueueAggregating(); },
                             [this](const ObjectPtr&, const ObjectPtr&) { EnqueueAggregating(); },
                             [this](const ObjectPtr&, bool) { EnqueueAggregating(); }});
}

ClusterRoleAggregationController::~ClusterRoleAggregationController() { queue_.ShutDown(); }

void ClusterRoleAggregationController::EnqueueAggregating() {
  for (const ObjectPtr& role : informer_.indexer().List()) {
    if (Selectors(*role)) queue_.Add(api::Name(*role));
  }
}

void ClusterRoleAggregationController::Run(int workers, std::stop_token stop) {
  RunWorkers(queue_, workers, stop, Name(), [this](const std::string& n) { return Sync(n); });
}

Status ClusterRoleAggregationController::Sync(const std::string& name) {
  ObjectPtr role = informer_.indexer().Get("", name);
  if (!role || !Selectors(*role)) return Status::OK();
  TK_ASSIGN_OR_RETURN(rapidjson::Document rules,
                      AggregatedRules(*role, informer_.indexer().List()));
  const rapidjson::Value* current = api::FindMember(*role, "rules");
  if (current ? api::JsonEqual(*current, rules) : rules.Empty()) return Status::OK();
  rapidjson::Document updated = api::CloneDocument(*role);
  auto& alloc = updated.GetAllocator();
  api::RemoveMember(updated, "rules");
  updated.AddMember("rules", rapidjson::Value(rules, alloc), alloc);
  auto res = client_.Update(ClusterRoles(), updated);
  // A conflict means a newer version is on its way to the informer, which requeues us.
  if (!res.ok() && !res.status().IsConflict() && !res.status().IsNotFound()) return res.status();
  return Status::OK();
}

}  // namespace tinyk8s::controllers::clusterroleaggregation
