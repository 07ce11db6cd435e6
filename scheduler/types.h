#pragma once
// Typed scheduling views of pod and node fields (resources, taints, tolerations, node selector
// terms, host ports) and the pure matching rules over them. Parsed once per informer event so
// a scheduling cycle never touches JSON (DESIGN §8.9: typed structs at the edges).
// Value types; thread-compatible.

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tinyk8s::scheduler {

inline constexpr std::string_view kResourceCpu = "cpu";
inline constexpr std::string_view kResourceMemory = "memory";
inline constexpr std::string_view kResourceEphemeralStorage = "ephemeral-storage";
inline constexpr std::string_view kResourcePods = "pods";

// Requests that a pod without any cpu/memory request counts for scoring (upstream
// DefaultMilliCPURequest / DefaultMemoryRequest), so empty pods still spread.
inline constexpr int64_t kDefaultMilliCpuRequest = 100;
inline constexpr int64_t kDefaultMemoryRequest = 200 * 1024 * 1024;

// ResourceList: amounts in base units (cpu in milli-cores, bytes otherwise). Extended resources
// (vendor.com/gpu, hugepages-*) live in `scalar`, sorted by name.
struct ResourceList {
  int64_t milli_cpu = 0;
  int64_t memory = 0;
  int64_t ephemeral_storage = 0;
  int64_t allowed_pods = 0;  // only meaningful for allocatable
  std::vector<std::pair<std::string, int64_t>> scalar;

  void Add(const ResourceList& o);
  void Sub(const ResourceList& o);
  int64_t Scalar(std::string_view name) const;
  void AddScalar(std::string_view name, int64_t v);
  // SetMax makes every amount max(this, o) (init containers).
  void SetMax(const ResourceList& o);
};

// ParseResourceList reads a `{cpu: "1", memory: 1Gi, ...}` object. Unparsable quantities count
// as 0 (the API server validated them). nullptr or a non-object gives an empty list.
ResourceList ParseResourceList(const rapidjson::Value* list);

enum class TaintEffect { kNoSchedule, kPreferNoSchedule, kNoExecute, kOther };
TaintEffect ParseTaintEffect(std::string_view s);

struct Taint {
  std::string key;
  std::string value;
  TaintEffect effect = TaintEffect::kNoSchedule;
};

struct Toleration {
  std::string key;
  bool exists = false;  // operator Exists (default Equal)
  std::string value;
  bool any_effect = true;  // empty effect matches every effect
  TaintEffect effect = TaintEffect::kNoSchedule;

  // ToleratesTaint (upstream v1.Toleration.ToleratesTaint, DS-4).
  bool Tolerates(const Taint& taint) const;
};
bool TolerationsTolerate(const std::vector<Toleration>& tolerations, const Taint& taint);

std::vector<Taint> ParseTaints(const rapidjson::Value* taints);
std::vector<Toleration> ParseTolerations(const rapidjson::Value* tolerations);

// One requirement of a node selector term (core/v1 NodeSelectorRequirement).
struct NodeSelectorRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt, kInvalid };
  std::string key;
  Op op = Op::kInvalid;
  std::vector<std::string> values;
};

// A NodeSelectorTerm: matchExpressions (on labels) AND matchFields (only metadata.name).
struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> match_expressions;
  std::vector<NodeSelectorRequirement> match_fields;
};

struct PreferredSchedulingTerm {
  int32_t weight = 0;
  NodeSelectorTerm term;
};

using Labels = std::unordered_map<std::string, std::string>;
Labels ParseLabels(const rapidjson::Value* labels);

// TermMatches: every expression matches the labels and every field matches the node name. An
// empty term matches nothing (upstream), and so does a term with an invalid requirement.
bool TermMatches(const NodeSelectorTerm& term, const Labels& labels, std::string_view node_name);
// Terms are ORed.
bool AnyTermMatches(const std::vector<NodeSelectorTerm>& terms, const Labels& labels,
                    std::string_view node_name);
NodeSelectorTerm ParseNodeSelectorTerm(const rapidjson::Value& term);

struct HostPort {
  std::string ip;  // "" and "0.0.0.0" mean every address
  std::string protocol = "TCP";
  int32_t port = 0;

  // Conflicts (SCH-16): same protocol and port, and equal IPs or one of them a wildcard.
  bool ConflictsWith(const HostPort& o) const;
};

}  // namespace tinyk8s::scheduler
