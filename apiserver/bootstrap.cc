#include "apiserver/bootstrap.h"

#include "api/json.h"
#include "common/logging.h"

namespace tinyk8s::apiserver {

namespace {
Status EnsureObject(ObjectService& objects, const std::string& group, const std::string& plural,
                    const std::string& ns, const std::string& json) {
  const ResourceInfo* r = objects.registry().FindByGroupResource(group, plural);
  if (!r) return Status::Internal("bootstrap: unknown resource " + plural);
  TK_ASSIGN_OR_RETURN(rapidjson::Document doc, api::ParseJson(json));
  std::string name = api::GetString(doc, {"metadata", "name"});
  if (objects.Get(*r, ns, name).ok()) return Status::OK();
  auto created = objects.Create(*r, ns, std::move(doc), WriteOptions{});
  if (!created.ok() && !created.status().IsAlreadyExists()) return created.status();
  return Status::OK();
}
}  // namespace

Status Bootstrap(ObjectService& objects) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    TK_RETURN_IF_ERROR(
        EnsureObject(objects, "", "namespaces", "",
                     std::string(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")") +
                         ns + "\"}}"));
  }
  TK_RETURN_IF_ERROR(EnsureObject(
      objects, "scheduling.k8s.io", "priorityclasses", "",
      R"({"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"system-node-critical"},"value":2000001000,"description":"Used for system critical pods that must not be moved from their current node."})"));
  TK_RETURN_IF_ERROR(EnsureObject(
      objects, "scheduling.k8s.io", "priorityclasses", "",
      R"({"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"system-cluster-critical"},"value":2000000000,"description":"Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."})"));
  return Status::OK();
}

namespace {
// UpsertObject creates `json` or, when it exists with other content in `field`, replaces that
// field (Endpoints subsets, EndpointSlice endpoints/ports follow the API server's address).
Status UpsertObject(ObjectService& objects, const std::string& group, const std::string& plural,
                    const std::string& ns, const std::string& json,
                    std::initializer_list<const char*> fields) {
  const ResourceInfo* r = objects.registry().FindByGroupResource(group, plural);
  if (!r) return Status::Internal("bootstrap: unknown resource " + plural);
  TK_ASSIGN_OR_RETURN(rapidjson::Document want, api::ParseJson(json));
  std::string name = api::GetString(want, {"metadata", "name"});
  if (!objects.Get(*r, ns, name).ok()) {
    auto created = objects.Create(*r, ns, api::CloneDocument(want), WriteOptions{});
    if (created.ok() || !created.status().IsAlreadyExists()) return created.status();
  }
  auto updated = objects.Mutate(
      *r, ns, name, "",
      [&](rapidjson::Document& obj) {
        auto& a = obj.GetAllocator();
        for (const char* f : fields) {
          api::RemoveMember(obj, f);
          if (const auto* v = api::FindMember(want, f)) {
            rapidjson::Value copy(*v, a);
            api::SetValue(obj, f, copy, a);
          }
        }
        return Status::OK();
      },
      WriteOptions{});
  return updated.status();
}
}  // namespace

Status EnsureKubernetesService(ObjectService& objects, const std::string& cluster_ip,
                               const std::string& host, uint16_t port) {
  // A wildcard listen address is not something a client can dial: publish loopback instead.
  std::string ip = host == "0.0.0.0" || host.empty() || host == "localhost" ? "127.0.0.1" : host;
  std::string p = std::to_string(port);
  Status s = EnsureObject(
      objects, "", "services", "default",
      R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"kubernetes","labels":{"component":"apiserver","provider":"kubernetes"}},"spec":{"type":"ClusterIP","clusterIP":")" +
          cluster_ip + R"(","ports":[{"name":"https","port":443,"protocol":"TCP","targetPort":)" +
          p + R"(}],"sessionAffinity":"None"}})");
  if (!s.ok()) {
    // Someone else holds the address (a service CIDR change): serve anyway, say why.
    TK_LOG_WARN << "cannot create the kubernetes Service: " << s.message();
  }
  TK_RETURN_IF_ERROR(UpsertObject(
      objects, "", "endpoints", "default",
      R"({"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"kubernetes","labels":{"endpointslice.kubernetes.io/skip-mirror":"true"}},"subsets":[{"addresses":[{"ip":")" +
          ip + R"("}],"ports":[{"name":"https","port":)" + p + R"(,"protocol":"TCP"}]}]})",
      {"subsets"}));
  return UpsertObject(
      objects, "discovery.k8s.io", "endpointslices", "default",
      R"({"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"kubernetes","labels":{"kubernetes.io/service-name":"kubernetes"}},"addressType":"IPv4","endpoints":[{"addresses":[")" +
          ip + R"("],"conditions":{"ready":true}}],"ports":[{"name":"https","port":)" + p +
          R"(,"protocol":"TCP"}]})",
      {"endpoints", "ports"});
}

Status EnsureKubeDnsService(ObjectService& objects, const std::string& cluster_ip) {
  return EnsureObject(
      objects, "", "services", "kube-system",
      R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"kube-dns","labels":{"k8s-app":"kube-dns","kubernetes.io/cluster-service":"true","kubernetes.io/name":"KubeDNS"}},"spec":{"type":"ClusterIP","clusterIP":")" +
          cluster_ip +
          R"(","ports":[{"name":"dns","port":53,"protocol":"UDP","targetPort":53},{"name":"dns-tcp","port":53,"protocol":"TCP","targetPort":53},{"name":"metrics","port":9153,"protocol":"TCP","targetPort":9153}],"sessionAffinity":"None"}})");
}

}  // namespace tinyk8s::apiserver
