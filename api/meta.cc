#include "api/meta.h"

#include "api/json.h"

namespace tinyk8s::api {
namespace {

const rapidjson::Value* ObjectAt(const rapidjson::Value& obj,
                                 std::initializer_list<std::string_view> path) {
  const rapidjson::Value* v = FindPath(obj, path);
  return (v != nullptr && v->IsObject()) ? v : nullptr;
}

std::string StringIn(const rapidjson::Value* map, std::string_view key, std::string_view fallback) {
  if (map == nullptr) return std::string(fallback);
  const rapidjson::Value* v = FindMember(*map, key);
  if (v == nullptr || !v->IsString()) return std::string(fallback);
  return std::string(AsStringView(*v));
}

}  // namespace

std::string Name(const rapidjson::Value& obj) { return GetString(obj, {"metadata", "name"}); }
std::string Namespace(const rapidjson::Value& obj) {
  return GetString(obj, {"metadata", "namespace"});
}
std::string GenerateNameOf(const rapidjson::Value& obj) {
  return GetString(obj, {"metadata", "generateName"});
}
std::string Uid(const rapidjson::Value& obj) { return GetString(obj, {"metadata", "uid"}); }
std::string ResourceVersion(const rapidjson::Value& obj) {
  return GetString(obj, {"metadata", "resourceVersion"});
}
int64_t Generation(const rapidjson::Value& obj) { return GetInt(obj, {"metadata", "generation"}); }
std::string CreationTimestamp(const rapidjson::Value& obj) {
  return GetString(obj, {"metadata", "creationTimestamp"});
}
std::string ApiVersion(const rapidjson::Value& obj) { return GetString(obj, {"apiVersion"}); }
std::string Kind(const rapidjson::Value& obj) { return GetString(obj, {"kind"}); }

const rapidjson::Value* Labels(const rapidjson::Value& obj) {
  return ObjectAt(obj, {"metadata", "labels"});
}
const rapidjson::Value* Annotations(const rapidjson::Value& obj) {
  return ObjectAt(obj, {"metadata", "annotations"});
}
const rapidjson::Value* OwnerReferences(const rapidjson::Value& obj) {
  const rapidjson::Value* v = FindPath(obj, {"metadata", "ownerReferences"});
  return (v != nullptr && v->IsArray()) ? v : nullptr;
}

bool HasDeletionTimestamp(const rapidjson::Value& obj) {
  const rapidjson::Value* v = FindPath(obj, {"metadata", "deletionTimestamp"});
  return v != nullptr && v->IsString() && v->GetStringLength() > 0;
}

std::vector<std::string> Finalizers(const rapidjson::Value& obj) {
  std::vector<std::string> out;
  const rapidjson::Value* v = FindPath(obj, {"metadata", "finalizers"});
  if (v == nullptr || !v->IsArray()) return out;
  for (const auto& f : v->GetArray()) {
    if (f.IsString()) out.emplace_back(AsStringView(f));
  }
  return out;
}

std::string Label(const rapidjson::Value& obj, std::string_view key, std::string_view fallback) {
  return StringIn(Labels(obj), key, fallback);
}
std::string Annotation(const rapidjson::Value& obj, std::string_view key,
                       std::string_view fallback) {
  return StringIn(Annotations(obj), key, fallback);
}

namespace {
OwnerReference ReadOwnerReference(const rapidjson::Value& r) {
  OwnerReference ref;
  ref.api_version = GetString(r, {"apiVersion"});
  ref.kind = GetString(r, {"kind"});
  ref.name = GetString(r, {"name"});
  ref.uid = GetString(r, {"uid"});
  ref.controller = GetBool(r, {"controller"});
  ref.block_owner_deletion = GetBool(r, {"blockOwnerDeletion"});
  return ref;
}
}  // namespace

std::vector<OwnerReference> GetOwnerReferences(const rapidjson::Value& obj) {
  std::vector<OwnerReference> out;
  const rapidjson::Value* refs = OwnerReferences(obj);
  if (refs == nullptr) return out;
  for (const auto& r : refs->GetArray()) {
    if (r.IsObject()) out.push_back(ReadOwnerReference(r));
  }
  return out;
}

bool GetControllerOf(const rapidjson::Value& obj, OwnerReference* out) {
  // Called by informer index functions on every event: only the controller's strings are copied.
  const rapidjson::Value* refs = OwnerReferences(obj);
  if (refs == nullptr) return false;
  for (const auto& r : refs->GetArray()) {
    if (!r.IsObject() || !GetBool(r, {"controller"})) continue;
    if (out != nullptr) *out = ReadOwnerReference(r);
    return true;
  }
  return false;
}

std::string GroupVersion::ToString() const {
  if (group.empty()) return version;
  return group + "/" + version;
}

GroupVersion ParseApiVersion(std::string_view api_version) {
  size_t slash = api_version.find('/');
  if (slash == std::string_view::npos) {
    return GroupVersion{"", std::string(api_version)};
  }
  std::string_view group = api_version.substr(0, slash);
  std::string_view version = api_version.substr(slash + 1);
  if (group.empty() || version.empty() || version.find('/') != std::string_view::npos) {
    return GroupVersion{};
  }
  return GroupVersion{std::string(group), std::string(version)};
}

GroupVersionKind GetGroupVersionKind(const rapidjson::Value& obj) {
  GroupVersion gv = ParseApiVersion(ApiVersion(obj));
  return GroupVersionKind{gv.group, gv.version, Kind(obj)};
}

}  // namespace tinyk8s::api
