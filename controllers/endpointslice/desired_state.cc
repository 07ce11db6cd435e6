#include "controllers/endpointslice/desired_state.h"

#include <algorithm>
#include <map>
#include <optional>

#include "api/json.h"
#include "api/meta.h"
#include "controllers/util/pod_util.h"

namespace tinyk8s::controllers::endpointslice {

using rapidjson::Document;
using rapidjson::Value;

namespace {

bool IsIpv6(const std::string& ip) { return ip.find(':') != std::string::npos; }

// The pod's IP of one family (status.podIPs, else status.podIP).
std::string PodIpOf(const Value& pod, const std::string& family) {
  std::vector<std::string> ips;
  if (const Value* list = api::FindPath(pod, {"status", "podIPs"}); list && list->IsArray()) {
    for (const auto& v : list->GetArray()) {
      std::string ip = api::GetString(v, {"ip"});
      if (!ip.empty()) ips.push_back(ip);
    }
  }
  if (ips.empty()) ips.push_back(api::GetString(pod, {"status", "podIP"}));
  for (const auto& ip : ips) {
    if (!ip.empty() && IsIpv6(ip) == (family == "IPv6")) return ip;
  }
  return "";
}

// ResolvePort finds the endpoint port of a service port for one pod (upstream
// podutil.FindPort): a number is used as is, a name is looked up among the containers' ports.
std::optional<int32_t> ResolvePort(const Value& pod, const Value& service_port) {
  const Value* target = api::FindMember(service_port, "targetPort");
  if (!target) target = api::FindMember(service_port, "port");
  if (!target) return std::nullopt;
  if (target->IsInt()) return target->GetInt();
  if (!target->IsString()) return std::nullopt;
  std::string name = target->GetString();
  std::string protocol = api::GetString(service_port, {"protocol"}, "TCP");
  const Value* containers = api::FindPath(pod, {"spec", "containers"});
  if (!containers || !containers->IsArray()) return std::nullopt;
  for (const auto& c : containers->GetArray()) {
    const Value* ports = api::FindMember(c, "ports");
    if (!ports || !ports->IsArray()) continue;
    for (const auto& p : ports->GetArray()) {
      if (api::GetString(p, {"name"}) == name &&
          api::GetString(p, {"protocol"}, "TCP") == protocol) {
        return static_cast<int32_t>(api::GetInt(p, {"containerPort"}));
      }
    }
  }
  return std::nullopt;
}

std::string PortsKey(const std::vector<SlicePort>& ports) {
  std::string key;
  for (const auto& p : ports) {
    key += p.name + "/" + p.protocol + "/" + std::to_string(p.port) + "/" + p.app_protocol + ";";
  }
  return key;
}

Value Str(const std::string& s, Document::AllocatorType& a) { return api::MakeString(s, a); }

Value TargetRef(const DesiredEndpoint& e, Document::AllocatorType& a) {
  Value ref(rapidjson::kObjectType);
  ref.AddMember("kind", "Pod", a);
  ref.AddMember("namespace", Str(e.pod_namespace, a), a);
  ref.AddMember("name", Str(e.pod_name, a), a);
  ref.AddMember("uid", Str(e.pod_uid, a), a);
  return ref;
}

}  // namespace

bool SelectorMatches(const Value& selector, const Value* labels) {
  if (!selector.IsObject()) return false;
  for (auto it = selector.MemberBegin(); it != selector.MemberEnd(); ++it) {
    if (!labels || !labels->IsObject() || !it->value.IsString()) return false;
    const Value* v = api::FindMember(*labels, api::AsStringView(it->name));
    if (!v || !v->IsString() || api::AsStringView(*v) != api::AsStringView(it->value)) {
      return false;
    }
  }
  return true;
}

std::string EndpointGroup::Key() const { return address_type + "|" + PortsKey(ports); }

std::vector<EndpointGroup> ComputeGroups(const Value& service,
                                         const std::vector<client::ObjectPtr>& pods,
                                         const ZoneOf& zone_of) {
  const std::string svc_name = api::Name(service);
  const bool publish_not_ready = api::GetBool(service, {"spec", "publishNotReadyAddresses"});
  std::vector<std::string> families;
  if (const Value* f = api::FindPath(service, {"spec", "ipFamilies"}); f && f->IsArray()) {
    for (const auto& v : f->GetArray()) {
      if (v.IsString()) families.emplace_back(v.GetString());
    }
  }
  if (families.empty()) families.push_back("IPv4");
  const Value* svc_ports = api::FindPath(service, {"spec", "ports"});

  std::map<std::string, EndpointGroup> groups;  // by key, so the output order is stable
  for (const auto& pod_ptr : pods) {
    const Value& pod = *pod_ptr;
    if (IsPodTerminal(pod)) continue;  // EPS-2; terminating pods stay
    std::vector<SlicePort> ports;
    if (svc_ports && svc_ports->IsArray()) {
      for (const auto& sp : svc_ports->GetArray()) {
        auto port = ResolvePort(pod, sp);
        if (!port) continue;  // unresolvable for this pod: the port is left out (EPS-5)
        ports.push_back(SlicePort{api::GetString(sp, {"name"}),
                                  api::GetString(sp, {"protocol"}, "TCP"), *port,
                                  api::GetString(sp, {"appProtocol"})});
      }
    }
    DesiredEndpoint e;
    bool pod_ready = IsPodReady(pod);
    e.terminating = api::HasDeletionTimestamp(pod);
    e.serving = pod_ready;
    e.ready = publish_not_ready || (pod_ready && !e.terminating);  // EPS-3
    e.node_name = PodNodeName(pod);
    if (!e.node_name.empty() && zone_of) e.zone = zone_of(e.node_name);
    std::string hostname = api::GetString(pod, {"spec", "hostname"});
    if (!hostname.empty() && api::GetString(pod, {"spec", "subdomain"}) == svc_name) {
      e.hostname = hostname;  // EPS-4
    }
    e.pod_namespace = api::Namespace(pod);
    e.pod_name = api::Name(pod);
    e.pod_uid = api::Uid(pod);
    for (const auto& family : families) {
      e.ip = PodIpOf(pod, family);
      if (e.ip.empty()) continue;
      EndpointGroup g;
      g.address_type = family;
      g.ports = ports;
      auto [it, inserted] = groups.try_emplace(g.Key(), std::move(g));
      it->second.endpoints.push_back(e);
    }
  }
  std::vector<EndpointGroup> out;
  for (auto& [key, g] : groups) {
    std::sort(g.endpoints.begin(), g.endpoints.end(), [](const auto& x, const auto& y) {
      return x.ip != y.ip ? x.ip < y.ip : x.pod_name < y.pod_name;
    });
    out.push_back(std::move(g));
  }
  return out;
}

void SetSliceLabels(const Value& service, Value& labels, Document::AllocatorType& a) {
  labels.SetObject();
  if (const Value* l = api::Labels(service)) {
    for (auto it = l->MemberBegin(); it != l->MemberEnd(); ++it) {
      labels.AddMember(Value(it->name, a), Value(it->value, a), a);
    }
  }
  api::SetString(labels, kServiceNameLabel, api::Name(service), a);
  api::SetString(labels, kManagedByLabel, kControllerName, a);
  if (api::GetString(service, {"spec", "clusterIP"}) == "None") {
    api::SetString(labels, kHeadlessLabel, "", a);
  } else {
    api::RemoveMember(labels, kHeadlessLabel);
  }
}

void FillSlice(const Value& service, const EndpointGroup& group, size_t begin, size_t end,
               Document& slice) {
  auto& a = slice.GetAllocator();
  if (!slice.IsObject()) slice.SetObject();
  api::SetString(slice, "apiVersion", "discovery.k8s.io/v1", a);
  api::SetString(slice, "kind", "EndpointSlice", a);
  Value& meta = api::EnsureObject(slice, {"metadata"}, a);
  api::SetString(meta, "namespace", api::Namespace(service), a);
  if (api::GetString(meta, {"name"}).empty()) {
    api::SetString(meta, "generateName", api::Name(service) + "-", a);
  }
  Value labels;
  SetSliceLabels(service, labels, a);
  api::SetValue(meta, "labels", labels, a);
  Value owners(rapidjson::kArrayType);
  Value owner(rapidjson::kObjectType);
  owner.AddMember("apiVersion", "v1", a);
  owner.AddMember("kind", "Service", a);
  owner.AddMember("name", Str(api::Name(service), a), a);
  owner.AddMember("uid", Str(api::Uid(service), a), a);
  owner.AddMember("controller", true, a);
  owner.AddMember("blockOwnerDeletion", true, a);
  owners.PushBack(owner, a);
  api::SetValue(meta, "ownerReferences", owners, a);
  api::SetString(slice, "addressType", group.address_type, a);

  Value endpoints(rapidjson::kArrayType);
  for (size_t i = begin; i < end && i < group.endpoints.size(); ++i) {
    const DesiredEndpoint& e = group.endpoints[i];
    Value ep(rapidjson::kObjectType);
    Value addrs(rapidjson::kArrayType);
    addrs.PushBack(Str(e.ip, a), a);
    ep.AddMember("addresses", addrs, a);
    Value cond(rapidjson::kObjectType);
    cond.AddMember("ready", e.ready, a);
    cond.AddMember("serving", e.serving, a);
    cond.AddMember("terminating", e.terminating, a);
    ep.AddMember("conditions", cond, a);
    if (!e.hostname.empty()) ep.AddMember("hostname", Str(e.hostname, a), a);
    ep.AddMember("targetRef", TargetRef(e, a), a);
    if (!e.node_name.empty()) ep.AddMember("nodeName", Str(e.node_name, a), a);
    if (!e.zone.empty()) ep.AddMember("zone", Str(e.zone, a), a);
    endpoints.PushBack(ep, a);
  }
  api::SetValue(slice, "endpoints", endpoints, a);
  Value ports(rapidjson::kArrayType);
  for (const auto& p : group.ports) {
    Value port(rapidjson::kObjectType);
    port.AddMember("name", Str(p.name, a), a);
    port.AddMember("protocol", Str(p.protocol, a), a);
    port.AddMember("port", p.port, a);
    if (!p.app_protocol.empty()) port.AddMember("appProtocol", Str(p.app_protocol, a), a);
    ports.PushBack(port, a);
  }
  api::SetValue(slice, "ports", ports, a);
}

Document BuildEndpoints(const Value& service, const std::vector<EndpointGroup>& groups) {
  Document doc;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  doc.AddMember("apiVersion", "v1", a);
  doc.AddMember("kind", "Endpoints", a);
  Value meta(rapidjson::kObjectType);
  meta.AddMember("name", Str(api::Name(service), a), a);
  meta.AddMember("namespace", Str(api::Namespace(service), a), a);
  Value labels(rapidjson::kObjectType);
  if (const Value* l = api::Labels(service)) labels.CopyFrom(*l, a);
  if (api::GetString(service, {"spec", "clusterIP"}) == "None") {
    api::SetString(labels, kHeadlessLabel, "", a);
  }
  meta.AddMember("labels", labels, a);
  doc.AddMember("metadata", meta, a);
  const bool publish_not_ready = api::GetBool(service, {"spec", "publishNotReadyAddresses"});
  Value subsets(rapidjson::kArrayType);
  std::string primary = groups.empty() ? "" : groups.front().address_type;
  if (const Value* f = api::FindPath(service, {"spec", "ipFamilies"});
      f && f->IsArray() && !f->Empty() && (*f)[0].IsString()) {
    primary = (*f)[0].GetString();
  }
  for (const auto& g : groups) {
    if (g.address_type != primary) continue;  // legacy Endpoints carry one family
    Value ready(rapidjson::kArrayType), not_ready(rapidjson::kArrayType);
    for (const auto& e : g.endpoints) {
      if (e.terminating && !publish_not_ready) continue;
      Value addr(rapidjson::kObjectType);
      addr.AddMember("ip", Str(e.ip, a), a);
      if (!e.hostname.empty()) addr.AddMember("hostname", Str(e.hostname, a), a);
      if (!e.node_name.empty()) addr.AddMember("nodeName", Str(e.node_name, a), a);
      addr.AddMember("targetRef", TargetRef(e, a), a);
      (e.ready ? ready : not_ready).PushBack(addr, a);
    }
    if (ready.Empty() && not_ready.Empty()) continue;
    Value subset(rapidjson::kObjectType);
    if (!ready.Empty()) subset.AddMember("addresses", ready, a);
    if (!not_ready.Empty()) subset.AddMember("notReadyAddresses", not_ready, a);
    Value ports(rapidjson::kArrayType);
    for (const auto& p : g.ports) {
      Value port(rapidjson::kObjectType);
      port.AddMember("name", Str(p.name, a), a);
      port.AddMember("port", p.port, a);
      port.AddMember("protocol", Str(p.protocol, a), a);
      if (!p.app_protocol.empty()) port.AddMember("appProtocol", Str(p.app_protocol, a), a);
      ports.PushBack(port, a);
    }
    if (!ports.Empty()) subset.AddMember("ports", ports, a);
    subsets.PushBack(subset, a);
  }
  if (!subsets.Empty()) doc.AddMember("subsets", subsets, a);
  return doc;
}

}  // namespace tinyk8s::controllers::endpointslice
