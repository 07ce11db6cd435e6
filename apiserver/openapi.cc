#include "apiserver/openapi.h"

#include <cstdio>
#include <set>

#include "api/json.h"
#include "apiserver/api_errors.h"
#include "apiserver/openapi_v2_proto.h"

namespace tinyk8s::apiserver {

using api::schema::Container;
using api::schema::Field;
using api::schema::Type;
using api::schema::ValueKind;
using rapidjson::Document;
using rapidjson::Value;

namespace {

// Upstream answers the gnostic protobuf with this type: clients cannot parse the '@' of the
// media type they asked for (Go's mime parser rejects it).
constexpr const char* kV2ProtoMedia = "application/octet-stream";

// Dialect differences between OpenAPI v3 (components, allOf around $ref) and Swagger 2.0.
struct Dialect {
  bool v3;
  std::string RefPrefix() const { return v3 ? "#/components/schemas/" : "#/definitions/"; }
};

class SchemaWriter {
 public:
  SchemaWriter(const Dialect& d, api::Allocator& a) : d_(d), a_(a) {}

  Value TypeSchema(const Type& t) {
    Value s(rapidjson::kObjectType);
    if (!t.description.empty()) s.AddMember("description", Str(t.description), a_);
    s.AddMember("type", "object", a_);
    Value props(rapidjson::kObjectType);
    Value required(rapidjson::kArrayType);
    AddProperties(t, props, required);
    if (!required.Empty()) s.AddMember("required", required, a_);
    s.AddMember("properties", props, a_);
    if (t.struct_type == "atomic") s.AddMember("x-kubernetes-map-type", "atomic", a_);
    if (!t.gvks.empty()) {
      Value gvks(rapidjson::kArrayType);
      for (const auto& g : t.gvks) gvks.PushBack(Gvk(g.group, g.version, g.kind), a_);
      s.AddMember("x-kubernetes-group-version-kind", gvks, a_);
    }
    return s;
  }

  Value SpecialSchema(ValueKind k) {
    Value s(rapidjson::kObjectType);
    auto add = [&](const char* key, const char* value) {
      s.AddMember(Value(key, a_), Value(value, a_), a_);
    };
    switch (k) {
      case ValueKind::kQuantity:
        add("description",
            "A fixed-point number with an optional suffix, such as 100m, 1.5Gi or 2.");
        add("type", "string");
        break;
      case ValueKind::kIntOrString:
        add("description", "Holds either an integer or a string, such as 1 or \"25%\".");
        add("type", "string");
        add("format", "int-or-string");
        if (d_.v3) s.AddMember("x-kubernetes-int-or-string", true, a_);
        break;
      case ValueKind::kTime:
      case ValueKind::kMicroTime:
        add("description", "A timestamp in RFC 3339 form.");
        add("type", "string");
        add("format", "date-time");
        break;
      case ValueKind::kDuration:
        add("description", "A duration such as 1h2m3s.");
        add("type", "string");
        break;
      case ValueKind::kRawExtension:
        add("description", "An embedded object in JSON form.");
        add("type", "object");
        break;
      case ValueKind::kFieldsV1:
        add("description", "A set of fields in the managedFields trie form.");
        add("type", "object");
        break;
      default:
        break;
    }
    return s;
  }

 private:
  void AddProperties(const Type& t, Value& props, Value& required) {
    for (const Field& f : t.fields) {
      if (f.inlined && f.type) {
        AddProperties(*f.type, props, required);
        continue;
      }
      if (f.required) required.PushBack(Str(f.name), a_);
      props.AddMember(Str(f.name), Property(f), a_);
    }
  }

