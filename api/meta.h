#pragma once
// Read accessors for metadata of an object held as JSON, and GroupVersionKind helpers.
// Missing or mistyped fields read as empty / zero / nullptr: these never fail.

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tinyk8s::api {

std::string Name(const rapidjson::Value& obj);
std::string Namespace(const rapidjson::Value& obj);
std::string GenerateNameOf(const rapidjson::Value& obj);
std::string Uid(const rapidjson::Value& obj);
std::string ResourceVersion(const rapidjson::Value& obj);
int64_t Generation(const rapidjson::Value& obj);
std::string CreationTimestamp(const rapidjson::Value& obj);
std::string ApiVersion(const rapidjson::Value& obj);
std::string Kind(const rapidjson::Value& obj);
// metadata.labels / annotations objects, or nullptr when absent or not objects.
const rapidjson::Value* Labels(const rapidjson::Value& obj);
const rapidjson::Value* Annotations(const rapidjson::Value& obj);
// metadata.ownerReferences array, or nullptr.
const rapidjson::Value* OwnerReferences(const rapidjson::Value& obj);
bool HasDeletionTimestamp(const rapidjson::Value& obj);
std::vector<std::string> Finalizers(const rapidjson::Value& obj);
// Value of one label/annotation, or `fallback`.
std::string Label(const rapidjson::Value& obj, std::string_view key,
                  std::string_view fallback = "");
std::string Annotation(const rapidjson::Value& obj, std::string_view key,
                       std::string_view fallback = "");

struct OwnerReference {
  std::string api_version, kind, name, uid;
  bool controller = false;
  bool block_owner_deletion = false;
};
std::vector<OwnerReference> GetOwnerReferences(const rapidjson::Value& obj);
// The ownerReference with controller=true, if any.
bool GetControllerOf(const rapidjson::Value& obj, OwnerReference* out);

struct GroupVersion {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  bool operator==(const GroupVersion&) const = default;
  // "v1" for core, "apps/v1" otherwise.
  std::string ToString() const;
};

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;
  bool operator==(const GroupVersionKind&) const = default;
  std::string ApiVersion() const { return GroupVersion{group, version}.ToString(); }
};

// "apps/v1" -> {apps, v1}; "v1" -> {"", v1}. Anything with more than one '/' or an empty part
// yields an empty GroupVersion (callers report `apiVersion` as invalid).
GroupVersion ParseApiVersion(std::string_view api_version);
// From the object's apiVersion + kind.
GroupVersionKind GetGroupVersionKind(const rapidjson::Value& obj);

}  // namespace tinyk8s::api
