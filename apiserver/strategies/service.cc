// Service strategy: defaults (SVC-1), immutable clusterIP (SVC-2), `kubectl get svc` columns.
// ClusterIP/NodePort allocation is delegated to the ServiceAllocator (apiserver/ip_allocator.h).
#include "api/json.h"
#include "api/labels.h"
#include "api/meta.h"
#include "api/names.h"
#include "apiserver/field_errors.h"
#include "apiserver/ip_allocator.h"
#include "apiserver/object_lookup.h"
#include "apiserver/strategies/strategies.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

namespace {

class ServiceStrategy final : public Strategy {
 public:
  explicit ServiceStrategy(ServiceAllocator* allocator) : allocator_(allocator) {}
  bool HasStatus() const override { return true; }

  Status AdmitCreate(Document& obj, StrategyContext& ctx) const override {
    const ResourceInfo* r = ctx.lookup ? ctx.lookup->Resource("", "services") : nullptr;
    return allocator_ && r ? allocator_->AdmitCreate(obj, *r) : Status::OK();
  }

  Status AdmitUpdate(Document& obj, const Value& old, StrategyContext& ctx) const override {
    const ResourceInfo* r = ctx.lookup ? ctx.lookup->Resource("", "services") : nullptr;
    return allocator_ && r ? allocator_->AdmitUpdate(obj, old, *r) : Status::OK();
  }

  void Default(Document& obj) const override {
    auto& a = obj.GetAllocator();
    Value& spec = api::EnsureObject(obj, {"spec"}, a);
    if (api::GetString(spec, {"type"}).empty()) api::SetString(spec, "type", "ClusterIP", a);
    if (api::GetString(spec, {"sessionAffinity"}).empty())
      api::SetString(spec, "sessionAffinity", "None", a);
    std::string type = api::GetString(spec, {"type"});
    if ((type == "NodePort" || type == "LoadBalancer") &&
        api::GetString(spec, {"externalTrafficPolicy"}).empty()) {
      api::SetString(spec, "externalTrafficPolicy", "Cluster", a);
    }
    if (type == "LoadBalancer" && !api::FindMember(spec, "allocateLoadBalancerNodePorts")) {
      api::SetBool(spec, "allocateLoadBalancerNodePorts", true, a);
    }
    if (type != "ExternalName") {
      if (api::GetString(spec, {"internalTrafficPolicy"}).empty()) {
        api::SetString(spec, "internalTrafficPolicy", "Cluster", a);
      }
      if (api::GetString(spec, {"ipFamilyPolicy"}).empty())
        api::SetString(spec, "ipFamilyPolicy", "SingleStack", a);
      if (!api::FindMember(spec, "ipFamilies")) {
        Value fams(rapidjson::kArrayType);
        fams.PushBack("IPv4", a);
        api::SetValue(spec, "ipFamilies", fams, a);
      }
    }
    if (Value* ports = api::FindMemberMutable(spec, "ports"); ports && ports->IsArray()) {
      for (auto& p : ports->GetArray()) {
        if (!p.IsObject()) continue;
        if (api::GetString(p, {"protocol"}).empty()) api::SetString(p, "protocol", "TCP", a);
        if (!api::FindMember(p, "targetPort")) {
          if (const Value* port = api::FindMember(p, "port")) {
            Value copy(*port, a);
            api::SetValue(p, "targetPort", copy, a);
          }
        }
      }
    }
    // clusterIPs mirrors clusterIP.
    std::string ip = api::GetString(spec, {"clusterIP"});
    if (!ip.empty() && !api::FindMember(spec, "clusterIPs")) {
      Value ips(rapidjson::kArrayType);
      ips.PushBack(api::MakeString(ip, a), a);
      api::SetValue(spec, "clusterIPs", ips, a);
    }
    Value& status = api::EnsureObject(obj, {"status"}, a);
    api::EnsureObject(status, {"loadBalancer"}, a);
  }

  std::vector<std::string> ValidateName(std::string_view name) const override {
    return api::IsDns1035Label(name);
  }

