#include "apiserver/openapi_v2_proto.h"

#include <rapidjson/document.h>

#include "api/json.h"

namespace tinyk8s::apiserver {
namespace {

using rapidjson::Value;

// Field numbers of gnostic's openapi_v2 messages (github.com/google/gnostic-models
// openapiv2/OpenAPIv2.proto), only those the documents we generate use.
namespace doc_f {
constexpr int kSwagger = 1, kInfo = 2, kPaths = 8, kDefinitions = 9;
}
namespace schema_f {
constexpr int kRef = 1, kFormat = 2, kDescription = 4, kDefault = 5, kRequired = 19,
              kAdditionalProperties = 21, kType = 22, kItems = 23, kAllOf = 24, kProperties = 25,
              kVendorExtension = 31;
}
namespace op_f {
constexpr int kTags = 1, kDescription = 3, kOperationId = 5, kProduces = 6, kConsumes = 7,
              kParameters = 8, kResponses = 9, kVendorExtension = 13;
}
namespace path_item_f {
constexpr int kGet = 2, kPut = 3, kPost = 4, kDelete = 5, kPatch = 8, kParameters = 9,
              kVendorExtension = 10;
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void PutBytes(std::string& out, int field, std::string_view data) {
  PutVarint(out, (static_cast<uint64_t>(field) << 3) | 2);
  PutVarint(out, data.size());
  out.append(data);
}
void PutBool(std::string& out, int field, bool v) {
  PutVarint(out, static_cast<uint64_t>(field) << 3);
  PutVarint(out, v ? 1 : 0);
}
std::string_view Sv(const Value& v) { return api::AsStringView(v); }

// Any{yaml}: gnostic carries extension and default values as YAML text; JSON is valid YAML.
std::string AnyYaml(const Value& v) {
  std::string any;
  PutBytes(any, 2, api::ToJson(v) + "\n");
  return any;
}

// NamedAny entries for every x- member of obj.
void PutExtensions(std::string& out, int field, const Value& obj) {
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    if (!Sv(it->name).starts_with("x-")) continue;
    std::string named;
    PutBytes(named, 1, Sv(it->name));
    PutBytes(named, 2, AnyYaml(it->value));
    PutBytes(out, field, named);
  }
}

Status EncodeSchema(const Value& s, std::string& out, int depth);

Status PutNamedSchemas(std::string& out, int field, const Value& members, int depth) {
  for (auto it = members.MemberBegin(); it != members.MemberEnd(); ++it) {
    std::string schema, named;
    TK_RETURN_IF_ERROR(EncodeSchema(it->value, schema, depth + 1));
    PutBytes(named, 1, Sv(it->name));
    PutBytes(named, 2, schema);
    PutBytes(out, field, named);
  }
  return Status::OK();
}

Status EncodeSchema(const Value& s, std::string& out, int depth) {
  if (depth > 64 || !s.IsObject()) return Status::Internal("openapi v2: bad schema");
  for (auto it = s.MemberBegin(); it != s.MemberEnd(); ++it) {
    std::string_view key = Sv(it->name);
    const Value& v = it->value;
    if (key == "$ref") {
      PutBytes(out, schema_f::kRef, Sv(v));
    } else if (key == "format") {
      PutBytes(out, schema_f::kFormat, Sv(v));
    } else if (key == "description") {
      PutBytes(out, schema_f::kDescription, Sv(v));
    } else if (key == "default") {
      PutBytes(out, schema_f::kDefault, AnyYaml(v));
    } else if (key == "required") {
      for (const Value& r : v.GetArray()) PutBytes(out, schema_f::kRequired, Sv(r));
    } else if (key == "additionalProperties") {
      std::string inner, item;
      TK_RETURN_IF_ERROR(EncodeSchema(v, inner, depth + 1));
      PutBytes(item, 1, inner);
      PutBytes(out, schema_f::kAdditionalProperties, item);
    } else if (key == "type") {
      std::string type_item;
      PutBytes(type_item, 1, Sv(v));
      PutBytes(out, schema_f::kType, type_item);
    } else if (key == "items") {
      std::string inner, items;
      TK_RETURN_IF_ERROR(EncodeSchema(v, inner, depth + 1));
      PutBytes(items, 1, inner);
      PutBytes(out, schema_f::kItems, items);
    } else if (key == "allOf") {
      for (const Value& sub : v.GetArray()) {
        std::string inner;
        TK_RETURN_IF_ERROR(EncodeSchema(sub, inner, depth + 1));
        PutBytes(out, schema_f::kAllOf, inner);
      }
    } else if (key == "properties") {
      std::string props;
      TK_RETURN_IF_ERROR(PutNamedSchemas(props, 1, v, depth));
      PutBytes(out, schema_f::kProperties, props);
    }
  }
  PutExtensions(out, schema_f::kVendorExtension, s);
  return Status::OK();
}

// A non-body parameter: QueryParameterSubSchema (3) or PathParameterSubSchema (4) inside
// NonBodyParameter (2) inside Parameter (1) inside ParametersItem.
std::string EncodeParameter(const Value& p) {
  bool path = Sv(*api::FindMember(p, "in")) == "path";
  std::string sub;
  if (const Value* r = api::FindMember(p, "required"); r && r->IsBool())
    PutBool(sub, 1, r->GetBool());
  PutBytes(sub, 2, Sv(*api::FindMember(p, "in")));
  if (const Value* d = api::FindMember(p, "description")) PutBytes(sub, 3, Sv(*d));
  PutBytes(sub, 4, Sv(*api::FindMember(p, "name")));
  if (const Value* t = api::FindMember(p, "type")) PutBytes(sub, path ? 5 : 6, Sv(*t));
  if (const Value* u = api::FindMember(p, "uniqueItems"); u && u->IsBool()) {
    PutBool(sub, path ? 19 : 20, u->GetBool());
  }
  std::string non_body, parameter, item;
  PutBytes(non_body, path ? 4 : 3, sub);
  PutBytes(parameter, 2, non_body);
  PutBytes(item, 1, parameter);
  return item;
}

bool ValidParameter(const Value& p) {
  const Value* in = api::FindMember(p, "in");
  const Value* name = api::FindMember(p, "name");
  return in && in->IsString() && name && name->IsString() &&
         (Sv(*in) == "path" || Sv(*in) == "query");
}

Status EncodeOperation(const Value& op, std::string& out) {
  if (const Value* tags = api::FindMember(op, "tags"); tags && tags->IsArray()) {
    for (const Value& t : tags->GetArray()) PutBytes(out, op_f::kTags, Sv(t));
  }
  if (const Value* d = api::FindMember(op, "description"))
    PutBytes(out, op_f::kDescription, Sv(*d));
  if (const Value* id = api::FindMember(op, "operationId"))
    PutBytes(out, op_f::kOperationId, Sv(*id));
  PutBytes(out, op_f::kProduces, "application/json");
  PutBytes(out, op_f::kConsumes, "application/json");
  if (const Value* params = api::FindMember(op, "parameters"); params && params->IsArray()) {
    for (const Value& p : params->GetArray()) {
      if (!ValidParameter(p)) return Status::Internal("openapi v2: unsupported parameter");
      PutBytes(out, op_f::kParameters, EncodeParameter(p));
    }
  }
  if (const Value* responses = api::FindMember(op, "responses");
      responses && responses->IsObject()) {
    std::string encoded;
    for (auto it = responses->MemberBegin(); it != responses->MemberEnd(); ++it) {
      std::string response;
      if (const Value* d = api::FindMember(it->value, "description")) PutBytes(response, 1, Sv(*d));
      if (const Value* s = api::FindMember(it->value, "schema")) {
        std::string schema, item;
        TK_RETURN_IF_ERROR(EncodeSchema(*s, schema, 0));
        PutBytes(item, 1, schema);
        PutBytes(response, 2, item);
      }
      std::string value, named;
      PutBytes(value, 1, response);
      PutBytes(named, 1, Sv(it->name));
      PutBytes(named, 2, value);
      PutBytes(encoded, 1, named);
    }
    PutBytes(out, op_f::kResponses, encoded);
  }
  PutExtensions(out, op_f::kVendorExtension, op);
  return Status::OK();
}

Status EncodePathItem(const Value& item, std::string& out) {
  struct Verb {
    const char* name;
    int field;
  };
  for (const Verb& verb : {Verb{"get", path_item_f::kGet}, Verb{"put", path_item_f::kPut},
                           Verb{"post", path_item_f::kPost}, Verb{"delete", path_item_f::kDelete},
                           Verb{"patch", path_item_f::kPatch}}) {
    if (const Value* op = api::FindMember(item, verb.name)) {
      std::string encoded;
      TK_RETURN_IF_ERROR(EncodeOperation(*op, encoded));
      PutBytes(out, verb.field, encoded);
    }
  }
  if (const Value* params = api::FindMember(item, "parameters"); params && params->IsArray()) {
    for (const Value& p : params->GetArray()) {
      if (!ValidParameter(p)) return Status::Internal("openapi v2: unsupported parameter");
      PutBytes(out, path_item_f::kParameters, EncodeParameter(p));
    }
  }
  PutExtensions(out, path_item_f::kVendorExtension, item);
  return Status::OK();
}

}  // namespace

Result<std::string> OpenApiV2JsonToProto(const std::string& json) {
  TK_ASSIGN_OR_RETURN(rapidjson::Document doc, api::ParseJson(json));
  if (!doc.IsObject()) return Status::Internal("openapi v2: not an object");
  std::string out;
  PutBytes(out, doc_f::kSwagger, api::GetString(doc, {"swagger"}, "2.0"));
  std::string info;
  PutBytes(info, 1, api::GetString(doc, {"info", "title"}));
  PutBytes(info, 2, api::GetString(doc, {"info", "version"}));
  PutBytes(out, doc_f::kInfo, info);
  if (const Value* paths = api::FindMember(doc, "paths"); paths && paths->IsObject()) {
    std::string encoded;
    for (auto it = paths->MemberBegin(); it != paths->MemberEnd(); ++it) {
      std::string item, named;
      TK_RETURN_IF_ERROR(EncodePathItem(it->value, item));
      PutBytes(named, 1, Sv(it->name));
      PutBytes(named, 2, item);
      PutBytes(encoded, 2, named);
    }
    PutBytes(out, doc_f::kPaths, encoded);
  }
  if (const Value* defs = api::FindMember(doc, "definitions"); defs && defs->IsObject()) {
    std::string encoded;
    TK_RETURN_IF_ERROR(PutNamedSchemas(encoded, 1, *defs, 0));
    PutBytes(out, doc_f::kDefinitions, encoded);
  }
  return out;
}

}  // namespace tinyk8s::apiserver
