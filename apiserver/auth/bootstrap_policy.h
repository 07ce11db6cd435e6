#pragma once
// Bootstrap RBAC policy (cf. upstream plugin/pkg/auth/authorizer/rbac/bootstrappolicy): the
// default ClusterRoles cluster-admin, admin, edit, view, the discovery roles every user gets,
// and the least-privilege roles of tinyk8s' co-processes with their ClusterRoleBindings.
// Reconciled at every start like upstream's (see policy_reconciliation.h): what an object lacks
// is added, what the user added stays, and objects annotated autoupdate "false" are left alone.

#include <string>

#include "common/status.h"

namespace tinyk8s::apiserver {
class ObjectService;
}

namespace tinyk8s::apiserver::auth {

// Co-process identities (client certificate CNs) the bootstrap policy binds.
inline constexpr const char* kControllerManagerUser = "system:kube-controller-manager";
inline constexpr const char* kSchedulerUser = "system:kube-scheduler";
inline constexpr const char* kDnsUser = "system:kube-dns";

Status BootstrapPolicy(ObjectService& objects);

}  // namespace tinyk8s::apiserver::auth
