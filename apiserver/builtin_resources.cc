// The table of served resources (docs/kubectl-surface.md section 2.2). Adding a kind is one entry
// here plus a strategy.
#include "apiserver/registry.h"
#include "apiserver/strategies/strategies.h"

namespace tinyk8s::apiserver {

namespace {
const std::vector<std::string> kFullVerbs = {"create", "delete", "deletecollection", "get",
                                             "list",   "patch",  "update",           "watch"};
const std::vector<std::string> kStatusVerbs = {"get", "patch", "update"};

ResourceInfo Info(std::string group, std::string plural, std::string singular, std::string kind,
                  bool namespaced, std::vector<std::string> short_names = {},
                  std::vector<std::string> categories = {}) {
  ResourceInfo r;
  r.group = std::move(group);
  r.version = "v1";
  r.plural = std::move(plural);
  r.singular = std::move(singular);
  r.kind = std::move(kind);
  r.namespaced = namespaced;
  r.short_names = std::move(short_names);
  r.categories = std::move(categories);
  r.verbs = kFullVerbs;
  return r;
}

SubresourceInfo StatusOf(const std::string& kind) { return {"status", kind, "", "", kStatusVerbs}; }
}  // namespace

void RegisterBuiltinResources(Registry& registry, ServiceAllocator* service_allocator,
                              bool service_account_admission) {
  {
    auto r = Info("", "namespaces", "namespace", "Namespace", false, {"ns"});
    r.verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
    r.subresources = {StatusOf("Namespace"), {"finalize", "Namespace", "", "", {"update"}}};
    registry.Add(std::move(r), NewNamespaceStrategy());
  }
  {
    auto r = Info("", "nodes", "node", "Node", false, {"no"});
    r.subresources = {StatusOf("Node")};
    registry.Add(std::move(r), NewNodeStrategy());
  }
  {
    auto r = Info("", "pods", "pod", "Pod", true, {"po"}, {"all"});
    r.subresources = {StatusOf("Pod"),
                      {"binding", "Binding", "", "", {"create"}},
                      {"eviction", "Eviction", "policy", "v1", {"create"}}};
    registry.Add(std::move(r), NewPodStrategy(service_account_admission));
  }
  {
    auto r = Info("", "services", "service", "Service", true, {"svc"}, {"all"});
    r.subresources = {StatusOf("Service")};
    registry.Add(std::move(r), NewServiceStrategy(service_allocator));
  }
  registry.Add(Info("", "endpoints", "endpoints", "Endpoints", true, {"ep"}),
               NewEndpointsStrategy());
  registry.Add(Info("", "events", "event", "Event", true, {"ev"}), NewEventStrategy());
  registry.Add(Info("", "configmaps", "configmap", "ConfigMap", true, {"cm"}),
               NewConfigMapStrategy());
  {
    // Not in category "all", as upstream. serviceaccounts/token is the TokenRequest API.
    auto r = Info("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"});
    r.subresources = {{"token", "TokenRequest", "authentication.k8s.io", "v1", {"create"}}};
    registry.Add(std::move(r), NewServiceAccountStrategy());
  }
  {
    auto r = Info("apps", "daemonsets", "daemonset", "DaemonSet", true, {"ds"}, {"all"});
    r.subresources = {StatusOf("DaemonSet")};
    registry.Add(std::move(r), NewDaemonSetStrategy());
  }
  registry.Add(
      Info("apps", "controllerrevisions", "controllerrevision", "ControllerRevision", true),
      NewControllerRevisionStrategy());
  registry.Add(Info("coordination.k8s.io", "leases", "lease", "Lease", true), NewLeaseStrategy());
  registry.Add(Info("discovery.k8s.io", "endpointslices", "endpointslice", "EndpointSlice", true),
               NewEndpointSliceStrategy());
  // events.k8s.io/v1 serves the core Events, converted (as upstream: one store, two versions).
  registry.AddView(Info("events.k8s.io", "events", "event", "Event", true, {"ev"}),
                   NewEventsV1Strategy(), *registry.FindByGroupResource("", "events"),
                   NewEventsV1Converter());
  registry.Add(
      Info("scheduling.k8s.io", "priorityclasses", "priorityclass", "PriorityClass", false, {"pc"}),
      NewPriorityClassStrategy());
  const std::string rbac = "rbac.authorization.k8s.io";
  registry.Add(Info(rbac, "clusterroles", "clusterrole", "ClusterRole", false),
               NewRoleStrategy(true));
  registry.Add(Info(rbac, "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false),
               NewRoleBindingStrategy(true));
  registry.Add(Info(rbac, "roles", "role", "Role", true), NewRoleStrategy(false));
  registry.Add(Info(rbac, "rolebindings", "rolebinding", "RoleBinding", true),
               NewRoleBindingStrategy(false));
  {
    auto r = Info("authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectaccessreview",
                  "SelfSubjectAccessReview", false);
    r.verbs = {"create"};
    registry.Add(std::move(r), NewAccessReviewStrategy());
  }
  {
    auto r = Info("authorization.k8s.io", "selfsubjectrulesreviews", "selfsubjectrulesreview",
                  "SelfSubjectRulesReview", false);
    r.verbs = {"create"};
    registry.Add(std::move(r), NewAccessReviewStrategy());
  }
  {
    // `kubectl auth whoami`.
    auto r = Info("authentication.k8s.io", "selfsubjectreviews", "selfsubjectreview",
                  "SelfSubjectReview", false);
    r.verbs = {"create"};
    registry.Add(std::move(r), NewAccessReviewStrategy());
  }
  {
    auto r = Info("authentication.k8s.io", "tokenreviews", "tokenreview", "TokenReview", false);
    r.verbs = {"create"};
    registry.Add(std::move(r), NewAccessReviewStrategy());
  }
}

}  // namespace tinyk8s::apiserver
