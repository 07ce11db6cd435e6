#pragma once
// Factories of the per-kind strategies registered by builtin_resources.cc.

#include <memory>

#include "apiserver/resource.h"

namespace tinyk8s::apiserver {

// `service_account_admission`: see RegisterBuiltinResources.
std::unique_ptr<Strategy> NewPodStrategy(bool service_account_admission);
std::unique_ptr<Strategy> NewDaemonSetStrategy();
std::unique_ptr<Strategy> NewNamespaceStrategy();
std::unique_ptr<Strategy> NewNodeStrategy();
class ServiceAllocator;
// `allocator` (not owned, may be null) assigns ClusterIPs and NodePorts.
std::unique_ptr<Strategy> NewServiceStrategy(ServiceAllocator* allocator);
std::unique_ptr<Strategy> NewPriorityClassStrategy();
std::unique_ptr<Strategy> NewControllerRevisionStrategy();
std::unique_ptr<Strategy> NewEventStrategy();
std::unique_ptr<Strategy> NewEventsV1Strategy();
// Converts events.k8s.io/v1 Events to core/v1 Events (their stored form) and back.
std::unique_ptr<ObjectConverter> NewEventsV1Converter();
std::unique_ptr<Strategy> NewLeaseStrategy();
std::unique_ptr<Strategy> NewEndpointsStrategy();
std::unique_ptr<Strategy> NewEndpointSliceStrategy();
std::unique_ptr<Strategy> NewConfigMapStrategy();
std::unique_ptr<Strategy> NewServiceAccountStrategy();
// rbac.authorization.k8s.io: `cluster` selects ClusterRole / ClusterRoleBinding.
std::unique_ptr<Strategy> NewRoleStrategy(bool cluster);
std::unique_ptr<Strategy> NewRoleBindingStrategy(bool cluster);
// The reviews: SelfSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview, TokenReview
// (computed by ApiHandler's review handlers, never stored).
std::unique_ptr<Strategy> NewAccessReviewStrategy();

}  // namespace tinyk8s::apiserver
