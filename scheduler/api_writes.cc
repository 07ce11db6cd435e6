// The scheduler's writes to the API: bindings, PodScheduled / nominatedNodeName status patches
// and preemption victims' deletions. All run on the WorkerPool.
#include "api/json.h"
#include "common/logging.h"
#include "scheduler/scheduler.h"

namespace tinyk8s::scheduler {

namespace {

using rapidjson::Document;
using rapidjson::Value;

const Value* FindCondition(const Value& pod, std::string_view type) {
  const Value* conds = api::FindPath(pod, {"status", "conditions"});
  if (!conds || !conds->IsArray()) return nullptr;
  for (const auto& c : conds->GetArray()) {
    if (api::GetString(c, {"type"}) == type) return &c;
  }
  return nullptr;
}

}  // namespace

void Scheduler::Bind(const ProfileState& ps, const QueuedPod& qp, const PodInfoPtr& assumed) {
  Document body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  api::SetString(body, "apiVersion", "v1", a);
  api::SetString(body, "kind", "Binding", a);
  Value& meta = api::EnsureObject(body, {"metadata"}, a);
  api::SetString(meta, "name", assumed->name, a);
  api::SetString(meta, "namespace", assumed->ns, a);
  api::SetString(meta, "uid", assumed->uid, a);
  Value& target = api::EnsureObject(body, {"target"}, a);
  api::SetString(target, "apiVersion", "v1", a);
  api::SetString(target, "kind", "Node", a);
  api::SetString(target, "name", assumed->node_name, a);

  // Dated before the binding: the kubelet's events about the bound pod come after it, even
  // when its recorder is quicker than ours.
  const Clock::TimePoint decided = clock_.Now();
  auto r = client_.CreateSubresource(client::resources::Pods(), assumed->ns, assumed->name,
                                     "binding", body);
  if (r.ok()) {
    ++scheduled_;
    queue_.Done(assumed->uid);
    ps.recorder->EventAt(decided, PodRef(*qp.pod), client::kEventTypeNormal, "Scheduled",
                         "Successfully assigned " + assumed->Key() + " to " + assumed->node_name);
    return;
  }
  ++bind_errors_;
  // The room the assumption held is free again; pods that failed meanwhile may fit.
  if (cache_.ForgetPod(assumed->uid)) queue_.MoveAllToActiveOrBackoff();
  const Status& s = r.status();
  if (s.IsNotFound() || s.IsConflict()) {
    // Gone, being deleted, or bound by someone else: the informer brings the truth.
    TK_VLOG(1) << "binding " << assumed->Key() << " rejected: " << s.message();
    queue_.Done(assumed->uid);
    return;
  }
  TK_LOG_WARN << "binding " << assumed->Key() << " to " << assumed->node_name
              << " failed: " << s.message();
  HandleFailure(ps, qp, "Binding rejected: " + s.message(), "", /*backoff=*/true);
}

void Scheduler::PatchSchedulingStatus(const PodInfoPtr& pod, const std::string& message,
                                      const std::string& nominated_node) {
  const Value& obj = *pod->object;
  const Value* cond = FindCondition(obj, "PodScheduled");
  bool nomination_changes = !nominated_node.empty() && nominated_node != pod->nominated_node_name;
  bool same_condition = cond && api::GetString(*cond, {"status"}) == "False" &&
                        api::GetString(*cond, {"reason"}) == "Unschedulable" &&
                        api::GetString(*cond, {"message"}) == message;
  if (same_condition && !nomination_changes) return;  // nothing new: spare the API a write

  Document patch(rapidjson::kObjectType);
  auto& a = patch.GetAllocator();
  Value& status = api::EnsureObject(patch, {"status"}, a);
  Value c(rapidjson::kObjectType);
  api::SetString(c, "type", "PodScheduled", a);
  api::SetString(c, "status", "False", a);
  Value null_time;
  api::SetValue(c, "lastProbeTime", null_time, a);
  // lastTransitionTime moves only when the status changes (upstream UpdatePodCondition).
  std::string since = cond && api::GetString(*cond, {"status"}) == "False"
                          ? api::GetString(*cond, {"lastTransitionTime"})
                          : "";
  api::SetString(c, "lastTransitionTime", since.empty() ? FormatRfc3339(clock_.Now()) : since, a);
  api::SetString(c, "reason", "Unschedulable", a);
  api::SetString(c, "message", message, a);
  Value conds(rapidjson::kArrayType);
  conds.PushBack(c, a);
  api::SetValue(status, "conditions", conds, a);
  if (nomination_changes) api::SetString(status, "nominatedNodeName", nominated_node, a);

  auto r = client_.Patch(client::resources::Pods(), pod->ns, pod->name,
                         client::PatchType::kStrategic, api::ToJson(patch), "status");
  if (!r.ok() && !r.status().IsNotFound()) {
    TK_LOG_WARN << "cannot update the status of " << pod->Key() << ": " << r.status().message();
  }
}

void Scheduler::ClearNomination(const PodInfoPtr& pod) {
  auto r = client_.Patch(client::resources::Pods(), pod->ns, pod->name, client::PatchType::kMerge,
                         R"({"status":{"nominatedNodeName":null}})", "status");
  if (!r.ok() && !r.status().IsNotFound()) {
    TK_LOG_WARN << "cannot clear the nomination of " << pod->Key() << ": " << r.status().message();
  }
}

void Scheduler::CarryOutPreemption(const ProfileState& ps, const PodInfoPtr& preemptor,
                                   const PreemptionResult& result) {
  std::string node = result.nominated_node;
  for (const PodInfoPtr& victim : result.victims) {
    workers_.Submit([this, &ps, victim, preemptor, node] {
      client::DeleteOptions o;  // graceful: the victim's own terminationGracePeriodSeconds
      o.precondition_uid = victim->uid;
      auto r = client_.Delete(client::resources::Pods(), victim->ns, victim->name, o);
      if (!r.ok() && !r.status().IsNotFound()) {
        TK_LOG_WARN << "cannot preempt " << victim->Key() << ": " << r.status().message();
        return;
      }
      ps.recorder->Event(PodRef(*victim), client::kEventTypeNormal, "Preempted",
                         "Preempted by pod " + preemptor->uid + " on node " + node);
    });
  }
  for (const PodInfoPtr& p : result.lower_nominated) {
    workers_.Submit([this, p] { ClearNomination(p); });
  }
}

}  // namespace tinyk8s::scheduler
