#pragma once
// Helpers shared by the DaemonSet controller's files: pod ordering (DS-19), target node
// (DS-11), surge/unavailable scaling (DS-30, DS-35). Pure functions; thread-safe.

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/resource.h"

namespace tinyk8s::controllers::daemonset {

// GetTargetNodeName: spec.nodeName, else the single metadata.name In [x] matchFields value of
// the required node affinity; "" if neither (DS-11).
std::string TargetNodeName(const rapidjson::Value& pod);
// The same as a view into `pod` (valid while the pod lives): no copy in per-sync loops.
std::string_view TargetNodeNameView(const rapidjson::Value& pod);

// The controller-revision-hash label of a pod, as a view into it ("" if absent).
std::string_view RevisionHashOf(const rapidjson::Value& pod);

// Sorts oldest first: bound before unbound, then creationTimestamp, then name (DS-19).
void SortOldestFirst(std::vector<client::ObjectPtr>& pods);

// Scales an IntOrString (int, or "N%") against `total`, rounding up; `fallback` if absent or
// malformed.
int64_t ScaledValue(const rapidjson::Value* int_or_percent, int64_t total, int64_t fallback);

// MaxSurgeAndUnavailable for a RollingUpdate DaemonSet with `desired` nodes (DS-30).
void SurgeAndUnavailable(const rapidjson::Value& ds, int64_t desired, int64_t* max_surge,
                         int64_t* max_unavailable);

// AllowsSurge: RollingUpdate with a maxSurge that scales to > 0 (DS-35).
bool AllowsSurge(const rapidjson::Value& ds);

}  // namespace tinyk8s::controllers::daemonset
