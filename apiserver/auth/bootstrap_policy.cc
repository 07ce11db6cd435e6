#include "apiserver/auth/bootstrap_policy.h"

#include <vector>

#include "api/json.h"
#include "apiserver/auth/policy_reconciliation.h"
#include "apiserver/object_service.h"
#include "common/logging.h"

namespace tinyk8s::apiserver::auth {

namespace {

using Strings = std::vector<std::string>;

// Rule is a PolicyRule; empty `urls` means a resource rule.
struct Rule {
  Strings groups;
  Strings resources;
  Strings verbs;
  Strings urls;
};

std::string Array(const Strings& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ",\"" : "\"") + items[i] + "\"";
  return out + "]";
}

const std::string kAggregateTo = "rbac.authorization.k8s.io/aggregate-to-";

// ClusterRole renders a bootstrap ClusterRole. `aggregate_into`: labels it
// aggregate-to-<that>=true; `aggregates`: gives it an aggregationRule selecting the roles
// labelled aggregate-to-<that>=true (its rules are then maintained by the controller manager).
std::string ClusterRole(const std::string& name, const std::vector<Rule>& rules,
                        const std::string& aggregate_into = "",
                        const std::string& aggregates = "") {
  std::string labels = R"("kubernetes.io/bootstrapping":"rbac-defaults")";
  if (!aggregate_into.empty()) labels += ",\"" + (kAggregateTo + aggregate_into) + "\":\"true\"";
  std::string out =
      R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":")" +
      name + R"(","labels":{)" + labels +
      R"(},"annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},)";
  if (!aggregates.empty()) {
    out += R"("aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{")" + kAggregateTo +
           aggregates + R"(":"true"}}]},)";
  }
  out += R"("rules":[)";
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& r = rules[i];
    out += i ? ",{" : "{";
    if (r.urls.empty()) {
      out += "\"apiGroups\":" + Array(r.groups) + ",\"resources\":" + Array(r.resources);
    } else {
      out += "\"nonResourceURLs\":" + Array(r.urls);
    }
    out += ",\"verbs\":" + Array(r.verbs) + "}";
  }
  return out + "]}";
}

// Binding binds ClusterRole `role` to subjects given as "User:name" / "Group:name".
std::string Binding(const std::string& name, const std::string& role, const Strings& subjects) {
  std::string out =
      R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":")" +
      name +
      R"(","labels":{"kubernetes.io/bootstrapping":"rbac-defaults"},"annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":")" +
      role + R"("},"subjects":[)";
  for (size_t i = 0; i < subjects.size(); ++i) {
    size_t colon = subjects[i].find(':');
    out += std::string(i ? "," : "") + R"({"apiGroup":"rbac.authorization.k8s.io","kind":")" +
           subjects[i].substr(0, colon) + R"(","name":")" + subjects[i].substr(colon + 1) + "\"}";
  }
  return out + "]}";
}

const Strings kRead = {"get", "list", "watch"};
const Strings kWrite = {"create", "delete", "deletecollection", "patch", "update"};
const Strings kAll = {"create", "delete", "deletecollection", "get",
                      "list",   "patch",  "update",           "watch"};