  Value Property(const Field& f) {
    Value p(rapidjson::kObjectType);
    if (f.container == Container::kList) {
      if (!f.description.empty()) p.AddMember("description", Str(f.description), a_);
      p.AddMember("type", "array", a_);
      p.AddMember("items", Element(f, true), a_);
      if (!f.list_type.empty()) p.AddMember("x-kubernetes-list-type", Str(f.list_type), a_);
      if (!f.list_map_keys.empty()) {
        Value keys(rapidjson::kArrayType);
        for (const auto& k : f.list_map_keys) keys.PushBack(Str(k), a_);
        p.AddMember("x-kubernetes-list-map-keys", keys, a_);
      }
    } else if (f.container == Container::kMap) {
      if (!f.description.empty()) p.AddMember("description", Str(f.description), a_);
      p.AddMember("type", "object", a_);
      Value values = Element(f, true);
      if (f.list_values) {
        Value list(rapidjson::kObjectType);
        list.AddMember("type", "array", a_);
        list.AddMember("items", values, a_);
        values = std::move(list);
      }
      p.AddMember("additionalProperties", values, a_);
      if (!f.map_type.empty()) p.AddMember("x-kubernetes-map-type", Str(f.map_type), a_);
    } else {
      p = Element(f, false);
      if (!f.description.empty()) {
        Value desc = Str(f.description);
        api::SetValue(p, "description", desc, a_);
      }
    }
    if (!f.patch_merge_key.empty()) {
      p.AddMember("x-kubernetes-patch-merge-key", Str(f.patch_merge_key), a_);
    }
    if (!f.patch_strategy.empty()) {
      p.AddMember("x-kubernetes-patch-strategy", Str(f.patch_strategy), a_);
    }
    return p;
  }

  // The schema of one value of f (an item for lists and maps).
  Value Element(const Field& f, bool item) {
    Value e(rapidjson::kObjectType);
    std::string ref;
    switch (f.kind) {
      case ValueKind::kString:
        e.AddMember("type", "string", a_);
        break;
      case ValueKind::kBytes:
        e.AddMember("type", "string", a_);
        e.AddMember("format", "byte", a_);
        break;
      case ValueKind::kInt32:
      case ValueKind::kInt64:
        e.AddMember("type", "integer", a_);
        e.AddMember("format", f.kind == ValueKind::kInt32 ? "int32" : "int64", a_);
        break;
      case ValueKind::kBool:
        e.AddMember("type", "boolean", a_);
        break;
      case ValueKind::kDouble:
        e.AddMember("type", "number", a_);
        e.AddMember("format", "double", a_);
        break;
      case ValueKind::kObject:
        ref = f.type->openapi_name;
        break;
      default:
        ref = std::string(api::schema::SpecialTypeName(f.kind));
    }
    if (ref.empty()) return e;
    Value r(rapidjson::kObjectType);
    r.AddMember("$ref", Str(d_.RefPrefix() + ref), a_);
    if (!d_.v3) {
      if (!item && f.kind == ValueKind::kObject && !f.pointer)
        r.AddMember("default", Value(rapidjson::kObjectType), a_);
      return r;
    }
    // v3 forbids siblings of $ref: wrap it so that description/default can sit beside it.
    Value all(rapidjson::kArrayType);
    all.PushBack(r, a_);
    e.AddMember("allOf", all, a_);
    if (f.kind == ValueKind::kObject && !f.pointer)
      e.AddMember("default", Value(rapidjson::kObjectType), a_);
    return e;
  }

  Value Gvk(const std::string& g, const std::string& v, const std::string& k) {
    Value o(rapidjson::kObjectType);
    o.AddMember("group", Str(g), a_);
    o.AddMember("kind", Str(k), a_);
    o.AddMember("version", Str(v), a_);
    return o;
  }
  Value Str(const std::string& s) { return api::MakeString(s, a_); }

  const Dialect& d_;
  api::Allocator& a_;
};

// Closure of the types reachable from `roots`, and the special kinds they use.
void Collect(const Type* t, std::set<const Type*>* types, std::set<ValueKind>* specials) {
  if (!types->insert(t).second) return;
  for (const Field& f : t->fields) {
    if (f.type) {
      Collect(f.type, types, specials);
    } else if (!api::schema::SpecialTypeName(f.kind).empty()) {
      specials->insert(f.kind);
    }
  }
}

std::string GroupWord(const std::string& group) {
  std::string w = group.empty() ? "core" : group.substr(0, group.find('.'));
  w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
  return w;
}

class PathWriter {
 public:
  PathWriter(const Dialect& d, api::Allocator& a) : d_(d), a_(a) {}

