#include "node/static_pods.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "api/json.h"
#include "api/meta.h"
#include "api/yaml.h"
#include "common/logging.h"

namespace tinyk8s::node {

using rapidjson::Document;
using rapidjson::Value;

namespace {
std::string HashOf(const std::string& text) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016zx", std::hash<std::string>{}(text));
  return buf;
}
}  // namespace

std::vector<StaticPodManifest> ReadStaticPodManifests(const std::string& dir) {
  std::vector<StaticPodManifest> out;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto doc = api::YamlToJson(text.str());
    if (!doc.ok() || !doc->IsObject() || api::GetString(*doc, {"kind"}) != "Pod" ||
        api::Name(*doc).empty()) {
      TK_LOG_WARN << "ignoring static pod manifest " << path.string() << ": not a named Pod";
      continue;
    }
    StaticPodManifest m;
    m.file = path.string();
    m.hash = HashOf(text.str());
    m.pod = std::move(doc).value();
    out.push_back(std::move(m));
  }
  return out;
}

Document MirrorPodFor(const StaticPodManifest& manifest, const std::string& node_name,
                      const std::string& node_uid, Clock::TimePoint now) {
  Document pod;
  pod.CopyFrom(manifest.pod, pod.GetAllocator());
  auto& a = pod.GetAllocator();
  Value& meta = api::EnsureObject(pod, {"metadata"}, a);
  api::SetString(meta, "name", api::Name(manifest.pod) + "-" + node_name, a);
  if (api::Namespace(manifest.pod).empty()) api::SetString(meta, "namespace", "default", a);
  Value& ann = api::EnsureObject(meta, {"annotations"}, a);
  api::SetString(ann, kMirrorAnnotation, manifest.hash, a);
  api::SetString(ann, "kubernetes.io/config.hash", manifest.hash, a);
  api::SetString(ann, kConfigSourceAnnotation, "file", a);
  api::SetString(ann, "kubernetes.io/config.seen", FormatRfc3339(now), a);
  Value owners(rapidjson::kArrayType);
  Value owner(rapidjson::kObjectType);
  owner.AddMember("apiVersion", "v1", a);
  owner.AddMember("kind", "Node", a);
  owner.AddMember("name", api::MakeString(node_name, a), a);
  owner.AddMember("uid", api::MakeString(node_uid, a), a);
  owner.AddMember("controller", true, a);
  owners.PushBack(owner, a);
  api::SetValue(meta, "ownerReferences", owners, a);
  api::SetString(api::EnsureObject(pod, {"spec"}, a), "nodeName", node_name, a);
  return pod;
}

Status ReconcileStaticPods(client::Client& client, const client::Lister& pods,
                           const std::vector<StaticPodManifest>& manifests,
                           const std::vector<NodeRef>& nodes, const Clock& clock) {
  Status first;
  auto note = [&](const Status& s) {
    if (!s.ok() && first.ok()) first = s;
  };
  std::set<std::string> node_names;
  for (const auto& n : nodes) node_names.insert(n.name);
  // Desired mirror pods: key ns/name -> (manifest, node).
  std::map<std::string, std::pair<const StaticPodManifest*, const NodeRef*>> desired;
  for (const auto& m : manifests) {
    std::string ns = api::Namespace(m.pod).empty() ? "default" : api::Namespace(m.pod);
    for (const auto& n : nodes) desired[ns + "/" + api::Name(m.pod) + "-" + n.name] = {&m, &n};
  }
  client::DeleteOptions now_opts;
  now_opts.grace_period_seconds = 0;
  std::set<std::string> present;
  for (const auto& pod : pods.List()) {
    if (api::GetString(*pod, {"metadata", "annotations", kConfigSourceAnnotation}) != "file")
      continue;
    if (!node_names.count(api::GetString(*pod, {"spec", "nodeName"}))) continue;
    std::string key = api::Namespace(*pod) + "/" + api::Name(*pod);
    auto it = desired.find(key);
    bool stale = it == desired.end() ||
                 api::GetString(*pod, {"metadata", "annotations", kMirrorAnnotation}) !=
                     it->second.first->hash;
    if (stale) {
      auto r =
          client.Delete(client::resources::Pods(), api::Namespace(*pod), api::Name(*pod), now_opts);
      if (!r.ok() && !r.status().IsNotFound()) note(r.status());
      continue;  // recreated on a later pass once it is gone
    }
    present.insert(key);
  }
  for (const auto& [key, want] : desired) {
    if (present.count(key) || pods.Get(client::ObjectKey::Parse(key))) continue;
    Document mirror = MirrorPodFor(*want.first, want.second->name, want.second->uid, clock.Now());
    auto r = client.Create(client::resources::Pods(), api::Namespace(mirror), mirror);
    if (!r.ok() && !r.status().IsAlreadyExists()) note(r.status());
  }
  return first;
}

}  // namespace tinyk8s::node
