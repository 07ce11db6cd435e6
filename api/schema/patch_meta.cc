#include "api/schema/patch_meta.h"

namespace tinyk8s::api::schema {

const Field* ResolvePath(const Type& root, const std::vector<std::string>& path) {
  const Type* type = &root;
  const Field* field = nullptr;
  bool at_map_value = false;
  for (const std::string& segment : path) {
    if (field && field->container == Container::kMap && !at_map_value) {
      at_map_value = true;  // this segment is a map key
      continue;
    }
    if (field) {
      if (field->kind != ValueKind::kObject) return nullptr;
      type = field->type;
    }
    field = type->FindField(segment);
    at_map_value = false;
    if (!field) return nullptr;
  }
  return at_map_value ? nullptr : field;
}

std::optional<PatchMeta> PatchMetaOf(const Field& field) {
  const std::string& ps = field.patch_strategy;
  if (ps.empty()) return std::nullopt;
  PatchMeta meta;
  if (ps.find("merge") != std::string::npos) {
    meta.strategy = ps.find("retainKeys") != std::string::npos ? PatchMeta::kMergeRetainKeys
                                                               : PatchMeta::kMerge;
    meta.merge_key = field.patch_merge_key;
    meta.primitive_list_merge =
        field.container == Container::kList && field.kind != ValueKind::kObject;
    return meta;
  }
  if (ps == "replace") {
    meta.strategy = PatchMeta::kReplace;
    return meta;
  }
  return std::nullopt;  // retainKeys alone: handled by the $retainKeys directive itself
}

PatchMetaLookup SchemaPatchMeta(const Type& root) {
  return [&root](const std::vector<std::string>& path) -> std::optional<PatchMeta> {
    const Field* f = ResolvePath(root, path);
    if (!f) return std::nullopt;
    return PatchMetaOf(*f);
  };
}

}  // namespace tinyk8s::api::schema
