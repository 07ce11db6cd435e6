#pragma once
// Patch application for PATCH requests: RFC 6902 JSON patch, RFC 7386 merge patch and
// Kubernetes strategic merge patch (driven by per-field list merge metadata).
// All functions mutate in place; on error the target may be partially modified, so callers
// apply patches to a copy and discard it on failure.

#include <rapidjson/document.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace tinyk8s::api {

// RFC 6902. `patch_ops` must be an array of operation objects. Errors: kBadRequest for a
// malformed patch (not an array, missing/unknown op, bad pointer syntax); kInvalid when an
// operation does not apply (missing path, index out of range, failed `test`), matching the
// apiserver's 422 for patches that cannot be applied.
Status ApplyJsonPatch(rapidjson::Document& doc, const rapidjson::Value& patch_ops);

// RFC 7386: objects merge recursively, null deletes, everything else replaces.
void ApplyMergePatch(rapidjson::Value& target, const rapidjson::Value& patch,
                     rapidjson::Document::AllocatorType& a);

// How a field (a list or a map) merges under strategic merge patch; upstream's
// `patchStrategy`/`patchMergeKey` struct tags.
struct PatchMeta {
  std::string merge_key;  // empty: no merge key
  enum Strategy {
    kReplace,          // atomic: the patch value replaces the list
    kMerge,            // lists merge (by merge_key, or as a set of primitives)
    kMergeRetainKeys,  // "merge,retainKeys": like kMerge, and $retainKeys is honoured
  } strategy = kReplace;
  bool primitive_list_merge = false;  // list of scalars merged as a set (e.g. finalizers)
};

// Returns the meta of the field at `path` (field names from the object root, list indices
// omitted: {"spec","template","spec","containers"}), or nullopt when the field has none
// (lists then replace atomically, maps merge).
using PatchMetaLookup =
    std::function<std::optional<PatchMeta>(const std::vector<std::string>& path)>;

// Kubernetes strategic merge patch: maps merge recursively, null deletes, lists merge per
// `meta`; supports `$patch: replace|delete|merge`, `$retainKeys`, `$setElementOrder/<field>`
// and `$deleteFromPrimitiveList/<field>`. Errors: kBadRequest on malformed directives or
// items lacking their merge key.
Status ApplyStrategicMergePatch(rapidjson::Value& target, const rapidjson::Value& patch,
                                rapidjson::Document::AllocatorType& a, const PatchMetaLookup& meta);

// Built-in merge metadata for the kinds tinyk8s serves (Pod and pod templates in workloads,
// Node, Service, Endpoints, EndpointSlice, Namespace, Event, ...), from upstream's
// patchStrategy/patchMergeKey tags. Paths are matched by their suffix pattern so pod specs
// work at any depth (Pod.spec, DaemonSet.spec.template.spec, ...).
PatchMetaLookup DefaultPatchMeta();

}  // namespace tinyk8s::api
