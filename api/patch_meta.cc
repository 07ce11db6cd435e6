// Built-in strategic-merge metadata: upstream's patchStrategy/patchMergeKey struct tags for the
// fields of the kinds tinyk8s serves (k8s.io/api core/v1, apps/v1, meta/v1). Rules match path
// suffixes, so pod specs are recognised wherever they are embedded (Pod.spec,
// DaemonSet.spec.template.spec, CronJob.spec.jobTemplate.spec.template.spec, ...).
#include <array>

#include "api/patch.h"

namespace tinyk8s::api {
namespace {

struct Rule {
  // Path suffix; "*container*" stands for containers/initContainers/ephemeralContainers.
  std::vector<std::string_view> suffix;
  bool exact;  // the whole path must match, not just a suffix
  PatchMeta meta;
};

PatchMeta Merge(std::string key) { return PatchMeta{std::move(key), PatchMeta::kMerge, false}; }
PatchMeta MergeRetainKeys(std::string key) {
  return PatchMeta{std::move(key), PatchMeta::kMergeRetainKeys, false};
}
PatchMeta PrimitiveSet() { return PatchMeta{"", PatchMeta::kMerge, true}; }

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = {
      // PodSpec
      {{"spec", "*container*"}, false, Merge("name")},
      {{"spec", "volumes"}, false, MergeRetainKeys("name")},
      {{"spec", "imagePullSecrets"}, false, Merge("name")},
      {{"spec", "hostAliases"}, false, Merge("ip")},
      {{"spec", "topologySpreadConstraints"}, false, Merge("topologyKey")},
      {{"spec", "schedulingGates"}, false, Merge("name")},
      {{"spec", "resourceClaims"}, false, MergeRetainKeys("name")},
      // Container
      {{"*container*", "ports"}, false, Merge("containerPort")},
      {{"*container*", "env"}, false, Merge("name")},
      {{"*container*", "volumeMounts"}, false, Merge("mountPath")},
      {{"*container*", "volumeDevices"}, false, Merge("devicePath")},
      // ObjectMeta (top level and in templates)
      {{"metadata", "finalizers"}, false, PrimitiveSet()},
      {{"metadata", "ownerReferences"}, false, Merge("uid")},
      // Status conditions of every kind we serve (PodCondition, NodeCondition,
      // NamespaceCondition, DaemonSetCondition, metav1.Condition ...) merge by type.
      {{"status", "conditions"}, false, Merge("type")},
      // PodStatus / NodeStatus
      {{"status", "podIPs"}, true, Merge("ip")},
      {{"status", "hostIPs"}, true, Merge("ip")},
      {{"status", "resourceClaimStatuses"}, true, MergeRetainKeys("name")},
      {{"status", "addresses"}, true, Merge("type")},
      // NodeSpec
      {{"spec", "podCIDRs"}, true, PrimitiveSet()},
      // ServiceSpec (exact: a pod's container ports are spec.containers.ports)
      {{"spec", "ports"}, true, Merge("port")},
  };
  return rules;
}

bool SegmentMatches(std::string_view pattern, const std::string& segment) {
  if (pattern == "*container*") {
    return segment == "containers" || segment == "initContainers" ||
           segment == "ephemeralContainers";
  }
  return pattern == segment;
}

bool RuleMatches(const Rule& rule, const std::vector<std::string>& path) {
  if (path.size() < rule.suffix.size()) return false;
  if (rule.exact && path.size() != rule.suffix.size()) return false;
  size_t offset = path.size() - rule.suffix.size();
  for (size_t i = 0; i < rule.suffix.size(); ++i) {
    if (!SegmentMatches(rule.suffix[i], path[offset + i])) return false;
  }
  return true;
}

}  // namespace

PatchMetaLookup DefaultPatchMeta() {
  return [](const std::vector<std::string>& path) -> std::optional<PatchMeta> {
    for (const Rule& rule : Rules()) {
      if (RuleMatches(rule, path)) return rule.meta;
    }
    // Everything else (tolerations, args, command, taints, endpoints, ...) is atomic for lists
    // and merges for maps.
    return std::nullopt;
  };
}

}  // namespace tinyk8s::api
