#pragma once
// Building daemon pods and revision data from a DaemonSet (behavior-spec DS-9, DS-40, DS-41;
// upstream util.CreatePodTemplate, controller.GetPodFromTemplate, history.go getPatch and
// controller.ComputeHash). Pure functions; thread-safe.

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>

namespace tinyk8s::controllers::daemonset {

inline constexpr const char* kRevisionHashLabel = "controller-revision-hash";
inline constexpr const char* kTemplateGenerationLabel = "pod-template-generation";
inline constexpr const char* kTemplateGenerationAnnotation =
    "deprecated.daemonset.template.generation";

// ComputeHash: FNV-32a over the canonical (key-sorted) JSON of the template plus the
// collision count, printed in decimal and mapped to upstream's safe-encode alphabet (DS-41).
std::string ComputeHash(const rapidjson::Value& pod_template, std::optional<int64_t> collision);

// RevisionData: `{"spec":{"template":{"$patch":"replace",...}}}` with sorted keys and no
// whitespace (DS-40); byte-compared against existing revisions and by kubectl rollout undo.
std::string RevisionData(const rapidjson::Value& ds);

// NewDaemonPod builds the pod for `node_name` (DS-9): generateName "<ds>-", template labels
// plus the hash and template-generation labels, the controllerRef, the DS-8 tolerations and a
// required node affinity pinning metadata.name to the node (nodeName stays empty so the
// scheduler places it).
rapidjson::Document NewDaemonPod(const rapidjson::Value& ds, const std::string& node_name,
                                 const std::string& hash);

// The controllerRef JSON object pointing at `ds`.
rapidjson::Value ControllerRefTo(const rapidjson::Value& ds, rapidjson::Document::AllocatorType& a);

}  // namespace tinyk8s::controllers::daemonset
