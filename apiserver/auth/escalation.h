#pragma once
// RBAC escalation prevention (cf. upstream pkg/registry/rbac/*/policybased and
// pkg/registry/rbac/validation): a user may only create or update a Role/ClusterRole whose
// rules they hold themselves (or who may `escalate` on it), and only bind a role whose rules they
// hold (or who may `bind` it). system:masters is exempt. A ClusterRole with an aggregationRule
// counts as full authority, as upstream. Refusals are 403s worded like upstream:
//   roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["g"]) is attempting
//   to grant RBAC permissions not currently held:
//   {APIGroups:[""], Resources:["secrets"], Verbs:["get"]}

#include <functional>
#include <string>
#include <vector>

#include "apiserver/auth/authorizer.h"
#include "apiserver/auth/rbac.h"
#include "common/status.h"

namespace tinyk8s::apiserver::auth {

// MissingRules: the parts of `requested` that no rule of `owner` covers (upstream
// validation.Covers), broken down to one verb/group/resource/name or one verb/URL each, then
// merged by verbs per group/resource/name or URL, in the order they first appear.
std::vector<PolicyRule> MissingRules(const std::vector<PolicyRule>& owner,
                                     const std::vector<PolicyRule>& requested);

// UncoveredRules: the parts of `requested` (broken down to one verb/group/resource/name or one
// verb/URL each, then merged by verbs like upstream's CompactRules) that no rule of `owner`
// covers, rendered like upstream's CompactString and sorted.
std::vector<std::string> UncoveredRules(const std::vector<PolicyRule>& owner,
                                        const std::vector<PolicyRule>& requested);

// RoleRulesFn: the rules of the role a binding refers to (kind "Role" or "ClusterRole"), or
// NotFound.
using RoleRulesFn = std::function<Result<std::vector<PolicyRule>>(
    const std::string& kind, const std::string& ns, const std::string& name)>;

// CheckEscalation checks writing `obj` (a Role, ClusterRole, RoleBinding or ClusterRoleBinding:
// `plural` says which) in namespace `ns` on behalf of `user`.
Status CheckEscalation(Authorizer& authorizer, const UserInfo& user, const std::string& plural,
                       const std::string& ns, const rapidjson::Value& obj,
                       const RoleRulesFn& role_rules);

}  // namespace tinyk8s::apiserver::auth
