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

Status EnsureKubernetesService(ObjectService& objects, const std::string& cluster_ip,
                               uint16_t port) {
  return EnsureObject(
      objects, "", "services", "default",
      R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"kubernetes","labels":{"component":"apiserver","provider":"kubernetes"}},"spec":{"type":"ClusterIP","clusterIP":")" +
          cluster_ip + R"(","ports":[{"name":"https","port":443,"protocol":"TCP","targetPort":)" +
          std::to_string(port) + R"(}],"sessionAffinity":"None"}})");
}

Status EnsureKubeDnsService(ObjectService& objects, const std::string& cluster_ip) {
  return EnsureObject(
      objects, "", "services", "kube-system",
      R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"kube-dns","labels":{"k8s-app":"kube-dns","kubernetes.io/cluster-service":"true","kubernetes.io/name":"KubeDNS"}},"spec":{"type":"ClusterIP","clusterIP":")" +
          cluster_ip +
          R"(","ports":[{"name":"dns","port":53,"protocol":"UDP","targetPort":53},{"name":"dns-tcp","port":53,"protocol":"TCP","targetPort":53},{"name":"metrics","port":9153,"protocol":"TCP","targetPort":9153}],"sessionAffinity":"None"}})");
}

}  // namespace tinyk8s::apiserver
