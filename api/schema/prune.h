#pragma once
// Pruning and strict field checks of request objects against the schema table, as upstream's
// strict JSON decoder does for built-in types: members the schema does not know are removed
// (never stored) and reported as `unknown field "spec.foo"`; repeated members are reported as
// `duplicate field "metadata.name"` (the last one wins); JSON nulls are dropped (Go decodes them
// to zero values that are then omitted); values of the wrong JSON type are errors whatever
// the field validation mode.

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "api/json.h"
#include "api/schema/schema.h"
#include "common/status.h"

namespace tinyk8s::api::schema {

// Prunes `obj` (an object of `type`) in place. Appends one message per unknown or duplicate
// field to *problems, in document order. Errors: kBadRequest
// ("json: cannot unmarshal string into Go struct field PodSpec.spec.nodeName of type ...")
// for type mismatches; the object may then be partially pruned.
//
// `decoder` picks whose words type errors are in: Go's JSON decoder (request bodies, JSON and
// merge patches) or upstream's unstructured converter, which decodes the result of a strategic
// merge patch ("cannot convert int64 to string", "cannot restore slice from string") and reports
// unknown fields sorted.
enum class Decoder { kJson, kUnstructured };
Status PruneObject(rapidjson::Value& obj, const Type& type, Allocator& a,
                   std::vector<std::string>* problems, Decoder decoder = Decoder::kJson);

// Same, for a value of `field` at `path` (used for subtrees such as a status or a list item).
Status PruneValue(rapidjson::Value& v, const Field& field, const std::string& path, Allocator& a,
                  std::vector<std::string>* problems);

}  // namespace tinyk8s::api::schema
