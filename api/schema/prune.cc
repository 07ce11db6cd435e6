#include "api/schema/prune.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include "api/quantity.h"
#include "common/clock.h"

namespace tinyk8s::api::schema {
namespace {

using rapidjson::Value;

constexpr int kMaxDepth = 200;

// JsonValueName is how Go's decoder describes a JSON value it could not store: its JSON type,
// and for a number going into a numeric Go type (out of range, or a fraction for an integer)
// the number itself ("number 1.5").
std::string JsonValueName(const Value& v, bool into_numeric) {
  if (v.IsString()) return "string";
  if (v.IsNumber()) return into_numeric ? "number " + ToJson(v) : "number";
  if (v.IsBool()) return "bool";
  if (v.IsArray()) return "array";
  if (v.IsObject()) return "object";
  return "null";
}

bool IsNumeric(ValueKind k) {
  return k == ValueKind::kInt32 || k == ValueKind::kInt64 || k == ValueKind::kDouble;
}

// GoTypeName is the Go type upstream's decoder names for a value of `f`: the whole field's type
// (`[]string`), or, for one item of a list or map field, the item's type (`string`).
std::string GoTypeName(const Field& f, bool item) {
  std::string elem;
  switch (f.kind) {
    case ValueKind::kString:
      elem = "string";
      break;
    case ValueKind::kInt32:
      elem = "int32";
      break;
    case ValueKind::kInt64:
      elem = "int64";
      break;
    case ValueKind::kBool:
      elem = "bool";
      break;
    case ValueKind::kDouble:
      elem = "float64";
      break;
    case ValueKind::kBytes:
      elem = "[]uint8";
      break;
    case ValueKind::kObject: {
      // Go's reflect name: the package's last element and the type ("v1.PodSpec").
      const std::string& n = f.type->name;
      elem = n.substr(n.find('.') + 1);
      break;
    }
    default:
      elem = std::string(SpecialTypeName(f.kind));
      elem = elem.substr(elem.rfind('.', elem.rfind('.') - 1) + 1);
  }
  if (item) return elem;
  if (f.container == Container::kList) return "[]" + elem;
  if (f.container == Container::kMap)
    return std::string("map[string]") + (f.list_values ? "[]" : "") + elem;
  return elem;
}

// GoKindName is the Go kind encoding/json decodes a JSON value to, as the unstructured
// converter names it.
std::string GoKindName(const Value& v) {
  if (v.IsString()) return "string";
  if (v.IsBool()) return "bool";
  if (v.IsInt64()) return "int64";
  if (v.IsNumber()) return "float64";
  if (v.IsArray()) return "slice";
  return "map";
}

// ConverterMismatch words a value of the wrong type as upstream's unstructured converter does
// (runtime.fromUnstructured): containers and structs name the kind they cannot be restored
// from; scalars are "unrecognized" unless Go could convert the kind but JSON may not (an integer
// into a string, a fraction into an integer). `whole`: the value is the whole list or map field.
std::string ConverterMismatch(const Value& v, const Field& f, bool whole) {
  if (whole && f.container == Container::kList) return "cannot restore slice from " + GoKindName(v);
  if (whole && f.container == Container::kMap) return "cannot restore map from " + GoKindName(v);
  if (f.kind == ValueKind::kObject || f.kind == ValueKind::kFieldsV1) {
    return "cannot restore struct from: " + GoKindName(v);
  }
  if (f.kind == ValueKind::kBytes) return "cannot restore slice from " + GoKindName(v);
  std::string into = GoTypeName(f, true);
  if (v.IsInt64() && f.kind == ValueKind::kString) return "cannot convert int64 to " + into;
  if (v.IsNumber() && !v.IsInt64() && IsNumeric(f.kind)) return "cannot convert float64 to " + into;
  return "unrecognized type: " + into;
}

class Pruner {
 public:
  Pruner(Allocator& a, std::vector<std::string>* problems, Decoder decoder = Decoder::kJson)
      : a_(a), problems_(problems), decoder_(decoder) {}

