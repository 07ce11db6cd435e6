#include "api/schema/schema.h"

#include <cstdlib>
#include <functional>
#include <iostream>

#include "api/schema/schema_data.h"

namespace tinyk8s::api::schema {
namespace {

struct Special {
  std::string_view token;
  ValueKind kind;
  std::string_view openapi_name;
};

constexpr Special kSpecials[] = {
    {"string", ValueKind::kString, ""},
    {"int32", ValueKind::kInt32, ""},
    {"int64", ValueKind::kInt64, ""},
    {"bool", ValueKind::kBool, ""},
    {"double", ValueKind::kDouble, ""},
    {"bytes", ValueKind::kBytes, ""},
    {"quantity", ValueKind::kQuantity, "io.k8s.apimachinery.pkg.api.resource.Quantity"},
    {"intstr", ValueKind::kIntOrString, "io.k8s.apimachinery.pkg.util.intstr.IntOrString"},
    {"time", ValueKind::kTime, "io.k8s.apimachinery.pkg.apis.meta.v1.Time"},
    {"microtime", ValueKind::kMicroTime, "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"},
    {"duration", ValueKind::kDuration, "io.k8s.apimachinery.pkg.apis.meta.v1.Duration"},
    {"rawext", ValueKind::kRawExtension, "io.k8s.apimachinery.pkg.runtime.RawExtension"},
    {"fieldsv1", ValueKind::kFieldsV1, "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1"},
};

std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::vector<std::string> SplitComma(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string OpenApiName(std::string_view name) {
  if (name.starts_with("meta.")) return "io.k8s.apimachinery.pkg.apis." + std::string(name);
  return "io.k8s.api." + std::string(name);
}

Status LineError(int line, std::string_view what) {
  return Status::Internal("schema table line " + std::to_string(line) + ": " + std::string(what));
}

Status ParseGvk(std::string_view spec, Type& type) {
  // group/version/Kind with an empty group for core: "/v1/Pod".
  size_t a = spec.find('/');
  size_t b = a == std::string_view::npos ? a : spec.find('/', a + 1);
  if (b == std::string_view::npos) return Status::Internal("bad gvk " + std::string(spec));
  type.gvks.push_back({std::string(spec.substr(0, a)), std::string(spec.substr(a + 1, b - a - 1)),
                       std::string(spec.substr(b + 1))});
  return Status::OK();
}

Status ParseField(const std::vector<std::string_view>& w, Field& f) {
  if (w.size() < 3) return Status::Internal("field needs name, number and type");
  f.name = std::string(w[0]);
  f.proto_number = std::atoi(std::string(w[1]).c_str());
  std::string_view t = w[2];
  if (t.starts_with("[]")) {
    f.container = Container::kList;
    t.remove_prefix(2);
  } else if (t.starts_with("{}")) {
    f.container = Container::kMap;
    t.remove_prefix(2);
    if (t.starts_with("[]")) {
      f.list_values = true;
      t.remove_prefix(2);
    }
  } else if (t.starts_with("*")) {
    f.pointer = true;
    t.remove_prefix(1);
  }
  f.type_name = std::string(t);
  f.kind = ValueKind::kObject;
  for (const Special& s : kSpecials) {
    if (s.token == t) f.kind = s.kind;
  }
  for (size_t i = 3; i < w.size(); ++i) {
    std::string_view flag = w[i];
    if (flag == "req") {
      f.required = true;
    } else if (flag == "inline") {
      f.inlined = true;
    } else if (flag.starts_with("ps=")) {
      f.patch_strategy = std::string(flag.substr(3));
    } else if (flag.starts_with("pmk=")) {
      f.patch_merge_key = std::string(flag.substr(4));
    } else if (flag.starts_with("lt=")) {
      f.list_type = std::string(flag.substr(3));
    } else if (flag.starts_with("lk=")) {
      f.list_map_keys = SplitComma(flag.substr(3));
    } else if (flag.starts_with("mt=")) {
      f.map_type = std::string(flag.substr(3));
    } else {
      return Status::Internal("unknown flag " + std::string(flag));
    }
  }
  return Status::OK();
}

}  // namespace

const Field* Type::FindField(std::string_view json_name) const {
  auto it = by_json.find(json_name);
  return it == by_json.end() ? nullptr : it->second;
}

const Field* Type::FindProto(int number) const {
  auto it = by_proto.find(number);
  return it == by_proto.end() ? nullptr : it->second;
}

std::string_view SpecialTypeName(ValueKind kind) {
  for (const Special& s : kSpecials) {
    if (s.kind == kind) return s.openapi_name;
  }
  return "";
}

Result<std::unique_ptr<SchemaTable>> SchemaTable::Parse(const std::vector<std::string_view>& tables,
                                                        std::string_view descriptions) {
  auto table = std::make_unique<SchemaTable>();
  int line_no = 0;
  for (std::string_view text : tables) {
    Type* current = nullptr;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (line.empty() || line[0] == '#') continue;
      auto words = SplitWords(line);
      if (words.empty()) continue;
      if (line[0] != ' ') {
        if (words[0] != "type" || words.size() < 2) return LineError(line_no, "expected type");
        auto type = std::make_unique<Type>();
        type->name = std::string(words[1]);
        type->openapi_name = OpenApiName(type->name);
        for (size_t i = 2; i < words.size(); ++i) {
          if (words[i].starts_with("gvk=")) {
            Status s = ParseGvk(words[i].substr(4), *type);
            if (!s.ok()) return LineError(line_no, s.message());
          } else if (words[i].starts_with("st=")) {
            type->struct_type = std::string(words[i].substr(3));
          } else {
            return LineError(line_no, "unknown type flag");
          }
        }
        current = type.get();
        if (!table->by_name_.emplace(type->name, current).second) {
          return LineError(line_no, "duplicate type " + type->name);
        }
        table->types_.push_back(std::move(type));
        continue;
      }
      if (!current) return LineError(line_no, "field outside a type");
      Field f;
      Status s = ParseField(words, f);
      if (!s.ok()) return LineError(line_no, s.message());
      current->fields.push_back(std::move(f));
    }
  }
  // Link type references.
  for (auto& type : table->types_) {
    for (Field& f : type->fields) {
      if (f.kind != ValueKind::kObject) continue;
      f.type = table->Find(f.type_name);
      if (!f.type) return Status::Internal("schema: unknown type " + f.type_name);
    }
  }
  // Index members; inlined members are looked through (recursively, so done in dependency
  // order by a memoized walk).
  std::unordered_map<const Type*, bool> indexed;
  std::function<void(Type&)> index = [&](Type& type) {
    if (indexed[&type]) return;
    indexed[&type] = true;
    for (const Field& f : type.fields) {
      if (f.proto_number > 0) type.by_proto.emplace(f.proto_number, &f);
      if (f.inlined && f.type) {
        Type& inner = const_cast<Type&>(*f.type);
        index(inner);
        for (const auto& [name, field] : inner.by_json) type.by_json.emplace(name, field);
        continue;
      }
      type.by_json.emplace(f.name, &f);
    }
  };
  for (auto& type : table->types_) index(*type);

