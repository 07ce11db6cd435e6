#include "node/node_identity.h"

#include <cstdio>

#include "api/json.h"

namespace tinyk8s::node {

using rapidjson::Document;
using rapidjson::Value;
using Alloc = Document::AllocatorType;

namespace {
Value Str(const std::string& s, Alloc& a) { return api::MakeString(s, a); }

void AddCondition(Value& list, const char* type, bool status, const char* reason,
                  const char* message, const std::string& heartbeat, const std::string& since,
                  Alloc& a) {
  Value c(rapidjson::kObjectType);
  c.AddMember("type", Str(type, a), a);
  c.AddMember("status", Str(status ? "True" : "False", a), a);
  c.AddMember("lastHeartbeatTime", Str(heartbeat, a), a);
  c.AddMember("lastTransitionTime", Str(since, a), a);
  c.AddMember("reason", Str(reason, a), a);
  c.AddMember("message", Str(message, a), a);
  list.PushBack(c, a);
}
}  // namespace

NodeIdentity MakeIdentity(const std::string& prefix, int index) {
  return MakeIdentity(prefix, index, index);
}

NodeIdentity MakeIdentity(const std::string& prefix, int index, int address_index) {
  NodeIdentity id;
  id.index = index;
  id.address_index = address_index;
  char name[64];
  std::snprintf(name, sizeof name, "%02d", index);
  id.name = prefix + name;
  const int a = address_index;
  char buf[64];
  std::snprintf(buf, sizeof buf, "10.%d.%d.", 128 + (a / 256) % 128, a % 256);
  id.pod_ip_prefix = buf;
  id.pod_cidr = id.pod_ip_prefix + "0/24";
  std::snprintf(buf, sizeof buf, "172.%d.%d.%d", 16 + (a / 65536) % 16, (a / 256) % 256, a % 256);
  id.internal_ip = buf;
  return id;
}

int AddressIndexOfPodCidr(const std::string& pod_cidr) {
  int x = 0, y = 0;
  char tail[8] = {};
  if (std::sscanf(pod_cidr.c_str(), "10.%d.%d.0/%7s", &x, &y, tail) != 3) return 0;
  if (std::string(tail) != "24" || x < 128 || x > 255 || y < 0 || y > 255) return 0;
  return (x - 128) * 256 + y;
}

Value NodeConditions(bool ready, Clock::TimePoint heartbeat, Clock::TimePoint since, Alloc& a) {
  std::string hb = FormatRfc3339(heartbeat);
  std::string tr = FormatRfc3339(since);
  Value list(rapidjson::kArrayType);
  AddCondition(list, "MemoryPressure", false, "KubeletHasSufficientMemory",
               "kubelet has sufficient memory available", hb, tr, a);
  AddCondition(list, "DiskPressure", false, "KubeletHasNoDiskPressure",
               "kubelet has no disk pressure", hb, tr, a);
  AddCondition(list, "PIDPressure", false, "KubeletHasSufficientPID",
               "kubelet has sufficient PID available", hb, tr, a);
  if (ready) {
    AddCondition(list, "Ready", true, "KubeletReady", "kubelet is posting ready status", hb, tr, a);
  } else {
    AddCondition(list, "Ready", false, "KubeletNotReady",
                 "container runtime network not ready: simulated fault", hb, tr, a);
  }
  return list;
}

Document NodeObject(const NodeIdentity& id, const NodeResources& res,
                    const std::map<std::string, std::string>& extra_labels, Clock::TimePoint now) {
  Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  d.AddMember("apiVersion", "v1", a);
  d.AddMember("kind", "Node", a);
  Value meta(rapidjson::kObjectType);
  meta.AddMember("name", Str(id.name, a), a);
  Value labels(rapidjson::kObjectType);
  labels.AddMember("beta.kubernetes.io/arch", "amd64", a);
  labels.AddMember("beta.kubernetes.io/os", "linux", a);
  labels.AddMember("kubernetes.io/arch", "amd64", a);
  labels.AddMember("kubernetes.io/hostname", Str(id.name, a), a);
  labels.AddMember("kubernetes.io/os", "linux", a);
  labels.AddMember("type", "tinyk8s-simulated", a);
  for (const auto& [k, v] : extra_labels) api::SetString(labels, k, v, a);
  meta.AddMember("labels", labels, a);
  Value ann(rapidjson::kObjectType);
  ann.AddMember("node.alpha.kubernetes.io/ttl", "0", a);
  ann.AddMember("tinyk8s.io/simulated", "true", a);
  // The kubelet's default --enable-controller-attach-detach announces itself so.
  ann.AddMember("volumes.kubernetes.io/controller-managed-attach-detach", "true", a);
  meta.AddMember("annotations", ann, a);
  d.AddMember("metadata", meta, a);
  Value spec(rapidjson::kObjectType);
  spec.AddMember("podCIDR", Str(id.pod_cidr, a), a);
  Value cidrs(rapidjson::kArrayType);
  cidrs.PushBack(Str(id.pod_cidr, a), a);
  spec.AddMember("podCIDRs", cidrs, a);
  d.AddMember("spec", spec, a);

  Value status(rapidjson::kObjectType);
  Value capacity(rapidjson::kObjectType);
  capacity.AddMember("cpu", Str(res.cpu, a), a);
  capacity.AddMember("ephemeral-storage", Str(res.ephemeral_storage, a), a);
  capacity.AddMember("memory", Str(res.memory, a), a);
  capacity.AddMember("pods", Str(std::to_string(res.pods), a), a);
  Value allocatable(capacity, a);
  status.AddMember("capacity", capacity, a);
  status.AddMember("allocatable", allocatable, a);
  status.AddMember("conditions", NodeConditions(true, now, now, a), a);
  Value addresses(rapidjson::kArrayType);
  Value internal(rapidjson::kObjectType);
  internal.AddMember("type", "InternalIP", a);
  internal.AddMember("address", Str(id.internal_ip, a), a);
  addresses.PushBack(internal, a);
  Value hostname(rapidjson::kObjectType);
  hostname.AddMember("type", "Hostname", a);
  hostname.AddMember("address", Str(id.name, a), a);
  addresses.PushBack(hostname, a);
  status.AddMember("addresses", addresses, a);
  Value endpoints(rapidjson::kObjectType);
  Value kubelet(rapidjson::kObjectType);
  kubelet.AddMember("Port", 10250, a);
  endpoints.AddMember("kubeletEndpoint", kubelet, a);
  status.AddMember("daemonEndpoints", endpoints, a);
  Value info(rapidjson::kObjectType);
  info.AddMember("architecture", "amd64", a);
  info.AddMember("bootID", Str(id.name + "-boot", a), a);
  info.AddMember("containerRuntimeVersion", "tinyk8s://0.1.0", a);
  info.AddMember("kernelVersion", "6.1.0-tinyk8s", a);
  info.AddMember("kubeProxyVersion", "v1.32.0", a);
  info.AddMember("kubeletVersion", "v1.32.0", a);
  info.AddMember("machineID", Str(id.name, a), a);
  info.AddMember("operatingSystem", "linux", a);
  info.AddMember("osImage", "tinyk8s simulated node", a);
  info.AddMember("systemUUID", Str(id.name, a), a);
  status.AddMember("nodeInfo", info, a);
  d.AddMember("status", status, a);
  return d;
}

Document LeaseObject(const std::string& node_name, const std::string& node_uid,
                     std::chrono::seconds duration, Clock::TimePoint now) {
  Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  d.AddMember("apiVersion", "coordination.k8s.io/v1", a);
  d.AddMember("kind", "Lease", a);
  Value meta(rapidjson::kObjectType);
  meta.AddMember("name", Str(node_name, a), a);
  meta.AddMember("namespace", "kube-node-lease", a);
  if (!node_uid.empty()) {
    Value owners(rapidjson::kArrayType);
    Value owner(rapidjson::kObjectType);
    owner.AddMember("apiVersion", "v1", a);
    owner.AddMember("kind", "Node", a);
    owner.AddMember("name", Str(node_name, a), a);
    owner.AddMember("uid", Str(node_uid, a), a);
    owners.PushBack(owner, a);
    meta.AddMember("ownerReferences", owners, a);
  }
  d.AddMember("metadata", meta, a);
  Value spec(rapidjson::kObjectType);
  spec.AddMember("holderIdentity", Str(node_name, a), a);
  spec.AddMember("leaseDurationSeconds", static_cast<int64_t>(duration.count()), a);
  spec.AddMember("renewTime", Str(FormatRfc3339Micro(now), a), a);
  d.AddMember("spec", spec, a);
  return d;
}

}  // namespace tinyk8s::node
