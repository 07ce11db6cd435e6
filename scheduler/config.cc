#include "scheduler/config.h"

#include <set>

#include "api/json.h"
#include "api/yaml.h"

namespace tinyk8s::scheduler {

using rapidjson::Value;

namespace {

// Names listed under plugins.<point>.<list>[].name.
std::vector<const Value*> PluginEntries(const Value& plugins, std::string_view point,
                                        std::string_view list) {
  std::vector<const Value*> out;
  const Value* p = api::FindMember(plugins, point);
  const Value* l = p ? api::FindMember(*p, list) : nullptr;
  if (!l || !l->IsArray()) return out;
  for (const auto& e : l->GetArray()) out.push_back(&e);
  return out;
}

Status ParseProfile(const Value& v, int default_percentage, const std::string& path,
                    ProfileConfig* out) {
  if (!v.IsObject()) return Status::Invalid(path + ": must be an object");
  out->scheduler_name = api::GetString(v, {"schedulerName"}, "default-scheduler");
  if (out->scheduler_name.empty()) {
    return Status::Invalid(path + ".schedulerName: Required value");
  }
  out->percentage_of_nodes_to_score =
      static_cast<int>(api::GetInt(v, {"percentageOfNodesToScore"}, default_percentage));
  const Value* plugins = api::FindMember(v, "plugins");
  if (!plugins) return Status::OK();
  for (std::string_view point : {"multiPoint", "filter", "score", "preFilter"}) {
    for (const Value* e : PluginEntries(*plugins, point, "disabled")) {
      out->disabled_plugins.push_back(api::GetString(*e, {"name"}));
    }
  }
  for (std::string_view point : {"multiPoint", "score"}) {
    for (const Value* e : PluginEntries(*plugins, point, "enabled")) {
      int64_t weight = api::GetInt(*e, {"weight"});
      if (weight > 0) out->score_weights.emplace_back(api::GetString(*e, {"name"}), weight);
    }
  }
  for (std::string_view point : {"multiPoint", "postFilter"}) {
    for (const Value* e : PluginEntries(*plugins, point, "disabled")) {
      std::string name = api::GetString(*e, {"name"});
      if (name == "DefaultPreemption" || name == "*") out->preemption = false;
    }
  }
  // DefaultPreemption is not a filter/score plugin: drop it from the list Profile checks.
  std::erase(out->disabled_plugins, "DefaultPreemption");
  return Status::OK();
}

}  // namespace

std::string SchedulerConfig::LeaseName() const {
  if (!lease_name.empty()) return lease_name;
  if (profiles.empty() || profiles[0].scheduler_name == "default-scheduler") {
    return "kube-scheduler";
  }
  return profiles[0].scheduler_name;
}

Result<SchedulerConfig> ParseSchedulerConfig(std::string_view yaml) {
  auto doc = api::YamlToJson(yaml);
  if (!doc.ok()) return Status::Invalid(doc.status().message());
  const Value& root = *doc;
  SchedulerConfig config;
  if (root.IsNull()) {
    config.profiles.emplace_back();
    return config;
  }
  if (!root.IsObject()) return Status::Invalid("configuration must be a YAML mapping");
  std::string kind = api::GetString(root, {"kind"}, "KubeSchedulerConfiguration");
  if (kind != "KubeSchedulerConfiguration") {
    return Status::Invalid("kind: Unsupported value: \"" + kind +
                           "\": supported values: \"KubeSchedulerConfiguration\"");
  }
  int percentage = static_cast<int>(api::GetInt(root, {"percentageOfNodesToScore"}));
  if (percentage < 0 || percentage > 100) {
    return Status::Invalid("percentageOfNodesToScore: Invalid value: must be in [0, 100]");
  }
  if (const Value* le = api::FindMember(root, "leaderElection")) {
    config.leader_elect = api::GetBool(*le, {"leaderElect"}, true);
    config.lease_name = api::GetString(*le, {"resourceName"});
    config.lease_namespace = api::GetString(*le, {"resourceNamespace"}, "kube-system");
  }
  const Value* profiles = api::FindMember(root, "profiles");
  if (profiles && !profiles->IsArray()) return Status::Invalid("profiles: must be a list");
  std::set<std::string> seen;
  if (profiles) {
    for (rapidjson::SizeType i = 0; i < profiles->Size(); ++i) {
      ProfileConfig p;
      std::string path = "profiles[" + std::to_string(i) + "]";
      TK_RETURN_IF_ERROR(ParseProfile((*profiles)[i], percentage, path, &p));
      if (!seen.insert(p.scheduler_name).second) {
        return Status::Invalid(path + ".schedulerName: Duplicate value: \"" + p.scheduler_name +
                               "\"");
      }
      config.profiles.push_back(std::move(p));
    }
  }
  if (config.profiles.empty()) {
    config.profiles.emplace_back();
    config.profiles.back().percentage_of_nodes_to_score = percentage;
  }
  return config;
}

}  // namespace tinyk8s::scheduler