  // One pass in document order, reporting as Go's strict decoder does: an unknown name once,
  // a known name met again as a duplicate whose last value wins. Two paths are kept: `path`
  // (with list indexes and map keys) names fields in unknown/duplicate reports, as the strict
  // decoder does; the stack of struct field names alone names them in type errors, as Go's
  // decoder does ("spec.containers.name", never "spec.containers[0].name"). Kept members are moved
  // towards the front and the dropped ones erased at the end in one go, so bodies with very
  // many unknown members stay linear (erasing members one by one shifts the rest each time).
  Status Object(Value& obj, const Type& type, const std::string& path, int depth) {
    if (depth > kMaxDepth) return Status::BadRequest("json: exceeded max depth");
    const bool repeats = HasRepeatedMemberNames(obj);  // rare: then per-name bookkeeping
    // Only when names repeat: slot of each kept name, and the unknown names reported.
    std::unordered_map<std::string, rapidjson::SizeType> slots;
    std::unordered_set<std::string> unknown;
    const rapidjson::SizeType n = obj.MemberCount();
    rapidjson::SizeType kept = 0;
    bool nulls = false;
    for (rapidjson::SizeType r = 0; r < n; ++r) {
      auto& member = obj.MemberBegin()[r];
      std::string_view name = AsStringView(member.name);
      const Field* f = type.FindField(name);
      if (!f) {
        if (!repeats || unknown.emplace(name).second) {
          problems_->push_back("unknown field \"" + Join(path, name) + "\"");
        }
        continue;
      }
      std::string field_path = Join(path, name);
      rapidjson::SizeType slot = kept;
      if (repeats) {
        auto [at, fresh] = slots.emplace(std::string(name), kept);
        if (!fresh) {
          problems_->push_back("duplicate field \"" + field_path + "\"");
          slot = at->second;
        }
      }
      if (member.value.IsNull()) {
        nulls = true;  // Go decodes null to the zero value, which is then omitted
      } else {
        go_fields_.push_back(name);
        Status s = FieldValue(member.value, *f, type, field_path, depth);
        go_fields_.pop_back();
        TK_RETURN_IF_ERROR(s);
      }
      auto& into = obj.MemberBegin()[slot];
      if (slot == kept) {
        if (slot != r) into.name.Swap(member.name);
        ++kept;
      }
      if (slot != r) into.value.Swap(member.value);
    }
    if (kept < n) obj.EraseMember(obj.MemberBegin() + kept, obj.MemberEnd());
    if (nulls) {
      // At most one member per field of the type is left; erasing one by one is fine.
      for (auto it = obj.MemberBegin(); it != obj.MemberEnd();) {
        it = it->value.IsNull() ? obj.EraseMember(it) : it + 1;
      }
    }
    return Status::OK();
  }

