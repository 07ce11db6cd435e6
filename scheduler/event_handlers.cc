// Informer events -> Cache and SchedulingQueue (upstream scheduler/eventhandlers.go). Pending
// pods of our profiles go to the queue; bound pods to the cache; node changes, deleted pods and
// finished pods are cluster events that re-activate unschedulable pods (SCH-4, SCH-23).
#include <algorithm>
#include <string_view>

#include "api/json.h"
#include "api/meta.h"
#include "scheduler/scheduler.h"

namespace tinyk8s::scheduler {

namespace {

// Keeps only the members of `obj.status` named in `keep`.
void KeepStatusMembers(rapidjson::Value& obj, std::initializer_list<std::string_view> keep) {
  if (rapidjson::Value* status = api::FindMemberMutable(obj, "status")) {
    api::KeepOnlyMembers(*status, keep);
  }
}

// The informer caches keep what the scheduler reads, nothing else: at 5,000 nodes and pods the
// documents are most of its memory. Nodes: metadata, spec and status.allocatable
// (ParseNodeSpec). Bound pods: their status is only read for phase, startTime and the
// nomination (ParsePodInfo); pending pods keep it whole (PatchSchedulingStatus reads the
// PodScheduled condition), and no plugin reads volumes: their spec.volumes and the containers'
// volumeMounts go (every pod carries the service account's projected volume).
void TrimNode(rapidjson::Value& node) { KeepStatusMembers(node, {"allocatable"}); }
void TrimPod(rapidjson::Value& pod) {
  if (api::GetStringView(pod, {"spec", "nodeName"}).empty()) return;
  KeepStatusMembers(pod, {"phase", "startTime", "nominatedNodeName"});
  if (rapidjson::Value* spec = api::FindMemberMutable(pod, "spec")) {
    api::RemoveMember(*spec, "volumes");
    for (const char* list : {"initContainers", "containers"}) {
      rapidjson::Value* containers = api::FindMemberMutable(*spec, list);
      if (containers == nullptr || !containers->IsArray()) continue;
      for (auto& c : containers->GetArray()) {
        if (c.IsObject()) api::RemoveMember(c, "volumeMounts");
      }
    }
  }
}

}  // namespace

void Scheduler::AddEventHandlers(client::SharedInformerFactory& factory) {
  factory.ForResource(client::resources::Pods()).SetTransform(TrimPod);
  factory.ForResource(client::resources::Nodes()).SetTransform(TrimNode);
  client::ResourceEventHandler pods;
  pods.on_add = [this](const client::ObjectPtr& obj) { OnPodAdd(obj); };
  pods.on_update = [this](const client::ObjectPtr& old_obj, const client::ObjectPtr& new_obj) {
    if (old_obj != new_obj) OnPodUpdate(old_obj, new_obj);  // same pointer = resync
  };
  pods.on_delete = [this](const client::ObjectPtr& obj, bool) { OnPodDelete(obj); };
  factory.ForResource(client::resources::Pods()).AddEventHandler(std::move(pods));

  client::ResourceEventHandler nodes;
  nodes.on_add = [this](const client::ObjectPtr& obj) { OnNodeAdd(obj); };
  nodes.on_update = [this](const client::ObjectPtr& old_obj, const client::ObjectPtr& new_obj) {
    OnNodeUpdate(old_obj, new_obj);
  };
  nodes.on_delete = [this](const client::ObjectPtr& obj, bool) { OnNodeDelete(obj); };
  factory.ForResource(client::resources::Nodes()).AddEventHandler(std::move(nodes));
}

void Scheduler::OnPodAdd(const client::ObjectPtr& obj) {
  PodInfoPtr pod = ParsePodInfo(obj);
  if (!pod->node_name.empty()) {
    // Finished pods hold nothing (upstream's informer filters them out).
    if (!pod->terminal) cache_.AddOrUpdatePod(pod);
    return;
  }
  if (!Responsible(*pod) || pod->terminal || pod->terminating) return;
  if (!pod->nominated_node_name.empty()) cache_.AddNominatedPod(pod, pod->nominated_node_name);
  if (!pod->scheduling_gated) queue_.Add(pod);
}

void Scheduler::OnPodUpdate(const client::ObjectPtr& old_obj, const client::ObjectPtr& new_obj) {
  PodInfoPtr pod = ParsePodInfo(new_obj);
  bool was_bound = !api::GetString(*old_obj, {"spec", "nodeName"}).empty();
  if (!pod->node_name.empty()) {
    if (!was_bound) {
      queue_.Delete(pod->uid);
      cache_.RemoveNominatedPod(pod->uid);
    }
    if (pod->terminal) {
      if (cache_.RemovePod(pod->uid)) queue_.MoveAllToActiveOrBackoff();
      return;
    }
    cache_.AddOrUpdatePod(pod);
    return;
  }
  if (!Responsible(*pod)) return;
  if (pod->terminal || pod->terminating || pod->scheduling_gated) {
    queue_.Delete(pod->uid);
    cache_.RemoveNominatedPod(pod->uid);
    return;
  }
  if (!pod->nominated_node_name.empty()) {
    cache_.AddNominatedPod(pod, pod->nominated_node_name);
  } else if (!api::GetString(*old_obj, {"status", "nominatedNodeName"}).empty()) {
    cache_.RemoveNominatedPod(pod->uid);  // someone cleared it (a higher-priority preemptor)
  }
  queue_.Update(pod);
}

void Scheduler::OnPodDelete(const client::ObjectPtr& obj) {
  std::string uid = api::Uid(*obj);
  cache_.RemoveNominatedPod(uid);
  queue_.Delete(uid);
  // A bound (or assumed) pod's room is free only now that the object is gone (SCH-15).
  if (cache_.RemovePod(uid)) queue_.MoveAllToActiveOrBackoff();
}

void Scheduler::OnNodeAdd(const client::ObjectPtr& obj) {
  if (cache_.AddOrUpdateNode(ParseNodeSpec(obj))) queue_.MoveAllToActiveOrBackoff();
}

void Scheduler::OnNodeUpdate(const client::ObjectPtr&, const client::ObjectPtr& new_obj) {
  if (cache_.AddOrUpdateNode(ParseNodeSpec(new_obj))) queue_.MoveAllToActiveOrBackoff();
}

void Scheduler::OnNodeDelete(const client::ObjectPtr& obj) { cache_.RemoveNode(api::Name(*obj)); }

}  // namespace tinyk8s::scheduler
