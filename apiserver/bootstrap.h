#pragma once
// Bootstrap: objects every cluster has from its first start (namespaces default, kube-system,
// kube-public, kube-node-lease; the system PriorityClasses). Idempotent.

#include "apiserver/object_service.h"

namespace tinyk8s::apiserver {

Status Bootstrap(ObjectService& objects);

// EnsureKubernetesService creates the `kubernetes` Service in `default` (ClusterIP
// `cluster_ip`, port 443 -> the API server's `port`) if missing. Its endpoints list the live API
// servers (EndpointReconciler).
Status EnsureKubernetesService(ObjectService& objects, const std::string& cluster_ip,
                               uint16_t port);

// EnsureKubeDnsService creates the `kube-dns` Service in `kube-system` (ClusterIP `cluster_ip`,
// 53/UDP dns, 53/TCP dns-tcp, 9153/TCP metrics) if missing, as kubeadm and k3s clusters have it:
// its ClusterIP is what the nodes give pods as their nameserver. It has no selector and no
// endpoints: the cluster DNS co-process is not a pod (it answers on `tinyk8s server
// --dns-listen`).
Status EnsureKubeDnsService(ObjectService& objects, const std::string& cluster_ip);

}  // namespace tinyk8s::apiserver
