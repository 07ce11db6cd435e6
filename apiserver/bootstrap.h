#pragma once
// Bootstrap: objects every cluster has from its first start (namespaces default, kube-system,
// kube-public, kube-node-lease; the system PriorityClasses). Idempotent.

#include "apiserver/object_service.h"

namespace tinyk8s::apiserver {

Status Bootstrap(ObjectService& objects);

}  // namespace tinyk8s::apiserver
