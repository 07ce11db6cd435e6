#include "api/schema/prune.h"

#include <unordered_map>
#include <unordered_set>

#include "api/quantity.h"
#include "common/clock.h"

namespace tinyk8s::api::schema {
namespace {

using rapidjson::Value;

constexpr int kMaxDepth = 200;

const char* JsonTypeName(const Value& v) {
  if (v.IsString()) return "string";
  if (v.IsNumber()) return "number";
  if (v.IsBool()) return "bool";
  if (v.IsArray()) return "array";
  if (v.IsObject()) return "object";
  return "null";
}

std::string GoTypeName(const Field& f) {
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
  if (f.container == Container::kList) return "[]" + elem;
  if (f.container == Container::kMap) return "map[string]" + elem;
  return elem;
}

class Pruner {
 public:
  Pruner(Allocator& a, std::vector<std::string>* problems) : a_(a), problems_(problems) {}

  // One pass in document order, reporting as Go's strict decoder does: an unknown name once,
  // a known name met again as a duplicate whose last value wins. Kept members are moved
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
        TK_RETURN_IF_ERROR(FieldValue(member.value, *f, type, field_path, depth));
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
      if (!v.IsArray()) return Mismatch(v, f, parent, path);
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        if (v[i].IsNull()) continue;
        TK_RETURN_IF_ERROR(Element(v[i], f, parent, path + "[" + std::to_string(i) + "]", depth));
      }
      return Status::OK();
    }
    if (f.container == Container::kMap) {
      if (!v.IsObject()) return Mismatch(v, f, parent, path);
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        if (it->value.IsNull()) continue;
        TK_RETURN_IF_ERROR(
            Element(it->value, f, parent, path + "." + std::string(AsStringView(it->name)), depth));
      }
      return Status::OK();
    }
    return Element(v, f, parent, path, depth);
  }

 private:
  Status Element(Value& v, const Field& f, const Type& parent, const std::string& path, int depth) {
    switch (f.kind) {
      case ValueKind::kString:
      case ValueKind::kBytes:
        return v.IsString() ? Status::OK() : Mismatch(v, f, parent, path);
      case ValueKind::kInt32:
        return v.IsInt() ? Status::OK() : Mismatch(v, f, parent, path);
      case ValueKind::kInt64:
        return v.IsInt64() ? Status::OK() : Mismatch(v, f, parent, path);
      case ValueKind::kBool:
        return v.IsBool() ? Status::OK() : Mismatch(v, f, parent, path);
      case ValueKind::kDouble:
        return v.IsNumber() ? Status::OK() : Mismatch(v, f, parent, path);
      case ValueKind::kQuantity:
        if (v.IsNumber()) return Status::OK();
        if (!v.IsString()) return Mismatch(v, f, parent, path);
        if (!Quantity::Parse(AsStringView(v)).ok()) {
          return Status::BadRequest(
              "quantities must match the regular expression "
              "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        }
        return Status::OK();
      case ValueKind::kIntOrString:
        return v.IsString() || v.IsInt() ? Status::OK() : Mismatch(v, f, parent, path);
      case ValueKind::kTime:
      case ValueKind::kMicroTime: {
        if (!v.IsString()) return Mismatch(v, f, parent, path);
        Clock::TimePoint t;
        if (!ParseRfc3339(v.GetString(), &t)) {
          return Status::BadRequest("parsing time " + ToJson(v) +
                                    " as \"2006-01-02T15:04:05Z07:00\": cannot parse " + ToJson(v) +
                                    " as \"2006\"");
        }
        return Status::OK();
      }
      case ValueKind::kDuration:
        return v.IsString() ? Status::OK() : Mismatch(v, f, parent, path);
      case ValueKind::kRawExtension:
        return Status::OK();
      case ValueKind::kFieldsV1:
        return v.IsObject() ? Status::OK() : Mismatch(v, f, parent, path);
      case ValueKind::kObject:
        if (!v.IsObject()) return Mismatch(v, f, parent, path);
        return Object(v, *f.type, path, depth + 1);
    }
    return Status::OK();
  }

  Status Mismatch(const Value& v, const Field& f, const Type& parent, const std::string& path) {
    std::string struct_name = parent.name.substr(parent.name.rfind('.') + 1);
    std::string what = JsonTypeName(v);
    if (v.IsNumber()) what = "number " + ToJson(v);
    return Status::BadRequest("json: cannot unmarshal " + what + " into Go struct field " +
                              struct_name + "." + path + " of type " + GoTypeName(f));
  }

  static std::string Join(const std::string& path, std::string_view name) {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
  }

  Allocator& a_;
  std::vector<std::string>* problems_;
};

}  // namespace

Status PruneObject(Value& obj, const Type& type, Allocator& a, std::vector<std::string>* problems) {
  if (!obj.IsObject()) return Status::BadRequest("the body of the request was not a JSON object");
  Pruner p(a, problems);
  return p.Object(obj, type, "", 0);
}

Status PruneValue(Value& v, const Field& field, const std::string& path, Allocator& a,
                  std::vector<std::string>* problems) {
  Pruner p(a, problems);
  Type parent;
  parent.name = "value";
  return p.FieldValue(v, field, parent, path, 0);
}

}  // namespace tinyk8s::api::schema
