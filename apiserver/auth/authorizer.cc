#include "apiserver/auth/authorizer.h"

#include "apiserver/auth/node_authorizer.h"
#include "apiserver/auth/rbac.h"
#include "apiserver/object_service.h"

namespace tinyk8s::apiserver::auth {

Authorizer::Authorizer(ObjectService& objects)
    : node_(std::make_unique<NodeAuthorizer>(objects)),
      rbac_(std::make_unique<RbacAuthorizer>(objects.cache())) {}

Authorizer::~Authorizer() = default;

bool Authorizer::Allowed(const Attributes& a, std::string* reason) {
  // Upstream's authorizer chain starts with the privileged group before any RBAC lookup.
  if (a.user->InGroup(kSystemMasters)) return true;
  std::string why;
  if (node_->Authorize(a, &why) == Decision::kAllow) return true;
  if (rbac_->Authorize(a, &why) == Decision::kAllow) return true;
  *reason = why;
  return false;
}

RuleSet Authorizer::RulesFor(const UserInfo& user, const std::string& ns) {
  RuleSet out;
  out.rules = rbac_->RulesFor(user, ns);
  NodeOwner owner;
  if (NodeOwnerOf(user, &owner)) {
    // As upstream: a node's permissions depend on the objects bound to it, not on rules.
    out.incomplete = true;
    out.evaluation_error = "node authorizer does not support user rule resolution";
  }
  return out;
}

std::string ForbiddenMessage(const Attributes& a, const std::string& reason) {
  std::string user = "User \"" + a.user->name + "\"";
  std::string msg;
  if (!a.resource_request) {
    msg = "forbidden: " + user + " cannot " + a.verb + " path \"" + a.path + "\"";
  } else {
    std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
    std::string gr = a.api_group.empty() ? a.resource : a.resource + "." + a.api_group;
    msg = gr + (a.name.empty() ? "" : " \"" + a.name + "\"") + " is forbidden: " + user +
          " cannot " + a.verb + " resource \"" + resource + "\" in API group \"" + a.api_group +
          "\"" + (a.ns.empty() ? " at the cluster scope" : " in the namespace \"" + a.ns + "\"");
  }
  if (!reason.empty()) msg += ": " + reason;
  return msg;
}

}  // namespace tinyk8s::apiserver::auth