  void AddResource(const ResourceInfo& r, const Type* type, Value& paths) {
    std::string prefix =
        r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
    std::string base = prefix + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.plural;
    std::string op_base =
        GroupWord(r.group) + Capital(r.version) + (r.namespaced ? "Namespaced" : "");
    std::string ref = type ? type->openapi_name : "";
    auto has = [&](const char* verb) {
      return std::find(r.verbs.begin(), r.verbs.end(), verb) != r.verbs.end();
    };
    Value collection(rapidjson::kObjectType);
    if (has("list"))
      collection.AddMember(
          "get",
          Op("list" + op_base + r.kind, "list", r, "",
             {"labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch"}),
          a_);
    if (has("create"))
      collection.AddMember("post",
                           Op("create" + op_base + r.kind, "post", r, ref,
                              {"dryRun", "fieldManager", "fieldValidation"}),
                           a_);
    if (has("deletecollection"))
      collection.AddMember("delete",
                           Op("deleteCollection" + op_base + r.kind, "deletecollection", r, "",
                              {"labelSelector", "fieldSelector"}),
                           a_);
    AddPathParams(collection, r.namespaced, false);
    paths.AddMember(Str(base), collection, a_);

    Value item(rapidjson::kObjectType);
    if (has("get")) item.AddMember("get", Op("read" + op_base + r.kind, "get", r, ref, {}), a_);
    if (has("update"))
      item.AddMember("put",
                     Op("replace" + op_base + r.kind, "put", r, ref,
                        {"dryRun", "fieldManager", "fieldValidation"}),
                     a_);
    if (has("patch"))
      item.AddMember("patch",
                     Op("patch" + op_base + r.kind, "patch", r, ref,
                        {"dryRun", "fieldManager", "fieldValidation", "force"}),
                     a_);
    if (has("delete"))
      item.AddMember("delete",
                     Op("delete" + op_base + r.kind, "delete", r, "",
                        {"dryRun", "gracePeriodSeconds", "propagationPolicy"}),
                     a_);
    AddPathParams(item, r.namespaced, true);
    paths.AddMember(Str(base + "/{name}"), item, a_);

    if (r.FindSubresource("status")) {
      Value status(rapidjson::kObjectType);
      status.AddMember("get", Op("read" + op_base + r.kind + "Status", "get", r, ref, {}), a_);
      status.AddMember("put",
                       Op("replace" + op_base + r.kind + "Status", "put", r, ref,
                          {"dryRun", "fieldManager", "fieldValidation"}),
                       a_);
      status.AddMember("patch",
                       Op("patch" + op_base + r.kind + "Status", "patch", r, ref,
                          {"dryRun", "fieldManager", "fieldValidation", "force"}),
                       a_);
      AddPathParams(status, r.namespaced, true);
      paths.AddMember(Str(base + "/{name}/status"), status, a_);
    }
  }

 private:
  Value Op(const std::string& id, const char* action, const ResourceInfo& r, const std::string& ref,
           std::initializer_list<const char*> query) {
    Value op(rapidjson::kObjectType);
    op.AddMember("operationId", Str(id), a_);
    Value tags(rapidjson::kArrayType);
    tags.PushBack(Str(GroupWord(r.group) + "_" + r.version), a_);
    op.AddMember("tags", tags, a_);
    op.AddMember("x-kubernetes-action", Str(action), a_);
    Value gvk(rapidjson::kObjectType);
    gvk.AddMember("group", Str(r.group), a_);
    gvk.AddMember("kind", Str(r.kind), a_);
    gvk.AddMember("version", Str(r.version), a_);
    op.AddMember("x-kubernetes-group-version-kind", gvk, a_);
    Value params(rapidjson::kArrayType);
    for (const char* q : query) {
      Value p(rapidjson::kObjectType);
      p.AddMember("name", Str(q), a_);
      p.AddMember("in", "query", a_);
      bool is_int = std::string_view(q) == "limit" || std::string_view(q) == "gracePeriodSeconds";
      bool is_bool = std::string_view(q) == "force" || std::string_view(q) == "watch";
      const char* type = is_int ? "integer" : is_bool ? "boolean" : "string";
      if (d_.v3) {
        Value schema(rapidjson::kObjectType);
        schema.AddMember("type", Value(type, a_), a_);
        p.AddMember("schema", schema, a_);
      } else {
        p.AddMember("type", Value(type, a_), a_);
      }
      p.AddMember("uniqueItems", true, a_);
      params.PushBack(p, a_);
    }
    op.AddMember("parameters", params, a_);
    Value ok(rapidjson::kObjectType);
    ok.AddMember("description", "OK", a_);
    if (!ref.empty()) {
      Value schema(rapidjson::kObjectType);
      schema.AddMember("$ref", Str(d_.RefPrefix() + ref), a_);
      if (d_.v3) {
        Value media(rapidjson::kObjectType);
        media.AddMember("schema", schema, a_);
        Value content(rapidjson::kObjectType);
        content.AddMember("application/json", media, a_);
        ok.AddMember("content", content, a_);
      } else {
        ok.AddMember("schema", schema, a_);
      }
    }
    Value responses(rapidjson::kObjectType);
    responses.AddMember("200", ok, a_);
    op.AddMember("responses", responses, a_);
    return op;
  }