  // Descriptions: "<type> text", "<type>.<field> text", or "*.<field> text" for that field of
  // every kind (a type with TypeMeta: apiVersion and kind without protobuf numbers) that has
  // no line of its own for it.
  std::vector<std::pair<std::string_view, std::string>> every_type;
  size_t pos = 0;
  while (pos < descriptions.size()) {
    size_t end = descriptions.find('\n', pos);
    if (end == std::string_view::npos) end = descriptions.size();
    std::string_view line = descriptions.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    std::string_view key = line.substr(0, space);
    std::string text(line.substr(space + 1));
    if (key.substr(0, 2) == "*.") {
      every_type.emplace_back(key.substr(2), std::move(text));
      continue;
    }
    if (auto it = table->by_name_.find(std::string(key)); it != table->by_name_.end()) {
      const_cast<Type*>(it->second)->description = std::move(text);
      continue;
    }
    size_t dot = key.rfind('.');
    auto it = table->by_name_.find(std::string(key.substr(0, dot)));
    if (dot == std::string_view::npos || it == table->by_name_.end()) {
      return Status::Internal("descriptions: unknown type in " + std::string(key));
    }
    bool found = false;
    for (Field& f : const_cast<Type*>(it->second)->fields) {
      if (f.name == key.substr(dot + 1)) {
        f.description = text;
        found = true;
      }
    }
    if (!found) return Status::Internal("descriptions: unknown field " + std::string(key));
  }
  for (const auto& [name, text] : every_type) {
    bool found = false;
    for (auto& type : table->types_) {
      const Field* kind = type->FindField("kind");
      if (!kind || kind->proto_number != 0) continue;
      for (Field& f : type->fields) {
        if (f.name != name) continue;
        found = true;
        if (f.description.empty()) f.description = text;
      }
    }
    if (!found) return Status::Internal("descriptions: no type has a field " + std::string(name));
  }
  return table;
}

const Type* SchemaTable::Find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : it->second;
}

const Type* SchemaTable::ForKind(std::string_view group, std::string_view version,
                                 std::string_view kind) const {
  for (const auto& type : types_) {
    for (const auto& gvk : type->gvks) {
      if (gvk.group == group && gvk.version == version && gvk.kind == kind) return type.get();
    }
  }
  return nullptr;
}

const SchemaTable& BuiltinSchemas() {
  static const SchemaTable* table = [] {
    auto parsed = SchemaTable::Parse(SchemaTableTexts(), SchemaDescriptionText());
    if (!parsed.ok()) {
      std::cerr << "fatal: " << parsed.status().message() << std::endl;
      std::abort();
    }
    return std::move(parsed).value().release();
  }();
  return *table;
}

}  // namespace tinyk8s::api::schema
