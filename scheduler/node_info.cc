#include "scheduler/node_info.h"

#include <algorithm>

#include "api/json.h"
#include "api/meta.h"

namespace tinyk8s::scheduler {

namespace {

bool TaintsEqual(const std::vector<Taint>& a, const std::vector<Taint>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].value != b[i].value || a[i].effect != b[i].effect) {
      return false;
    }
  }
  return true;
}

bool ResourcesEqual(const ResourceList& a, const ResourceList& b) {
  return a.milli_cpu == b.milli_cpu && a.memory == b.memory &&
         a.ephemeral_storage == b.ephemeral_storage && a.allowed_pods == b.allowed_pods &&
         a.scalar == b.scalar;
}

}  // namespace

bool NodeSpec::SchedulingEqual(const NodeSpec& o) const {
  return name == o.name && unschedulable == o.unschedulable && labels == o.labels &&
         TaintsEqual(taints, o.taints) && ResourcesEqual(allocatable, o.allocatable);
}

NodeSpecPtr ParseNodeSpec(client::ObjectPtr node) {
  auto spec = std::make_shared<NodeSpec>();
  const rapidjson::Value& obj = *node;
  spec->name = api::Name(obj);
  spec->labels = ParseLabels(api::Labels(obj));
  spec->taints = ParseTaints(api::FindPath(obj, {"spec", "taints"}));
  spec->unschedulable = api::GetBool(obj, {"spec", "unschedulable"});
  spec->allocatable = ParseResourceList(api::FindPath(obj, {"status", "allocatable"}));
  spec->object = std::move(node);
  return spec;
}

NodeSpecPtr ParseNodeSpecJson(std::string_view json) {
  auto doc = api::ParseJson(json);
  if (!doc.ok()) return nullptr;
  return ParseNodeSpec(std::make_shared<const rapidjson::Document>(std::move(*doc)));
}

void NodeInfo::AddPod(PodInfoPtr pod) {
  requested_.Add(pod->requests);
  non_zero_requested_.Add(pod->non_zero_requests);
  num_host_ports_ += static_cast<int>(pod->host_ports.size());
  pods_.push_back(std::move(pod));
}

bool NodeInfo::RemovePod(const std::string& uid) {
  auto it =
      std::find_if(pods_.begin(), pods_.end(), [&](const PodInfoPtr& p) { return p->uid == uid; });
  if (it == pods_.end()) return false;
  requested_.Sub((*it)->requests);
  non_zero_requested_.Sub((*it)->non_zero_requests);
  num_host_ports_ -= static_cast<int>((*it)->host_ports.size());
  // Order of pods does not matter to any plugin; swap-remove keeps this O(1) after the find.
  std::swap(*it, pods_.back());
  pods_.pop_back();
  return true;
}

const PodInfo* NodeInfo::FindPod(const std::string& uid) const {
  for (const auto& p : pods_) {
    if (p->uid == uid) return p.get();
  }
  return nullptr;
}

}  // namespace tinyk8s::scheduler