  void AddPathParams(Value& path_item, bool namespaced, bool named) {
    Value params(rapidjson::kArrayType);
    auto add = [&](const char* name) {
      Value p(rapidjson::kObjectType);
      p.AddMember("name", Str(name), a_);
      p.AddMember("in", "path", a_);
      p.AddMember("required", true, a_);
      if (d_.v3) {
        Value schema(rapidjson::kObjectType);
        schema.AddMember("type", "string", a_);
        p.AddMember("schema", schema, a_);
      } else {
        p.AddMember("type", "string", a_);
      }
      p.AddMember("uniqueItems", true, a_);
      params.PushBack(p, a_);
    };
    if (named) add("name");
    if (namespaced) add("namespace");
    if (!params.Empty()) path_item.AddMember("parameters", params, a_);
  }

  static std::string Capital(std::string s) {
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
  }
  Value Str(const std::string& s) { return api::MakeString(s, a_); }

  const Dialect& d_;
  api::Allocator& a_;
};

// One document over `resources`.
std::string BuildDocument(const Dialect& d, const std::vector<const ResourceInfo*>& resources,
                          const api::schema::SchemaTable& schemas) {
  Document doc;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  if (d.v3) {
    doc.AddMember("openapi", "3.0.0", a);
  } else {
    doc.AddMember("swagger", "2.0", a);
  }
  Value info(rapidjson::kObjectType);
  info.AddMember("title", "Kubernetes", a);
  info.AddMember("version", "v1.32.0", a);
  doc.AddMember("info", info, a);

  std::set<const Type*> types;
  std::set<ValueKind> specials;
  for (const char* extra : {"meta.v1.DeleteOptions", "meta.v1.Status"}) {
    if (const Type* t = schemas.Find(extra)) Collect(t, &types, &specials);
  }
  Value paths(rapidjson::kObjectType);
  PathWriter pw(d, a);
  for (const ResourceInfo* r : resources) {
    const Type* type = schemas.ForKind(r->group, r->version, r->kind);
    if (type) Collect(type, &types, &specials);
    pw.AddResource(*r, type, paths);
  }
  doc.AddMember("paths", paths, a);

  SchemaWriter sw(d, a);
  Value defs(rapidjson::kObjectType);
  std::vector<std::pair<std::string, Value>> entries;
  for (const Type* t : types) entries.emplace_back(t->openapi_name, sw.TypeSchema(*t));
  for (ValueKind k : specials) {
    entries.emplace_back(std::string(api::schema::SpecialTypeName(k)), sw.SpecialSchema(k));
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  for (auto& [name, schema] : entries) defs.AddMember(api::MakeString(name, a), schema, a);
  if (d.v3) {
    Value components(rapidjson::kObjectType);
    components.AddMember("schemas", defs, a);
    doc.AddMember("components", components, a);
  } else {
    doc.AddMember("definitions", defs, a);
  }
  return api::ToJson(doc);
}

bool EtagMatches(const HttpRequest& req, const std::string& etag) {
  const std::string& inm = req.Header("if-none-match");
  return !inm.empty() && inm.find(etag) != std::string::npos;
}

HttpResponse Serve(const HttpRequest& req, const std::string& body, const std::string& etag,
                   const std::string& content_type, bool immutable) {
  HttpResponse r;
  std::string quoted = "\"" + etag + "\"";
  r.headers.push_back({"Etag", quoted});
  r.headers.push_back({"Vary", "Accept"});
  r.headers.push_back({"Cache-Control", immutable ? "public, immutable" : "no-cache, private"});
  if (EtagMatches(req, quoted)) {
    r.status = 304;
    r.content_type = content_type;
    return r;
  }
  r.content_type = content_type;
  r.body = body;
  return r;
}

}  // namespace

std::string ContentHash(const std::string& data) {
  // FNV-1a 64, twice with different offsets: stable, cheap, and 128 bits is plenty here.
  uint64_t h1 = 1469598103934665603ULL, h2 = 0x84222325cbf29ce4ULL;
  for (unsigned char c : data) {
    h1 = (h1 ^ c) * 1099511628211ULL;
    h2 = (h2 ^ c) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llX%016llX", static_cast<unsigned long long>(h1),
                static_cast<unsigned long long>(h2));
  return buf;
}

OpenApi::OpenApi(const Registry& registry, const api::schema::SchemaTable& schemas)
    : registry_(registry), schemas_(schemas) {}

std::map<std::string, std::string> OpenApi::BuildV3Documents() const {
  std::map<std::string, std::vector<const ResourceInfo*>> by_gv;
  for (const auto& r : registry_.resources()) {
    std::string key =
        r->group.empty() ? "api/" + r->version : "apis/" + r->group + "/" + r->version;
    by_gv[key].push_back(r.get());
  }
  std::map<std::string, std::string> out;
  Dialect d{true};
  for (const auto& [key, resources] : by_gv) out[key] = BuildDocument(d, resources, schemas_);
  return out;
}

std::string OpenApi::BuildV2Json() const {
  std::vector<const ResourceInfo*> all;
  for (const auto& r : registry_.resources()) all.push_back(r.get());
  return BuildDocument(Dialect{false}, all, schemas_);
}

void OpenApi::Build() {
  Document index;
  index.SetObject();
  auto& a = index.GetAllocator();
  Value paths(rapidjson::kObjectType);
  for (auto& [key, body] : BuildV3Documents()) {
    Doc doc{body, ContentHash(body)};
    Value entry(rapidjson::kObjectType);
    entry.AddMember("serverRelativeURL",
                    api::MakeString("/openapi/v3/" + key + "?hash=" + doc.etag, a), a);
    paths.AddMember(api::MakeString(key, a), entry, a);
    v3_[key] = std::move(doc);
  }
  index.AddMember("paths", paths, a);
  v3_index_.body = api::ToJson(index);
  v3_index_.etag = ContentHash(v3_index_.body);
  v2_json_.body = BuildV2Json();
  v2_json_.etag = ContentHash(v2_json_.body);
  auto proto = OpenApiV2JsonToProto(v2_json_.body);
  if (proto.ok()) {
    v2_proto_.body = std::move(proto).value();
    v2_proto_.etag = ContentHash(v2_proto_.body);
  }
}

std::optional<HttpResponse> OpenApi::Handle(const HttpRequest& req) {
  const std::string& path = req.path;
  bool v3 = path == "/openapi/v3" || path == "/openapi/v3/" || path.rfind("/openapi/v3/", 0) == 0;
  bool v2 = path == "/openapi/v2" || path == "/swagger-2.0.0.pb-v1" || path == "/swagger.json";
  if (!v3 && !v2) return std::nullopt;
  if (req.method != "GET" && req.method != "HEAD") {
    return ErrorResponse(Status(StatusCode::kMethodNotAllowed, "method not allowed"));
  }
  std::call_once(built_, [this] { Build(); });
  if (v2) {
    bool proto = path == "/swagger-2.0.0.pb-v1" ||
                 req.Header("accept").find("protobuf") != std::string::npos;
    if (proto) {
      if (v2_proto_.body.empty()) return ErrorResponse(PathNotFound());
      return Serve(req, v2_proto_.body, v2_proto_.etag, kV2ProtoMedia, false);
    }
    return Serve(req, v2_json_.body, v2_json_.etag, "application/json", false);
  }
  std::string key = path.size() > 12 ? path.substr(12) : "";
  while (!key.empty() && key.back() == '/') key.pop_back();
  if (key.empty()) return Serve(req, v3_index_.body, v3_index_.etag, "application/json", false);
  auto it = v3_.find(key);
  if (it == v3_.end()) return ErrorResponse(PathNotFound());
  bool pinned = req.HasQuery("hash") && req.Query("hash") == it->second.etag;
  return Serve(req, it->second.body, it->second.etag, "application/json", pinned);
}

}  // namespace tinyk8s::apiserver
