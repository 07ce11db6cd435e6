#pragma once
// The schema table: one Type per served kind and per nested type they use (DESIGN.md rule 4).
// It drives pruning and strict field validation, strategic merge patch metadata, server-side
// apply, protobuf request decoding and the OpenAPI documents.
//
// The table is text (api/schema/tables/*.schema, compiled in), parsed once on first use:
//
//   type <group>.<version>.<Name> [gvk=<group>/<version>/<Kind>] [st=atomic]
//     <jsonName> <protoNumber> <type> [flags...]
//
// <type> is a scalar (string int32 int64 bool double bytes), a special type (quantity intstr
// time microtime duration rawext fieldsv1) or a type name, optionally prefixed by `[]` (list),
// `{}` (map with string keys; `{}[]` a map of lists, upstream's map[string]ExtraValue) or `*`
// (pointer: zero values are meaningful). Flags: `req`
// (required), `inline` (members appear in the parent object), `ps=` patch strategy, `pmk=`
// patch merge key, `lt=` list type, `lk=` list map keys (comma separated), `mt=` map type.
// Protocol number 0 means the field is not in the protobuf message (apiVersion, kind).
// Descriptions are ours (tables/descriptions.txt: `<type>[.<field>] <text>` per line).
//
// Thread-safe: the table is immutable after parsing.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace tinyk8s::api::schema {

enum class ValueKind : uint8_t {
  kString,
  kInt32,
  kInt64,
  kBool,
  kDouble,
  kBytes,         // base64 string in JSON
  kQuantity,      // resource.Quantity: string (numbers accepted)
  kIntOrString,   // intstr.IntOrString
  kTime,          // metav1.Time: RFC 3339 string, seconds
  kMicroTime,     // metav1.MicroTime: RFC 3339 string, microseconds
  kDuration,      // metav1.Duration: Go duration string
  kRawExtension,  // runtime.RawExtension: any JSON
  kFieldsV1,      // metav1.FieldsV1: any JSON object
  kObject,        // a struct Type
};

enum class Container : uint8_t { kNone, kList, kMap };

struct Type;

struct Field {
  std::string name;  // JSON name
  int proto_number = 0;
  Container container = Container::kNone;
  ValueKind kind = ValueKind::kString;
  const Type* type = nullptr;  // set when kind == kObject
  bool pointer = false;
  bool required = false;
  bool inlined = false;
  std::string patch_strategy;  // "", merge, "merge,retainKeys", replace, retainKeys
  std::string patch_merge_key;
  std::string list_type;  // "", atomic, set, map
  std::vector<std::string> list_map_keys;
  std::string map_type;  // "", atomic, granular
  // Map values are atomic lists of the element type (`{}[]string`: user.Info's extra). On the
  // wire each value is a message wrapping the list as its repeated field 1.
  bool list_values = false;
  std::string description;

  // The type name as written in the table (element type for lists and maps).
  std::string type_name;
};

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;
};

struct Type {
  std::string name;          // core.v1.PodSpec
  std::string openapi_name;  // io.k8s.api.core.v1.PodSpec
  std::string description;
  std::string struct_type;  // "" or atomic
  std::vector<Field> fields;
  std::vector<GroupVersionKind> gvks;

  // JSON member lookup, looking through inlined fields. nullptr when unknown.
  const Field* FindField(std::string_view json_name) const;
  // The field with this protobuf number (inlined fields are returned themselves).
  const Field* FindProto(int number) const;

  std::unordered_map<std::string_view, const Field*> by_json;  // filled by the parser
  std::unordered_map<int, const Field*> by_proto;
};

class SchemaTable {
 public:
  // Parses table texts and the description text. Errors: kInternal naming the line (a broken
  // table is a build defect, reported by the unit tests).
  static Result<std::unique_ptr<SchemaTable>> Parse(const std::vector<std::string_view>& tables,
                                                    std::string_view descriptions);

  const Type* Find(std::string_view name) const;
  const Type* ForKind(std::string_view group, std::string_view version,
                      std::string_view kind) const;
  const std::vector<std::unique_ptr<Type>>& types() const { return types_; }

 private:
  std::vector<std::unique_ptr<Type>> types_;
  std::unordered_map<std::string, const Type*> by_name_;
};

// The compiled-in table of every kind tinyk8s serves. Parsed on first call (about a
// millisecond); aborts the process if the compiled-in table is broken.
const SchemaTable& BuiltinSchemas();

// OpenAPI definition name of a special value kind ("io.k8s.apimachinery.pkg.api.resource.
// Quantity"), or "" for scalars and objects.
std::string_view SpecialTypeName(ValueKind kind);

}  // namespace tinyk8s::api::schema
