#pragma once
// RbacAuthorizer evaluates Roles, ClusterRoles, RoleBindings and ClusterRoleBindings
// (rbac.authorization.k8s.io/v1) like upstream plugin/pkg/auth/authorizer/rbac: a request is
// allowed if any rule of any role bound to the user (or one of its groups) covers it;
// ClusterRoleBindings grant everywhere, RoleBindings only in their namespace.
//
// Fast path: the RBAC objects are compiled into an immutable snapshot, and the rules that apply
// to one user (name + groups) are collected once per snapshot and cached. A watch on the watch
// cache marks the snapshot stale on any RBAC change; the next request rebuilds it.
//
// Thread-safe.

#include <rapidjson/document.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "apiserver/auth/authorizer.h"

namespace tinyk8s::apiserver {
class WatchCache;
}  // namespace tinyk8s::apiserver

namespace tinyk8s::apiserver::auth {

// PolicyRule is one compiled rbac/v1 PolicyRule.
struct PolicyRule {
  std::vector<std::string> verbs;
  std::vector<std::string> api_groups;
  std::vector<std::string> resources;  // "pods", "pods/status", "*", "*/status", "pods/*"
  std::vector<std::string> resource_names;
  std::vector<std::string> non_resource_urls;  // "/healthz", "/api/*", "*"
};

PolicyRule ParsePolicyRule(const rapidjson::Value& rule);
// RuleAllows: the rule covers the request (upstream rbac.RuleAllows).
bool RuleAllows(const Attributes& a, const PolicyRule& rule);

class RbacAuthorizer final : public AuthorizerStep {
 public:
  explicit RbacAuthorizer(WatchCache& cache);
  ~RbacAuthorizer() override;
  Decision Authorize(const Attributes& a, std::string* reason) override;
  // RulesFor: copies of the rules that apply to `user` in namespace `ns` (cluster-wide ones
  // first), as upstream's RuleResolver answers a SelfSubjectRulesReview.
  std::vector<PolicyRule> RulesFor(const UserInfo& user, const std::string& ns);

  struct Snapshot;
  struct UserRules;

 private:
  // UserRulesIn: the user's rules in `snap` (collected once per snapshot and user).
  std::shared_ptr<const UserRules> UserRulesIn(Snapshot& snap, const UserInfo& user);
  std::shared_ptr<Snapshot> CurrentSnapshot();
  void EnsureWatching();

  class Invalidator;
  WatchCache& cache_;
  std::shared_ptr<Invalidator> invalidator_;
  std::mutex mu_;
  std::shared_ptr<Snapshot> snapshot_;  // guarded by mu_
};

}  // namespace tinyk8s::apiserver::auth
