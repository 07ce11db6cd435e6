#pragma once
// What the controller manager's shared informer caches keep (upstream informers' SetTransform):
// at 5,000 nodes and their DaemonSet pods the cached documents are most of the process'
// memory, and every controller reads a few fields. The caches are shared, so each transform
// keeps the union of what the controllers reading that resource use; a controller that starts
// reading another field adds it here. (managedFields are gone already: the informer drops them.)
// Safe only because no controller writes a cached pod or node back whole (they send patches).

#include <rapidjson/document.h>

namespace tinyk8s::controllers {

// KeepMetadataOnly drops everything but apiVersion, kind and metadata (upstream's garbage
// collector watches through metadata-only informers).
void KeepMetadataOnly(rapidjson::Value& obj);

// TrimConfigMapForControllers keeps metadata only (garbage collector), except for the
// ConfigMaps "kube-root-ca.crt", kept whole: the root CA publisher compares and rewrites them.
// A ConfigMap may hold megabytes; these hold one certificate.
void TrimConfigMapForControllers(rapidjson::Value& cm);

// TrimNodeForControllers keeps metadata, spec, and of status only the
// conditions' type, status and lastHeartbeatTime. Readers: daemonset (name, labels, taints),
// endpointslice (zone label), nodelifecycle (taints, unschedulable, conditions and the Ready
// heartbeat), podgc (existence).
void TrimNodeForControllers(rapidjson::Value& node);

// TrimPodForControllers keeps metadata; of spec nodeName, tolerations,
// affinity.nodeAffinity, hostname, subdomain and the containers' names and ports; of status
// phase, podIP(s) and the conditions' type, status and lastTransitionTime. Readers: daemonset
// (labels, owners, node name or node affinity, phase, readiness since), endpointslice (labels,
// IPs, named ports, readiness, hostname/subdomain, node), nodelifecycle (node, tolerations,
// readiness), podgc (phase, node), garbage collector (metadata).
void TrimPodForControllers(rapidjson::Value& pod);

}  // namespace tinyk8s::controllers
