#pragma once
// Authorization (cf. upstream k8s.io/apiserver/pkg/authorization): the attributes of a request
// and the chain that decides on them — the superuser group system:masters, the node authorizer,
// then RBAC. Anything no authorizer allows is forbidden.
//
// Thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "apiserver/auth/authn.h"

namespace tinyk8s::apiserver {
class ObjectService;
}

namespace tinyk8s::apiserver::auth {

// Attributes of one request as the authorizers see them (upstream authorizer.Attributes).
struct Attributes {
  const UserInfo* user = nullptr;
  std::string verb;  // get list watch create update patch delete deletecollection; or the
                     // lower-case HTTP method for non-resource requests
  bool resource_request = false;
  std::string api_group;
  std::string resource;  // plural
  std::string subresource;
  std::string ns;
  std::string name;
  std::string path;  // non-resource requests
  // The decoded request body, when the request creates an object and the node authorizer needs
  // its name or node (null otherwise).
  const std::string* body = nullptr;
};

enum class Decision { kNoOpinion, kAllow, kDeny };

// A step of the chain.
class AuthorizerStep {
 public:
  virtual ~AuthorizerStep() = default;
  // Authorize may set *reason (appended to the 403 message like upstream).
  virtual Decision Authorize(const Attributes& a, std::string* reason) = 0;
};

class RbacAuthorizer;
struct PolicyRule;

// RuleSet answers "what may this user do here" (upstream authorizer.RuleResolver).
struct RuleSet {
  std::vector<PolicyRule> rules;
  bool incomplete = false;  // some authorizer cannot enumerate the user's permissions
  std::string evaluation_error;
};

// Authorizer runs the chain. Owns its steps.
class Authorizer {
 public:
  explicit Authorizer(ObjectService& objects);
  ~Authorizer();
  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  bool Allowed(const Attributes& a, std::string* reason);
  // RulesFor: the rules `user` holds in namespace `ns` (cluster-wide ones included).
  RuleSet RulesFor(const UserInfo& user, const std::string& ns);

 private:
  std::unique_ptr<AuthorizerStep> node_;
  std::unique_ptr<RbacAuthorizer> rbac_;
};

// ForbiddenMessage renders upstream's wording:
//   pods "x" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the
//   namespace "default"[: reason]
std::string ForbiddenMessage(const Attributes& a, const std::string& reason);

}  // namespace tinyk8s::apiserver::auth
