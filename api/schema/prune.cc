#include "api/schema/prune.h"

#include <unordered_map>

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

  Status Object(Value& obj, const Type& type, const std::string& path, int depth) {
    if (depth > kMaxDepth) return Status::BadRequest("json: exceeded max depth");
    // First pass: duplicates (keep the last occurrence, as Go's decoder does).
    if (obj.MemberCount() > 1) {
      std::unordered_map<std::string_view, int> count;
      for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it)
        ++count[AsStringView(it->name)];
      if (count.size() != obj.MemberCount()) {
        for (auto it = obj.MemberBegin(); it != obj.MemberEnd();) {
          std::string_view name = AsStringView(it->name);
          if (--count[name] > 0) {
            problems_->push_back("duplicate field \"" + Join(path, name) + "\"");
            it = obj.EraseMember(it);
          } else {
            ++it;
          }
        }
      }
    }
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd();) {
      std::string_view name = AsStringView(it->name);
      const Field* f = type.FindField(name);
      if (!f) {
        problems_->push_back("unknown field \"" + Join(path, name) + "\"");
        it = obj.EraseMember(it);
        continue;
      }
      if (it->value.IsNull()) {
        it = obj.EraseMember(it);
        continue;
      }
      TK_RETURN_IF_ERROR(FieldValue(it->value, *f, type, Join(path, name), depth));
      ++it;
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
