#pragma once
// Strategic merge patch metadata from the schema table: the patchStrategy / patchMergeKey of
// the field at a path, for api::ApplyStrategicMergePatch.

#include <string>
#include <vector>

#include "api/patch.h"
#include "api/schema/schema.h"

namespace tinyk8s::api::schema {

// The field at `path` (member names from `root`, list indices omitted, map keys included), or
// nullptr when the path leaves the schema or ends at a map value.
const Field* ResolvePath(const Type& root, const std::vector<std::string>& path);

// PatchMeta of a field: merge lists (by key, or as a set of scalars) for patchStrategy merge,
// replace for patchStrategy replace, nullopt (atomic lists, merged maps) otherwise.
std::optional<PatchMeta> PatchMetaOf(const Field& field);

// A lookup over `root` (which must outlive it).
PatchMetaLookup SchemaPatchMeta(const Type& root);

}  // namespace tinyk8s::api::schema
