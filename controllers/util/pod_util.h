#pragma once
// Small read-only views over Pod and Node JSON used by several controllers: phase, readiness,
// availability (upstream pkg/api/v1/pod/util.go), taints and tolerations
// (k8s.io/api/core/v1/toleration.go, taint.go). Pure functions; thread-safe.

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace tinyk8s::controllers {

// status.phase, or "" if unset.
std::string PodPhase(const rapidjson::Value& pod);
// Succeeded or Failed (G-6).
bool IsPodTerminal(const rapidjson::Value& pod);
// spec.nodeName.
std::string PodNodeName(const rapidjson::Value& pod);
// Ready condition is True (G-5).
bool IsPodReady(const rapidjson::Value& pod);
// Ready and (min_ready_seconds == 0 or Ready.lastTransitionTime + min_ready < now) (G-5).
bool IsPodAvailable(const rapidjson::Value& pod, int64_t min_ready_seconds, Clock::TimePoint now);
// lastTransitionTime of the Ready=True condition, if set and parsable.
std::optional<Clock::TimePoint> PodReadySince(const rapidjson::Value& pod);
// metadata.creationTimestamp parsed (epoch if unparsable).
Clock::TimePoint CreationTime(const rapidjson::Value& obj);

struct Taint {
  std::string key, value, effect;  // effect: NoSchedule, PreferNoSchedule, NoExecute
  std::string time_added;          // RFC 3339, NoExecute taints only
};
struct Toleration {
  std::string key, op, value, effect;  // op: "Exists" or "Equal" ("" = Equal)
  std::optional<int64_t> toleration_seconds;
};

std::vector<Taint> NodeTaints(const rapidjson::Value& node);
// Tolerations from a pod spec (not the pod).
std::vector<Toleration> SpecTolerations(const rapidjson::Value& pod_spec);
// ToleratesTaint: upstream Toleration.ToleratesTaint (DS-4).
bool ToleratesTaint(const Toleration& toleration, const Taint& taint);
bool TaintToleratedBy(const Taint& taint, const std::vector<Toleration>& tolerations);

// Ready condition status of a node: "True", "False", "Unknown" or "" when absent.
std::string NodeReadyStatus(const rapidjson::Value& node);

}  // namespace tinyk8s::controllers
