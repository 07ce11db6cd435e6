#pragma once
// Schema-driven operations on objects for server-side apply (upstream structured-merge-diff
// typed.TypedValue): the field set of an object, the comparison of two versions, the apply
// merge and the removal of fields. The shape of each value comes from the schema table:
// structs, granular maps, associative lists (x-kubernetes-list-type=map, or patch strategy
// merge with a merge key), set lists, and atomic values (scalars, x-kubernetes-list-type=atomic,
// map-type/struct-type atomic, and lists without a list type). Values outside the schema are
// "deduced": objects are granular maps, arrays are atomic.
//
// metadata.managedFields is never part of a field set. All functions are linear in the size
// of the values (associative lists are indexed by key). Stateless; thread-safe.

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "api/schema/schema.h"
#include "api/ssa/field_set.h"

namespace tinyk8s::api::ssa {

// The set of fields `obj` sets (upstream ToFieldSet): leaves, atomic values, empty maps and
// nulls are members, and so is every item of an associative or set list. `type` may be null
// (deduced).
FieldSet ToFieldSet(const schema::Type* type, const rapidjson::Value& obj);

struct Comparison {
  FieldSet added;     // in `now` only
  FieldSet modified;  // leaves in both with different values
  FieldSet removed;   // in `old` only
  bool Empty() const { return added.Empty() && modified.Empty() && removed.Empty(); }
};

// Compares two versions of an object. Items added or removed are reported with their whole
// subtree; so are optional structs and maps that appear or disappear (upstream records those
// with ".": {}). `old` may be null (creation). Quantities compare by value ("150m" == 0.15).
Comparison Compare(const schema::Type* type, const rapidjson::Value* old,
                   const rapidjson::Value& now);

// Merges an applied configuration into `live`: structs and granular maps merge by member,
// associative lists by key, set lists by value; atomic values and scalars are replaced; null
// removes. A live value equal to the applied one (quantities by value) is kept as is.
void Merge(const schema::Type* type, rapidjson::Value& live, const rapidjson::Value& config,
           rapidjson::Document::AllocatorType& a);

// Removes every member path of `set` from `obj` (fields, list items, set values). Granular maps
// left empty by the removal are dropped, as upstream's Go types omit empty maps.
void RemoveItems(const schema::Type* type, rapidjson::Value& obj, const FieldSet& set);

// One problem typing an applied configuration against the schema, in upstream's
// (structured-merge-diff's) words: "field not declared in schema", "expected numeric (int or
// float), got string", "expected string, got &value.valueUnstructured{Value:5}".
struct TypedError {
  Path path;
  std::string message;
};

// The problems upstream finds typing an applied configuration, in document order. Like
// upstream's validator, only the first undeclared member of each object is reported (the rest
// of that object goes unchecked); nulls are fine anywhere; raw extensions are opaque.
std::vector<TypedError> TypeErrors(const schema::Type& type, const rapidjson::Value& obj);

// Upstream's rendering: ".spec.replicas: expected numeric (int or float), got string", or
// "errors:\n  <one per line>" for several.
std::string TypeErrorsMessage(const std::vector<TypedError>& errors);

// Paths of the members of an applied configuration that `type` does not declare (upstream
// "field not declared in schema"), in document order. Like upstream's validator, only the
// first undeclared member of each object is reported. Atomic structs and lists are checked
// too (their items by index); raw extensions are opaque.
std::vector<Path> UndeclaredFields(const schema::Type& type, const rapidjson::Value& obj);

// Upstream's rendering of UndeclaredFields: ".spec.foo: field not declared in schema", or
// "errors:\n  <one per line>" for several.
std::string UndeclaredFieldsMessage(const std::vector<Path>& paths);

}  // namespace tinyk8s::api::ssa
