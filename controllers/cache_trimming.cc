#include "controllers/cache_trimming.h"

#include "api/json.h"

namespace tinyk8s::controllers {

namespace {

// KeepInEach applies KeepOnlyMembers to every element of the array obj[field], if any.
void KeepInEach(rapidjson::Value* obj, std::string_view field,
                std::initializer_list<std::string_view> keep) {
  rapidjson::Value* items = obj ? api::FindMemberMutable(*obj, field) : nullptr;
  if (items == nullptr || !items->IsArray()) return;
  for (auto& item : items->GetArray()) api::KeepOnlyMembers(item, keep);
}

}  // namespace

void KeepMetadataOnly(rapidjson::Value& obj) {
  api::KeepOnlyMembers(obj, {"apiVersion", "kind", "metadata"});
}

void TrimConfigMapForControllers(rapidjson::Value& cm) {
  if (api::GetString(cm, {"metadata", "name"}) != "kube-root-ca.crt") KeepMetadataOnly(cm);
}

void TrimNodeForControllers(rapidjson::Value& node) {
  rapidjson::Value* status = api::FindMemberMutable(node, "status");
  if (status == nullptr) return;
  api::KeepOnlyMembers(*status, {"conditions"});
  KeepInEach(status, "conditions", {"type", "status", "lastHeartbeatTime"});
}

void TrimPodForControllers(rapidjson::Value& pod) {
  if (rapidjson::Value* spec = api::FindMemberMutable(pod, "spec")) {
    api::KeepOnlyMembers(
        *spec, {"nodeName", "tolerations", "affinity", "hostname", "subdomain", "containers"});
    if (rapidjson::Value* affinity = api::FindMemberMutable(*spec, "affinity")) {
      api::KeepOnlyMembers(*affinity, {"nodeAffinity"});
    }
    KeepInEach(spec, "containers", {"name", "ports"});
  }
  if (rapidjson::Value* status = api::FindMemberMutable(pod, "status")) {
    api::KeepOnlyMembers(*status, {"phase", "podIP", "podIPs", "conditions"});
    KeepInEach(status, "conditions", {"type", "status", "lastTransitionTime"});
  }
}

}  // namespace tinyk8s::controllers
