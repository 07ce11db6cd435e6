#pragma once
// NodeAuthorizer confines node identities to their own objects, like upstream's node authorizer
// plus the NodeRestriction admission plugin (plugin/pkg/auth/authorizer/node): a node may read
// nodes, pods and services, and write only its own Node, its own Lease in kube-node-lease, the
// status and deletion of pods bound to it, mirror pods bound to it, and events.
//
// Node identities:
//   system:node:<name>, group system:nodes          one kubelet: owns node <name>
//   system:node-agent:<prefix>, group system:node-agents
//                                                    a tinyk8s node agent simulating many
//                                                    nodes: owns the nodes it registers, named
//                                                    <prefix><digits> (node01, node02, ...)
// Requests this authorizer does not allow get kNoOpinion with a reason, so RBAC may still grant
// them (upstream's chain behaves the same way).
//
// Thread-safe.

#include <string>

#include "apiserver/auth/authorizer.h"

namespace tinyk8s::apiserver {
class ObjectLookup;
}

namespace tinyk8s::apiserver::auth {

inline constexpr const char* kNodesGroup = "system:nodes";
inline constexpr const char* kNodeAgentsGroup = "system:node-agents";
inline constexpr const char* kNodeUserPrefix = "system:node:";
inline constexpr const char* kNodeAgentUserPrefix = "system:node-agent:";

// NodeOwner answers which node names an identity acts for.
struct NodeOwner {
  std::string exact;   // system:node:<name>
  std::string prefix;  // system:node-agent:<prefix>
  bool Owns(const std::string& node) const;
};
// NodeOwnerOf: the identity's NodeOwner, or false if the user is not a node identity.
bool NodeOwnerOf(const UserInfo& user, NodeOwner* owner);

class NodeAuthorizer final : public AuthorizerStep {
 public:
  explicit NodeAuthorizer(ObjectLookup& lookup) : lookup_(lookup) {}
  Decision Authorize(const Attributes& a, std::string* reason) override;

 private:
  // PodNode: spec.nodeName of an existing pod ("" if missing).
  std::string PodNode(const std::string& ns, const std::string& name);
  ObjectLookup& lookup_;
};

}  // namespace tinyk8s::apiserver::auth
