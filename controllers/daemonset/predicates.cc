#include "controllers/daemonset/predicates.h"

#include <cstdlib>

#include "api/json.h"

namespace tinyk8s::controllers::daemonset {

namespace {

constexpr const char* kNotReady = "node.kubernetes.io/not-ready";
constexpr const char* kUnreachable = "node.kubernetes.io/unreachable";

bool ParseInt(const std::string& s, long long* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtoll(s.c_str(), &end, 10);
  return end != nullptr && *end == '\0';
}

// One requirement of a node selector term against a value (nullptr: absent).
bool MatchRequirement(const rapidjson::Value& req, const std::string* value) {
  std::string op = api::GetString(req, {"operator"});
  std::vector<std::string> values;
  if (const auto* v = api::FindMember(req, "values"); v != nullptr && v->IsArray()) {
    for (const auto& x : v->GetArray()) {
      if (x.IsString()) values.emplace_back(x.GetString(), x.GetStringLength());
    }
  }
  auto contains = [&] {
    for (const auto& x : values) {
      if (value != nullptr && x == *value) return true;
    }
    return false;
  };
  if (op == "In") return value != nullptr && contains();
  if (op == "NotIn") return value == nullptr || !contains();
  if (op == "Exists") return value != nullptr;
  if (op == "DoesNotExist") return value == nullptr;
  if (op == "Gt" || op == "Lt") {
    long long have = 0, want = 0;
    if (value == nullptr || values.size() != 1 || !ParseInt(*value, &have) ||
        !ParseInt(values[0], &want)) {
      return false;
    }
    return op == "Gt" ? have > want : have < want;
  }
  return false;
}

bool MatchTerm(const rapidjson::Value& node, const rapidjson::Value& term) {
  const rapidjson::Value* exprs = api::FindMember(term, "matchExpressions");
  const rapidjson::Value* fields = api::FindMember(term, "matchFields");
  bool has_any = (exprs != nullptr && exprs->IsArray() && !exprs->Empty()) ||
                 (fields != nullptr && fields->IsArray() && !fields->Empty());
  if (!has_any) return false;  // an empty term matches nothing (upstream)
  const rapidjson::Value* labels = api::FindPath(node, {"metadata", "labels"});
  if (exprs != nullptr && exprs->IsArray()) {
    for (const auto& req : exprs->GetArray()) {
      std::string key = api::GetString(req, {"key"});
      std::string val;
      const std::string* pv = nullptr;
      if (labels != nullptr && labels->IsObject()) {
        if (const auto* l = api::FindMember(*labels, key); l != nullptr && l->IsString()) {
          val.assign(l->GetString(), l->GetStringLength());
          pv = &val;
        }
      }
      if (!MatchRequirement(req, pv)) return false;
    }
  }
  if (fields != nullptr && fields->IsArray()) {
    std::string name = api::GetString(node, {"metadata", "name"});
    for (const auto& req : fields->GetArray()) {
      // metadata.name is the only supported field (DS-2).
      if (api::GetString(req, {"key"}) != "metadata.name") return false;
      if (!MatchRequirement(req, &name)) return false;
    }
  }
  return true;
}

}  // namespace

std::vector<Toleration> DaemonPodTolerations(bool host_network) {
  std::vector<Toleration> t = {
      {kNotReady, "Exists", "", "NoExecute", std::nullopt},
      {kUnreachable, "Exists", "", "NoExecute", std::nullopt},
      {"node.kubernetes.io/disk-pressure", "Exists", "", "NoSchedule", std::nullopt},
      {"node.kubernetes.io/memory-pressure", "Exists", "", "NoSchedule", std::nullopt},
      {"node.kubernetes.io/pid-pressure", "Exists", "", "NoSchedule", std::nullopt},
      {"node.kubernetes.io/unschedulable", "Exists", "", "NoSchedule", std::nullopt},
  };
  if (host_network) {
    t.push_back(
        {"node.kubernetes.io/network-unavailable", "Exists", "", "NoSchedule", std::nullopt});
  }
  return t;
}

void AddDaemonPodTolerations(rapidjson::Value& pod_spec, rapidjson::Document::AllocatorType& a) {
  bool host_network = api::GetBool(pod_spec, {"hostNetwork"});
  rapidjson::Value* tols = api::FindMemberMutable(pod_spec, "tolerations");
  if (tols == nullptr || !tols->IsArray()) {
    rapidjson::Value arr(rapidjson::kArrayType);
    api::SetValue(pod_spec, "tolerations", arr, a);
    tols = api::FindMemberMutable(pod_spec, "tolerations");
  }
  for (const auto& want : DaemonPodTolerations(host_network)) {
    rapidjson::Value tv(rapidjson::kObjectType);
    api::SetString(tv, "key", want.key, a);
    api::SetString(tv, "operator", want.op, a);
    api::SetString(tv, "effect", want.effect, a);
    bool replaced = false;
    for (auto& existing : tols->GetArray()) {
      // upstream AddOrUpdateTolerationInPodSpec: same key, effect and operator ⇒ replace.
      if (api::GetString(existing, {"key"}) == want.key &&
          api::GetString(existing, {"effect"}) == want.effect &&
          api::GetString(existing, {"operator"}, "Equal") == want.op) {
        existing = tv;
        replaced = true;
        break;
      }
    }
    if (!replaced) tols->PushBack(tv, a);
  }
}

bool NodeMatchesSelectorTerms(const rapidjson::Value& node, const rapidjson::Value& terms) {
  if (!terms.IsArray()) return false;
  for (const auto& term : terms.GetArray()) {
    if (MatchTerm(node, term)) return true;
  }
  return false;
}

DaemonPlacement::DaemonPlacement(const rapidjson::Value& spec) {
  node_name_ = api::GetString(spec, {"nodeName"});
  node_selector_ = api::FindMember(spec, "nodeSelector");
  required_terms_ =
      api::FindPath(spec, {"affinity", "nodeAffinity",
                           "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"});
  tolerations_ = SpecTolerations(spec);
  // The automatic tolerations count as if present in the template (DS-2).
  for (auto& t : DaemonPodTolerations(api::GetBool(spec, {"hostNetwork"}))) {
    tolerations_.push_back(std::move(t));
  }
}

ShouldRun DaemonPlacement::Evaluate(const rapidjson::Value& node) const {
  std::string_view name = api::GetStringView(node, {"metadata", "name"});
  if (!node_name_.empty() && node_name_ != name) return {};
  if (node_selector_ != nullptr && node_selector_->IsObject()) {
    const rapidjson::Value* labels = api::FindPath(node, {"metadata", "labels"});
    for (const auto& m : node_selector_->GetObject()) {
      if (labels == nullptr || !labels->IsObject()) return {};
      const auto* l = api::FindMember(*labels, api::AsStringView(m.name));
      if (l == nullptr || !l->IsString() || !m.value.IsString() ||
          api::AsStringView(*l) != api::AsStringView(m.value)) {
        return {};
      }
    }
  }
  if (required_terms_ != nullptr && !NodeMatchesSelectorTerms(node, *required_terms_)) return {};
  bool all_tolerated = true;
  bool no_execute_tolerated = true;
  const rapidjson::Value* taints = api::FindPath(node, {"spec", "taints"});
  if (taints == nullptr || !taints->IsArray() || taints->Empty()) return {true, true};
  for (const Taint& taint : NodeTaints(node)) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    if (TaintToleratedBy(taint, tolerations_)) continue;
    all_tolerated = false;
    if (taint.effect == "NoExecute") no_execute_tolerated = false;
  }
  if (all_tolerated) return {true, true};
  return {false, no_execute_tolerated};
}

}  // namespace tinyk8s::controllers::daemonset
