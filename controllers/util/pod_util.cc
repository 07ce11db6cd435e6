#include "controllers/util/pod_util.h"

#include "api/json.h"

namespace tinyk8s::controllers {

namespace {
const rapidjson::Value* FindCondition(const rapidjson::Value& obj, std::string_view type) {
  const rapidjson::Value* conds = api::FindPath(obj, {"status", "conditions"});
  if (conds == nullptr || !conds->IsArray()) return nullptr;
  for (const auto& c : conds->GetArray()) {
    if (api::GetStringView(c, {"type"}) == type) return &c;
  }
  return nullptr;
}
}  // namespace

std::string PodPhase(const rapidjson::Value& pod) {
  return api::GetString(pod, {"status", "phase"});
}

bool IsPodTerminal(const rapidjson::Value& pod) {
  std::string_view phase = api::GetStringView(pod, {"status", "phase"});
  return phase == "Succeeded" || phase == "Failed";
}

std::string PodNodeName(const rapidjson::Value& pod) {
  return api::GetString(pod, {"spec", "nodeName"});
}

bool IsPodReady(const rapidjson::Value& pod) {
  const rapidjson::Value* c = FindCondition(pod, "Ready");
  return c != nullptr && api::GetStringView(*c, {"status"}) == "True";
}

std::optional<Clock::TimePoint> PodReadySince(const rapidjson::Value& pod) {
  const rapidjson::Value* c = FindCondition(pod, "Ready");
  if (c == nullptr || api::GetStringView(*c, {"status"}) != "True") return std::nullopt;
  Clock::TimePoint t;
  if (!ParseRfc3339(api::GetString(*c, {"lastTransitionTime"}), &t)) return std::nullopt;
  return t;
}

bool IsPodAvailable(const rapidjson::Value& pod, int64_t min_ready_seconds, Clock::TimePoint now) {
  if (!IsPodReady(pod)) return false;
  if (min_ready_seconds <= 0) return true;
  auto since = PodReadySince(pod);
  if (!since) return false;
  return *since + std::chrono::seconds(min_ready_seconds) < now;
}

Clock::TimePoint CreationTime(const rapidjson::Value& obj) {
  Clock::TimePoint t{};
  ParseRfc3339(api::GetString(obj, {"metadata", "creationTimestamp"}), &t);
  return t;
}

std::vector<Taint> NodeTaints(const rapidjson::Value& node) {
  std::vector<Taint> out;
  const rapidjson::Value* taints = api::FindPath(node, {"spec", "taints"});
  if (taints == nullptr || !taints->IsArray()) return out;
  for (const auto& t : taints->GetArray()) {
    out.push_back({api::GetString(t, {"key"}), api::GetString(t, {"value"}),
                   api::GetString(t, {"effect"}), api::GetString(t, {"timeAdded"})});
  }
  return out;
}

std::vector<Toleration> SpecTolerations(const rapidjson::Value& pod_spec) {
  std::vector<Toleration> out;
  const rapidjson::Value* tols = api::FindMember(pod_spec, "tolerations");
  if (tols == nullptr || !tols->IsArray()) return out;
  for (const auto& t : tols->GetArray()) {
    Toleration tol{api::GetString(t, {"key"}), api::GetString(t, {"operator"}),
                   api::GetString(t, {"value"}), api::GetString(t, {"effect"}), std::nullopt};
    const rapidjson::Value* secs = api::FindMember(t, "tolerationSeconds");
    if (secs != nullptr && secs->IsInt64()) tol.toleration_seconds = secs->GetInt64();
    out.push_back(std::move(tol));
  }
  return out;
}

bool ToleratesTaint(const Toleration& tol, const Taint& taint) {
  if (!tol.effect.empty() && tol.effect != taint.effect) return false;
  if (!tol.key.empty() && tol.key != taint.key) return false;
  if (tol.op == "Exists") return true;
  if (tol.op.empty() || tol.op == "Equal") return tol.value == taint.value;
  return false;
}

bool TaintToleratedBy(const Taint& taint, const std::vector<Toleration>& tolerations) {
  for (const auto& t : tolerations) {
    if (ToleratesTaint(t, taint)) return true;
  }
  return false;
}

std::string NodeReadyStatus(const rapidjson::Value& node) {
  const rapidjson::Value* c = FindCondition(node, "Ready");
  return c == nullptr ? "" : api::GetString(*c, {"status"});
}

}  // namespace tinyk8s::controllers
