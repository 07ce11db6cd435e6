// Node strategy: cluster-scoped, status written by the node agent, `kubectl get nodes` columns.
#include "api/json.h"
#include "api/meta.h"
#include "apiserver/field_errors.h"
#include "apiserver/strategies/pod_spec.h"
#include "apiserver/strategies/strategies.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

namespace {

std::string Address(const Value& node, const char* type) {
  if (const Value* addrs = api::FindPath(node, {"status", "addresses"});
      addrs && addrs->IsArray()) {
    for (const auto& a : addrs->GetArray()) {
      if (api::GetString(a, {"type"}) == type) return api::GetString(a, {"address"});
    }
  }
  return "<none>";
}

class NodeStrategy final : public Strategy {
 public:
  bool HasStatus() const override { return true; }

  // Nodes are registered with their status (the kubelet creates them that way).
  void PrepareForCreate(Document& obj, StrategyContext&) const override { CanonicalizeStatus(obj); }
  void PrepareForStatusUpdate(Document& obj, const Value& old) const override {
    Strategy::PrepareForStatusUpdate(obj, old);
    CanonicalizeStatus(obj);
  }

  std::vector<FieldError> Validate(const Value& obj) const override {
    std::vector<FieldError> errs;
    if (const Value* taints = api::FindPath(obj, {"spec", "taints"}); taints && taints->IsArray()) {
      for (rapidjson::SizeType i = 0; i < taints->Size(); ++i) {
        const Value& t = (*taints)[i];
        std::string p = "spec.taints[" + std::to_string(i) + "]";
        if (api::GetString(t, {"key"}).empty()) errs.push_back(FieldRequired(p + ".key"));
        std::string effect = api::GetString(t, {"effect"});
        if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
          errs.push_back(FieldNotSupported(p + ".effect", effect,
                                           {"NoExecute", "NoSchedule", "PreferNoSchedule"}));
        }
      }
    }
    return errs;
  }
  std::vector<FieldError> ValidateUpdate(const Value& obj, const Value&) const override {
    return Validate(obj);
  }

  std::vector<TableColumn> Columns() const override {
    return {
        {"Name", "string", "name", "Name must be unique within a namespace.", 0},
        {"Status", "string", "", "The status of the node", 0},
        {"Roles", "string", "", "The roles of the node", 0},
        {"Age", "string", "", "The time since the object was created.", 0},
        {"Version", "string", "", "Kubelet Version reported by the node.", 0},
        {"Internal-IP", "string", "", "List of internal IPs for the node.", 1},
        {"External-IP", "string", "", "List of external IPs for the node.", 1},
        {"OS-Image", "string", "",
         "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
         1},
        {"Kernel-Version", "string", "",
         "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1},
        {"Container-Runtime", "string", "",
         "Container runtime version reported by the node through runtime remote API (e.g. "
         "containerd://1.4.2).",
         1}};
  }

  void Cells(const Value& obj, Clock::TimePoint now, Value& cells,
             Document::AllocatorType& a) const override {
    auto str = [&](const std::string& s) { cells.PushBack(api::MakeString(s, a), a); };
    std::string status = "Unknown";
    if (const Value* conds = api::FindPath(obj, {"status", "conditions"});
        conds && conds->IsArray()) {
      for (const auto& c : conds->GetArray()) {
        if (api::GetString(c, {"type"}) != "Ready") continue;
        std::string s = api::GetString(c, {"status"});
        status = s == "True" ? "Ready" : s == "False" ? "NotReady" : "Unknown";
      }
    }
    if (api::GetBool(obj, {"spec", "unschedulable"})) status += ",SchedulingDisabled";
    std::string roles;
    if (const Value* labels = api::Labels(obj); labels && labels->IsObject()) {
      for (auto it = labels->MemberBegin(); it != labels->MemberEnd(); ++it) {
        std::string k = it->name.GetString();
        std::string role;
        if (k.rfind("node-role.kubernetes.io/", 0) == 0) role = k.substr(24);
        if (k == "kubernetes.io/role" && it->value.IsString()) role = it->value.GetString();
        if (role.empty()) continue;
        if (!roles.empty()) roles += ",";
        roles += role;
      }
    }
    str(api::Name(obj));
    str(status);
    str(roles.empty() ? "<none>" : roles);
    str(AgeCell(obj, now));
    str(api::GetString(obj, {"status", "nodeInfo", "kubeletVersion"}));
    str(Address(obj, "InternalIP"));
    str(Address(obj, "ExternalIP"));
    std::string os = api::GetString(obj, {"status", "nodeInfo", "osImage"});
    str(os.empty() ? "<unknown>" : os);
    std::string kernel = api::GetString(obj, {"status", "nodeInfo", "kernelVersion"});
    str(kernel.empty() ? "<unknown>" : kernel);
    std::string rt = api::GetString(obj, {"status", "nodeInfo", "containerRuntimeVersion"});
    str(rt.empty() ? "<unknown>" : rt);
  }

  std::optional<std::string> FieldValue(const Value& obj, std::string_view field) const override {
    if (field == "spec.unschedulable")
      return api::GetBool(obj, {"spec", "unschedulable"}) ? "true" : "false";
    return Strategy::FieldValue(obj, field);
  }

 private:
  static void CanonicalizeStatus(Document& obj) {
    auto& a = obj.GetAllocator();
    for (const char* list : {"capacity", "allocatable"}) {
      if (Value* l = api::FindPathMutable(obj, {"status", list}); l && l->IsObject()) {
        for (auto it = l->MemberBegin(); it != l->MemberEnd(); ++it)
          CanonicalizeQuantity(it->value, a);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Strategy> NewNodeStrategy() { return std::make_unique<NodeStrategy>(); }

}  // namespace tinyk8s::apiserver