std::vector<std::pair<std::string, std::string>> Policy() {
  std::vector<std::pair<std::string, std::string>> out;  // (plural, json)
  auto role = [&](const std::string& name, const std::vector<Rule>& rules,
                  const std::string& aggregate_into = "", const std::string& aggregates = "") {
    out.push_back({"clusterroles", ClusterRole(name, rules, aggregate_into, aggregates)});
  };
  auto bind = [&](const std::string& name, const std::string& role, const Strings& subjects) {
    out.push_back({"clusterrolebindings", Binding(name, role, subjects)});
  };
  role("cluster-admin", {{{"*"}, {"*"}, {"*"}, {}}, {{}, {}, {"*"}, {"*"}}});
  // view: read what a namespace user sees, but not secrets or RBAC (as upstream).
  std::vector<Rule> view = {
      {{""},
       {"pods", "pods/status", "services", "services/status", "endpoints", "configmaps", "events",
        "namespaces", "namespaces/status", "serviceaccounts"},
       kRead,
       {}},
      {{"apps"}, {"daemonsets", "daemonsets/status", "controllerrevisions"}, kRead, {}},
      {{"discovery.k8s.io"}, {"endpointslices"}, kRead, {}},
      {{"events.k8s.io"}, {"events"}, kRead, {}},
  };
  std::vector<Rule> edit_only = {
      {{""}, {"pods", "services", "endpoints", "configmaps", "serviceaccounts"}, kWrite, {}},
      {{""}, {"pods/eviction"}, {"create"}, {}},
      // As upstream, whoever can edit a namespace can act as its service accounts.
      {{""}, {"serviceaccounts"}, {"impersonate"}, {}},
      {{""}, {"serviceaccounts/token"}, {"create"}, {}},
      {{"apps"}, {"daemonsets"}, kWrite, {}},
      {{"discovery.k8s.io"}, {"endpointslices"}, kWrite, {}},
  };
  std::vector<Rule> admin_only = {
      {{"rbac.authorization.k8s.io"}, {"roles", "rolebindings"}, kAll, {}},
      {{"coordination.k8s.io"}, {"leases"}, kAll, {}},
  };
  // As upstream, admin, edit and view aggregate the ClusterRoles labelled
  // aggregate-to-admin/edit/view (edit is labelled into admin, view into edit) and the defaults
  // live in system:aggregate-to-*. The rules written here are the union the aggregation
  // controller computes (selected roles in name order), so the roles work before the
  // controller manager runs and with it disabled.
  auto concat = [](std::vector<Rule> a, const std::vector<Rule>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  std::vector<Rule> edit = concat(edit_only, view);    // system:aggregate-to-edit < view
  std::vector<Rule> admin = concat(edit, admin_only);  // edit < system:aggregate-to-admin
  role("admin", admin, "", "admin");
  role("edit", edit, "admin", "edit");
  role("view", view, "edit", "view");
  role("system:aggregate-to-admin", admin_only, "admin");
  role("system:aggregate-to-edit", edit_only, "edit");
  role("system:aggregate-to-view", view, "view");
  role("system:discovery", {{{},
                             {},
                             {"get"},
                             {"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                              "/openapi", "/openapi/*", "/readyz", "/version", "/version/"}}});
  role("system:public-info-viewer",
       {{{}, {}, {"get"}, {"/healthz", "/livez", "/readyz", "/version", "/version/"}}});
  role("system:basic-user", {{{"authorization.k8s.io"},
                              {"selfsubjectaccessreviews", "selfsubjectrulesreviews"},
                              {"create"},
                              {}},
                             {{"authentication.k8s.io"}, {"selfsubjectreviews"}, {"create"}, {}}});
  // Relying parties read the issuer's OpenID configuration and keys (issuer_discovery.h).
  role("system:service-account-issuer-discovery",
       {{{},
         {},
         {"get"},
         {"/.well-known/openid-configuration", "/.well-known/openid-configuration/",
          "/openid/v1/jwks", "/openid/v1/jwks/"}}});
  // Granted to delegating servers (not bound by default, as upstream); we do not serve
  // subjectaccessreviews, but the role keeps upstream's rules.
  role("system:auth-delegator",
       {{{"authentication.k8s.io"}, {"tokenreviews"}, {"create"}, {}},
        {{"authorization.k8s.io"}, {"subjectaccessreviews"}, {"create"}, {}}});
  // The controller manager runs the garbage collector and the namespace controller, which read
  // and delete objects of every kind (upstream grants them the same), plus the writers below.
  role(kControllerManagerUser,
       {{{"*"},
         {"*"},
         {"get", "list", "watch", "patch", "update", "delete", "deletecollection"},
         {}},
        // serviceaccount controller and root CA publisher: "default" and kube-root-ca.crt.
        {{""}, {"pods", "endpoints", "events", "serviceaccounts", "configmaps"}, {"create"}, {}},
        {{"apps"}, {"controllerrevisions"}, {"create"}, {}},
        {{"discovery.k8s.io"}, {"endpointslices"}, {"create"}, {}},
        {{"events.k8s.io"}, {"events"}, {"create"}, {}},
        {{"coordination.k8s.io"}, {"leases"}, {"create"}, {}},
        // The ClusterRole aggregation controller writes rules it does not hold (as upstream).
        {{"rbac.authorization.k8s.io"}, {"clusterroles"}, {"escalate"}, {}}});
  // The scheduler binds pods, reports unschedulable pods, preempts (deletes) victims and
  // writes events; it reads what its plugins need and nothing else.
  role(kSchedulerUser, {{{""}, {"pods"}, {"get", "list", "watch", "delete"}, {}},
                        {{""}, {"pods/binding", "bindings"}, {"create"}, {}},
                        {{""}, {"pods/status"}, {"patch", "update"}, {}},
                        {{""}, {"nodes", "namespaces", "services", "configmaps"}, kRead, {}},
                        {{""}, {"events"}, {"create", "patch", "update"}, {}},
                        {{"events.k8s.io"}, {"events"}, {"create", "patch", "update"}, {}},
                        {{"scheduling.k8s.io"}, {"priorityclasses"}, kRead, {}},
                        {{"apps"}, {"daemonsets"}, kRead, {}},
                        {{"coordination.k8s.io"},
                         {"leases"},
                         {"create", "get", "list", "watch", "update", "patch"},
                         {}}});
  role(kDnsUser, {{{""}, {"services", "endpoints", "pods", "namespaces"}, kRead, {}},
                  {{"discovery.k8s.io"}, {"endpointslices"}, kRead, {}}});
  bind("cluster-admin", "cluster-admin", {"Group:system:masters"});
  bind("system:discovery", "system:discovery", {"Group:system:authenticated"});
  bind("system:public-info-viewer", "system:public-info-viewer",
       {"Group:system:authenticated", "Group:system:unauthenticated"});
  bind("system:basic-user", "system:basic-user", {"Group:system:authenticated"});
  bind("system:service-account-issuer-discovery", "system:service-account-issuer-discovery",
       {"Group:system:serviceaccounts"});
  bind(kControllerManagerUser, kControllerManagerUser,
       {std::string("User:") + kControllerManagerUser});
  bind(kSchedulerUser, kSchedulerUser, {std::string("User:") + kSchedulerUser});
  bind(kDnsUser, kDnsUser, {std::string("User:") + kDnsUser});
  return out;
}

}  // namespace

namespace {

// ApplyOnce reads the existing object, reconciles it with `expected` and writes the result.
// Errors are those of the writes; kConflict, kNotFound and kAlreadyExists mean someone wrote in
// between (another API server on the same storage) and are worth another read.
Status ApplyOnce(ObjectService& objects, const ResourceInfo& r, const rapidjson::Value& expected) {
  std::string name = api::GetString(expected, {"metadata", "name"});
  std::shared_ptr<const rapidjson::Document> existing;  // null: absent
  if (auto current = objects.Get(r, "", name); current.ok()) {
    existing = (*current)->Doc();
  } else if (!current.status().IsNotFound()) {
    return current.status();
  }
  ReconcileResult result = r.plural == "clusterroles"
                               ? ReconcileClusterRole(existing.get(), expected)
                               : ReconcileClusterRoleBinding(existing.get(), expected);
  if (result.operation == ReconcileOperation::kNone) return Status::OK();
  if (result.is_protected) {
    TK_LOG_WARN << "bootstrap policy: " << r.plural << " " << name << " has "
                << kAutoUpdateAnnotation << "=false: not adding what it lacks";
    return Status::OK();
  }
  switch (result.operation) {
    case ReconcileOperation::kCreate:
      return objects.Create(r, "", std::move(result.object), WriteOptions{}).status();
    case ReconcileOperation::kUpdate:
      // The object carries the resourceVersion read: a concurrent write makes this a conflict.
      TK_LOG_INFO << "bootstrap policy: adding what " << r.plural << " " << name << " lacks";
      return objects.Update(r, "", name, "", std::move(result.object), WriteOptions{}, nullptr)
          .status();
    case ReconcileOperation::kRecreate: {
      TK_LOG_INFO << "bootstrap policy: recreating " << r.plural << " " << name
                  << " with its expected roleRef";
      DeleteOptions precondition;
      precondition.precondition_uid = api::GetString(*existing, {"metadata", "uid"});
      TK_RETURN_IF_ERROR(objects.Delete(r, "", name, precondition).status());
      rapidjson::Value& meta =
          api::EnsureObject(result.object, {"metadata"}, result.object.GetAllocator());
      for (const char* f : {"resourceVersion", "uid", "creationTimestamp", "managedFields"}) {
        api::RemoveMember(meta, f);
      }
      return objects.Create(r, "", std::move(result.object), WriteOptions{}).status();
    }
    case ReconcileOperation::kNone:
      break;
  }
  return Status::OK();
}

}  // namespace

Status BootstrapPolicy(ObjectService& objects) {
  for (const auto& [plural, json] : Policy()) {
    const ResourceInfo* r =
        objects.registry().FindByGroupResource("rbac.authorization.k8s.io", plural);
    if (!r) return Status::Internal("bootstrap policy: " + plural + " are not registered");
    TK_ASSIGN_OR_RETURN(rapidjson::Document expected, api::ParseJson(json));
    Status s;
    for (int attempt = 0; attempt < 3; ++attempt) {
      s = ApplyOnce(objects, *r, expected);
      if (s.ok() || !(s.IsConflict() || s.IsNotFound() || s.IsAlreadyExists())) break;
    }
    // As upstream: one object that cannot be reconciled does not keep the server from serving
    // (nor the others from being reconciled).
    if (!s.ok()) {
      TK_LOG_WARN << "bootstrap policy: cannot reconcile " << plural << " "
                  << api::GetString(expected, {"metadata", "name"}) << ": " << s.ToString();
    }
  }
  return Status::OK();
}

}  // namespace tinyk8s::apiserver::auth
