#include "controllers/daemonset/util.h"

#include <algorithm>
#include <cstdlib>

#include "api/json.h"
#include "api/meta.h"
#include "controllers/daemonset/pod_template.h"
#include "controllers/util/pod_util.h"

namespace tinyk8s::controllers::daemonset {

std::string TargetNodeName(const rapidjson::Value& pod) {
  return std::string(TargetNodeNameView(pod));
}

std::string_view TargetNodeNameView(const rapidjson::Value& pod) {
  std::string_view node = api::GetStringView(pod, {"spec", "nodeName"});
  if (!node.empty()) return node;
  const rapidjson::Value* terms =
      api::FindPath(pod, {"spec", "affinity", "nodeAffinity",
                          "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"});
  if (terms == nullptr || !terms->IsArray()) return "";
  for (const auto& term : terms->GetArray()) {
    const rapidjson::Value* fields = api::FindMember(term, "matchFields");
    if (fields == nullptr || !fields->IsArray()) continue;
    for (const auto& req : fields->GetArray()) {
      if (api::GetStringView(req, {"key"}) != "metadata.name" ||
          api::GetStringView(req, {"operator"}) != "In") {
        continue;
      }
      const rapidjson::Value* values = api::FindMember(req, "values");
      if (values != nullptr && values->IsArray() && values->Size() == 1 &&
          (*values)[0].IsString()) {
        return api::AsStringView((*values)[0]);
      }
    }
  }
  return "";
}

std::string_view RevisionHashOf(const rapidjson::Value& pod) {
  return api::GetStringView(pod, {"metadata", "labels", kRevisionHashLabel});
}

void SortOldestFirst(std::vector<client::ObjectPtr>& pods) {
  if (pods.size() < 2) return;  // the common case: one pod per node
  std::sort(pods.begin(), pods.end(), [](const client::ObjectPtr& a, const client::ObjectPtr& b) {
    bool ab = !api::GetStringView(*a, {"spec", "nodeName"}).empty();
    bool bb = !api::GetStringView(*b, {"spec", "nodeName"}).empty();
    if (ab != bb) return ab;
    auto ta = CreationTime(*a), tb = CreationTime(*b);
    if (ta != tb) return ta < tb;
    return api::GetStringView(*a, {"metadata", "name"}) <
           api::GetStringView(*b, {"metadata", "name"});
  });
}

int64_t ScaledValue(const rapidjson::Value* v, int64_t total, int64_t fallback) {
  if (v == nullptr || v->IsNull()) return fallback;
  if (v->IsInt64()) return v->GetInt64();
  if (!v->IsString()) return fallback;
  std::string s = v->GetString();
  if (s.empty()) return fallback;
  if (s.back() == '%') {
    s.pop_back();
    char* end = nullptr;
    long long pct = std::strtoll(s.c_str(), &end, 10);
    if (end == nullptr || *end != '\0') return fallback;
    return (pct * total + 99) / 100;  // round up
  }
  char* end = nullptr;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (end == nullptr || *end != '\0') return fallback;
  return n;
}

void SurgeAndUnavailable(const rapidjson::Value& ds, int64_t desired, int64_t* max_surge,
                         int64_t* max_unavailable) {
  const rapidjson::Value* ru = api::FindPath(ds, {"spec", "updateStrategy", "rollingUpdate"});
  const rapidjson::Value* mu = ru ? api::FindMember(*ru, "maxUnavailable") : nullptr;
  const rapidjson::Value* ms = ru ? api::FindMember(*ru, "maxSurge") : nullptr;
  *max_unavailable = ScaledValue(mu, desired, 1);
  *max_surge = ScaledValue(ms, desired, 0);
  if (desired > 0 && *max_unavailable == 0 && *max_surge == 0) *max_unavailable = 1;
}

bool AllowsSurge(const rapidjson::Value& ds) {
  if (api::GetString(ds, {"spec", "updateStrategy", "type"}, "RollingUpdate") != "RollingUpdate") {
    return false;
  }
  const rapidjson::Value* ms =
      api::FindPath(ds, {"spec", "updateStrategy", "rollingUpdate", "maxSurge"});
  // Percentages are evaluated against 1 like upstream's AllowsSurge (non-zero percent allows).
  return ScaledValue(ms, 1, 0) > 0;
}

}  // namespace tinyk8s::controllers::daemonset