  std::vector<FieldError> Validate(const Value& obj) const override {
    std::vector<FieldError> errs;
    const Value* spec = api::FindMember(obj, "spec");
    if (!spec) return errs;
    std::string type = api::GetString(*spec, {"type"});
    if (type != "ClusterIP" && type != "NodePort" && type != "LoadBalancer" &&
        type != "ExternalName") {
      errs.push_back(FieldNotSupported("spec.type", type,
                                       {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}));
    }
    const Value* ports = api::FindMember(*spec, "ports");
    if (type != "ExternalName" && api::GetString(*spec, {"clusterIP"}) != "None" &&
        (!ports || !ports->IsArray() || ports->Empty())) {
      errs.push_back(FieldRequired("spec.ports"));
    }
    if (ports && ports->IsArray()) {
      bool many = ports->Size() > 1;
      for (rapidjson::SizeType i = 0; i < ports->Size(); ++i) {
        const Value& p = (*ports)[i];
        std::string pp = "spec.ports[" + std::to_string(i) + "]";
        std::string name = api::GetString(p, {"name"});
        if (many && name.empty()) errs.push_back(FieldRequired(pp + ".name"));
        const Value* port = api::FindMember(p, "port");
        if (!port || !port->IsInt64() || port->GetInt64() < 1 || port->GetInt64() > 65535) {
          errs.push_back(
              port ? FieldInvalid(pp + ".port", *port, "must be between 1 and 65535, inclusive")
                   : FieldRequired(pp + ".port"));
        }
        std::string proto = api::GetString(p, {"protocol"});
        if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
          errs.push_back(FieldNotSupported(pp + ".protocol", proto, {"SCTP", "TCP", "UDP"}));
        }
      }
    }
    if (const Value* sel = api::FindMember(*spec, "selector"); sel && sel->IsObject()) {
      auto le = api::ValidateLabels(*sel, "spec.selector");
      errs.insert(errs.end(), le.begin(), le.end());
    }
    return errs;
  }

  std::vector<FieldError> ValidateUpdate(const Value& obj, const Value& old) const override {
    std::vector<FieldError> errs = Validate(obj);
    std::string ip = api::GetString(obj, {"spec", "clusterIP"});
    std::string old_ip = api::GetString(old, {"spec", "clusterIP"});
    // Moving to ExternalName releases the address (the allocator drops it).
    if (!old_ip.empty() && ip != old_ip &&
        api::GetString(obj, {"spec", "type"}) != "ExternalName") {
      errs.push_back(FieldInvalid("spec.clusterIPs[0]", ip, "may not change once set"));
    }
    return errs;
  }

  std::vector<TableColumn> Columns() const override {
    return {
        {"Name", "string", "name", "Name must be unique within a namespace.", 0},
        {"Type", "string", "", "type determines how the Service is exposed.", 0},
        {"Cluster-IP", "string", "",
         "clusterIP is the IP address of the service and is usually assigned randomly.", 0},
        {"External-IP", "string", "",
         "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
         "traffic for this service.",
         0},
        {"Port(s)", "string", "", "The list of ports that are exposed by this service.", 0},
        {"Age", "string", "", "The time since the object was created.", 0},
        {"Selector", "string", "",
         "Route service traffic to pods with label keys and values matching this selector.", 1}};
  }

  void Cells(const Value& obj, Clock::TimePoint now, Value& cells,
             Document::AllocatorType& a) const override {
    auto str = [&](const std::string& s) { cells.PushBack(api::MakeString(s, a), a); };
    std::string type = api::GetString(obj, {"spec", "type"});
    std::string ip = api::GetString(obj, {"spec", "clusterIP"});
    std::string external = "<none>";
    if (type == "ExternalName") external = api::GetString(obj, {"spec", "externalName"});
    if (type == "LoadBalancer") external = "<pending>";
    std::string ports;
    if (const Value* ps = api::FindPath(obj, {"spec", "ports"}); ps && ps->IsArray()) {
      for (const auto& p : ps->GetArray()) {
        if (!ports.empty()) ports += ",";
        ports += std::to_string(api::GetInt(p, {"port"}));
        if (int64_t np = api::GetInt(p, {"nodePort"}); np > 0) {
          ports.push_back(':');
          ports.append(std::to_string(np));
        }
        ports.push_back('/');
        ports.append(api::GetString(p, {"protocol"}, "TCP"));
      }
    }
    std::string selector;
    if (const Value* sel = api::FindPath(obj, {"spec", "selector"}); sel && sel->IsObject()) {
      for (auto it = sel->MemberBegin(); it != sel->MemberEnd(); ++it) {
        if (!selector.empty()) selector += ",";
        selector += std::string(it->name.GetString()) + "=" +
                    (it->value.IsString() ? it->value.GetString() : "");
      }
    }
    str(api::Name(obj));
    str(type);
    str(ip.empty() ? "<none>" : ip);
    str(external);
    str(ports.empty() ? "<none>" : ports);
    str(AgeCell(obj, now));
    str(selector.empty() ? "<none>" : selector);
  }

  std::optional<std::string> FieldValue(const Value& obj, std::string_view field) const override {
    if (field == "spec.clusterIP") return api::GetString(obj, {"spec", "clusterIP"});
    if (field == "spec.type") return api::GetString(obj, {"spec", "type"});
    return Strategy::FieldValue(obj, field);
  }

 private:
  ServiceAllocator* allocator_;  // not owned; null: no allocation (unit tests)
};

}  // namespace

std::unique_ptr<Strategy> NewServiceStrategy(ServiceAllocator* allocator) {
  return std::make_unique<ServiceStrategy>(allocator);
}

}  // namespace tinyk8s::apiserver