  Status FieldValue(Value& v, const Field& f, const Type& parent, const std::string& path,
                    int depth) {
    if (f.container == Container::kList) {
      if (!v.IsArray()) return Mismatch(v, f, false, parent);
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        if (v[i].IsNull()) continue;
        TK_RETURN_IF_ERROR(
            Element(v[i], f, true, parent, path + "[" + std::to_string(i) + "]", depth));
      }
      return Status::OK();
    }
    if (f.container == Container::kMap) {
      if (!v.IsObject()) return Mismatch(v, f, false, parent);
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        if (it->value.IsNull()) continue;
        std::string key_path = path + "." + std::string(AsStringView(it->name));
        if (!f.list_values) {
          TK_RETURN_IF_ERROR(Element(it->value, f, true, parent, key_path, depth));
          continue;
        }
        if (!it->value.IsArray()) return Mismatch(it->value, f, false, parent);
        for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
          TK_RETURN_IF_ERROR(Element(it->value[i], f, true, parent,
                                     key_path + "[" + std::to_string(i) + "]", depth));
        }
      }
      return Status::OK();
    }
    return Element(v, f, false, parent, path, depth);
  }

 private:
  // Element checks one value of `f` (`item`: one item of a list or map field). Types with their
  // own JSON decoding in upstream (quantity, time, int-or-string) word their errors themselves.
  Status Element(Value& v, const Field& f, bool item, const Type& parent, const std::string& path,
                 int depth) {
    switch (f.kind) {
      case ValueKind::kString:
      case ValueKind::kBytes:
        return v.IsString() ? Status::OK() : Mismatch(v, f, item, parent);
      case ValueKind::kInt32:
        if (WholeNumberForConverter(v, INT32_MIN, INT32_MAX)) return Status::OK();
        return v.IsInt() ? Status::OK() : Mismatch(v, f, item, parent);
      case ValueKind::kInt64:
        if (WholeNumberForConverter(v, -9.2e18, 9.2e18)) return Status::OK();
        return v.IsInt64() ? Status::OK() : Mismatch(v, f, item, parent);
      case ValueKind::kBool:
        return v.IsBool() ? Status::OK() : Mismatch(v, f, item, parent);
      case ValueKind::kDouble:
        return v.IsNumber() ? Status::OK() : Mismatch(v, f, item, parent);
      case ValueKind::kQuantity:
        // resource.Quantity parses any JSON text it is given, quotes stripped.
        if (v.IsNumber()) return Status::OK();
        if (!v.IsString() || !Quantity::Parse(AsStringView(v)).ok()) {
          return Status::BadRequest(
              "quantities must match the regular expression "
              "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        }
        return Status::OK();
      case ValueKind::kIntOrString:
        // intstr.IntOrString decodes anything but a string into an int32 on its own.
        if (v.IsString() || v.IsInt()) return Status::OK();
        return Status::BadRequest("json: cannot unmarshal " + JsonValueName(v, true) +
                                  " into Go value of type int32");
      case ValueKind::kTime:
      case ValueKind::kMicroTime: {
        // metav1.Time and MicroTime decode a string on their own first.
        if (!v.IsString()) {
          return Status::BadRequest("json: cannot unmarshal " + JsonValueName(v, false) +
                                    " into Go value of type string");
        }
        Clock::TimePoint t;
        if (!ParseRfc3339(v.GetString(), &t)) {
          return Status::BadRequest("parsing time " + ToJson(v) +
                                    " as \"2006-01-02T15:04:05Z07:00\": cannot parse " + ToJson(v) +
                                    " as \"2006\"");
        }
        return Status::OK();
      }
      case ValueKind::kDuration:
        if (v.IsString()) return Status::OK();
        return Status::BadRequest("json: cannot unmarshal " + JsonValueName(v, false) +
                                  " into Go value of type string");
      case ValueKind::kRawExtension:
        return Status::OK();
      case ValueKind::kFieldsV1:
        return v.IsObject() ? Status::OK() : Mismatch(v, f, item, parent);
      case ValueKind::kObject:
        if (!v.IsObject()) return Mismatch(v, f, item, parent);
        return Object(v, *f.type, path, depth + 1);
    }
    return Status::OK();
  }

  // The unstructured converter takes a float with no fraction (2.0) for an integer, where
  // Go's JSON decoder refuses it; it is stored as the integer.
  bool WholeNumberForConverter(Value& v, double min, double max) {
    if (decoder_ != Decoder::kUnstructured || !v.IsDouble()) return false;
    double d = v.GetDouble();
    if (d != std::trunc(d) || d < min || d > max) return false;
    v.SetInt64(static_cast<int64_t>(d));
    return true;
  }

  // Mismatch words a value of the wrong JSON type as Go's decoder does: the innermost struct,
  // the struct field names leading to the value, and the Go type it could not go into.
  Status Mismatch(const Value& v, const Field& f, bool item, const Type& parent) {
    if (decoder_ == Decoder::kUnstructured) {
      return Status::BadRequest(ConverterMismatch(v, f, !item && f.container != Container::kNone));
    }
    std::string struct_name = parent.name.substr(parent.name.rfind('.') + 1);
    std::string fields;
    for (std::string_view name : go_fields_) {
      if (!fields.empty()) fields += '.';
      fields += name;
    }
    // A number is named with its value only when it went into a number (an int too big, or
    // a fraction for an integer); into a list, a map or a string it is just "number".
    const bool numeric = (item || f.container == Container::kNone) && IsNumeric(f.kind);
    return Status::BadRequest("json: cannot unmarshal " + JsonValueName(v, numeric) +
                              " into Go struct field " + struct_name + "." + fields + " of type " +
                              GoTypeName(f, item));
  }

  static std::string Join(const std::string& path, std::string_view name) {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
  }

  Allocator& a_;
  std::vector<std::string>* problems_;
  std::vector<std::string_view> go_fields_;  // struct field names down to the current value
  Decoder decoder_;
};

}  // namespace

Status PruneObject(Value& obj, const Type& type, Allocator& a, std::vector<std::string>* problems,
                   Decoder decoder) {
  if (!obj.IsObject()) return Status::BadRequest("the body of the request was not a JSON object");
  const size_t before = problems->size();
  Pruner p(a, problems, decoder);
  TK_RETURN_IF_ERROR(p.Object(obj, type, "", 0));
  if (decoder == Decoder::kUnstructured) std::sort(problems->begin() + before, problems->end());
  return Status::OK();
}

Status PruneValue(Value& v, const Field& field, const std::string& path, Allocator& a,
                  std::vector<std::string>* problems) {
  Pruner p(a, problems);
  Type parent;
  parent.name = "value";
  return p.FieldValue(v, field, parent, path, 0);
}

}  // namespace tinyk8s::api::schema
