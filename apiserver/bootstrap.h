#pragma once
// Bootstrap: objects every cluster has from its first start (namespaces default, kube-system,
// kube-public, kube-node-lease; the system PriorityClasses). Idempotent.

#include "apiserver/object_service.h"

namespace tinyk8s::apiserver {

Status Bootstrap(ObjectService& objects);

// EnsureKubernetesService creates the `kubernetes` Service in `default` (ClusterIP
// `cluster_ip`, port 443 -> the API server) if missing, and creates or updates its Endpoints and
// EndpointSlice so they point at `host`:`port`, the address the API server serves on now.
Status EnsureKubernetesService(ObjectService& objects, const std::string& cluster_ip,
                               const std::string& host, uint16_t port);

}  // namespace tinyk8s::apiserver
