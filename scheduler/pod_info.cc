#include "scheduler/pod_info.h"

#include <functional>

#include "api/json.h"
#include "api/meta.h"

namespace tinyk8s::scheduler {

using rapidjson::Value;

namespace {

ResourceList ContainerRequests(const Value& c) {
  return ParseResourceList(api::FindPath(c, {"resources", "requests"}));
}

void CollectHostPorts(const Value* containers, std::vector<HostPort>* out) {
  if (!containers || !containers->IsArray()) return;
  for (const auto& c : containers->GetArray()) {
    const Value* ports = api::FindMember(c, "ports");
    if (!ports || !ports->IsArray()) continue;
    for (const auto& p : ports->GetArray()) {
      int64_t host_port = api::GetInt(p, {"hostPort"});
      if (host_port <= 0) continue;
      HostPort hp;
      hp.ip = api::GetString(p, {"hostIP"});
      hp.protocol = api::GetString(p, {"protocol"}, "TCP");
      hp.port = static_cast<int32_t>(host_port);
      out->push_back(std::move(hp));
    }
  }
}

void ParseAffinity(const Value& spec, PodInfo* info) {
  const Value* na = api::FindPath(spec, {"affinity", "nodeAffinity"});
  if (!na) return;
  const Value* terms =
      api::FindPath(*na, {"requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"});
  if (terms && terms->IsArray()) {
    std::vector<NodeSelectorTerm> parsed;
    for (const auto& t : terms->GetArray()) parsed.push_back(ParseNodeSelectorTerm(t));
    info->required_affinity = std::move(parsed);
  }
  const Value* preferred = api::FindMember(*na, "preferredDuringSchedulingIgnoredDuringExecution");
  if (preferred && preferred->IsArray()) {
    for (const auto& p : preferred->GetArray()) {
      PreferredSchedulingTerm term;
      term.weight = static_cast<int32_t>(api::GetInt(p, {"weight"}));
      if (const Value* pref = api::FindMember(p, "preference")) {
        term.term = ParseNodeSelectorTerm(*pref);
      }
      info->preferred_affinity.push_back(std::move(term));
    }
  }
}

Clock::TimePoint ParseTime(const std::string& text) {
  Clock::TimePoint t{};
  if (!text.empty()) ParseRfc3339(text, &t);
  return t;
}

}  // namespace

PodInfoPtr ParsePodInfo(client::ObjectPtr pod) {
  auto info = std::make_shared<PodInfo>();
  const Value& obj = *pod;
  info->ns = api::Namespace(obj);
  info->name = api::Name(obj);
  info->uid = api::Uid(obj);
  info->terminating = api::HasDeletionTimestamp(obj);
  std::string phase = api::GetString(obj, {"status", "phase"});
  info->terminal = phase == "Succeeded" || phase == "Failed";
  info->nominated_node_name = api::GetString(obj, {"status", "nominatedNodeName"});
  std::string start = api::GetString(obj, {"status", "startTime"});
  info->start_time = ParseTime(start.empty() ? api::CreationTimestamp(obj) : start);

  static const Value kEmpty(rapidjson::kObjectType);
  const Value* spec_ptr = api::FindMember(obj, "spec");
  const Value& spec = spec_ptr && spec_ptr->IsObject() ? *spec_ptr : kEmpty;
  info->scheduler_name = api::GetString(spec, {"schedulerName"}, "default-scheduler");
  info->node_name = api::GetString(spec, {"nodeName"});
  info->priority = static_cast<int32_t>(api::GetInt(spec, {"priority"}));
  info->preempt_never = api::GetString(spec, {"preemptionPolicy"}) == "Never";
  const Value* gates = api::FindMember(spec, "schedulingGates");
  info->scheduling_gated = gates && gates->IsArray() && !gates->Empty();

  const Value* containers = api::FindMember(spec, "containers");
  if (containers && containers->IsArray()) {
    for (const auto& c : containers->GetArray()) info->requests.Add(ContainerRequests(c));
  }
  const Value* init = api::FindMember(spec, "initContainers");
  if (init && init->IsArray()) {
    for (const auto& c : init->GetArray()) info->requests.SetMax(ContainerRequests(c));
  }
  info->requests.Add(ParseResourceList(api::FindMember(spec, "overhead")));
  info->non_zero_requests = info->requests;
  if (info->non_zero_requests.milli_cpu == 0) {
    info->non_zero_requests.milli_cpu = kDefaultMilliCpuRequest;
  }
  if (info->non_zero_requests.memory == 0) info->non_zero_requests.memory = kDefaultMemoryRequest;

  CollectHostPorts(containers, &info->host_ports);
  CollectHostPorts(init, &info->host_ports);
  info->tolerations = ParseTolerations(api::FindMember(spec, "tolerations"));
  if (const Value* sel = api::FindMember(spec, "nodeSelector"); sel && sel->IsObject()) {
    for (const auto& m : sel->GetObject()) {
      if (!m.value.IsString()) continue;
      info->node_selector.emplace_back(m.name.GetString(), m.value.GetString());
    }
  }
  ParseAffinity(spec, info.get());

  std::string sig = api::ToJson(spec);
  if (const Value* labels = api::Labels(obj)) sig += api::ToJson(*labels);
  info->spec_hash = std::hash<std::string>()(sig);
  info->object = std::move(pod);
  return info;
}

PodInfoPtr ParsePodInfoJson(std::string_view json) {
  auto doc = api::ParseJson(json);
  if (!doc.ok()) return nullptr;
  return ParsePodInfo(std::make_shared<const rapidjson::Document>(std::move(*doc)));
}

}  // namespace tinyk8s::scheduler
