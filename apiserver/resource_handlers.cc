// Generic verb handlers: get, list, create, update, patch, delete, deletecollection.
#include <functional>

#include "api/go_print.h"
#include "api/json.h"
#include "api/patch.h"
#include "api/schema/patch_meta.h"
#include "api/ssa/typed.h"
#include "api/yaml.h"
#include "apiserver/api_errors.h"
#include "apiserver/api_handler.h"
#include "apiserver/field_errors.h"
#include "apiserver/field_manager_name.h"
#include "apiserver/field_validation.h"
#include "apiserver/table.h"
#include "common/base64.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

namespace {

HttpResponse ObjectResponse(unsigned status, const CachedPtr& obj) {
  return JsonResponse(status, obj->json);
}

HttpResponse TableOrObject(const HttpRequest& req, const ResourceInfo& r, const CachedPtr& obj,
                           const Clock& clock) {
  if (!WantsTable(req.Header("accept"))) return ObjectResponse(200, obj);
  TableOptions opts;
  opts.include = ParseIncludeObject(req.Query("includeObject"));
  opts.resource_version = std::to_string(obj->revision);
  HttpResponse resp = JsonResponse(200, RenderTable(r, {obj}, opts, clock.Now()));
  resp.content_type = kTableContentType;
  return resp;
}

struct ContinueToken {
  storage::Revision revision = 0;
  std::string start_after;
};

std::string EncodeContinue(storage::Revision rv, const std::string& key) {
  Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  d.AddMember("v", "meta.k8s.io/v1", a);
  d.AddMember("rv", rv, a);
  d.AddMember("start", api::MakeString(key, a), a);
  return Base64Encode(api::ToJson(d));
}

Result<ContinueToken> DecodeContinue(const std::string& token, const std::string& prefix) {
  auto raw = Base64Decode(token);
  if (!raw) return Status::BadRequest("continue key is not valid: illegal base64 data");
  auto doc = api::ParseJson(*raw);
  if (!doc.ok() || !doc->IsObject())
    return Status::BadRequest("continue key is not valid: invalid JSON");
  ContinueToken t;
  t.revision = api::GetInt(*doc, {"rv"});
  t.start_after = api::GetString(*doc, {"start"});
  if (t.revision <= 0 || t.start_after.rfind(prefix, 0) != 0) {
    return Status::BadRequest(
        "continue key is not valid: incorrect encoded start resourceVersion (version "
        "meta.k8s.io/v1)");
  }
  return t;
}

std::string ListJson(const ResourceInfo& r, const std::vector<CachedPtr>& items,
                     storage::Revision rv, const std::string& cont, int64_t remaining) {
  std::string out;
  size_t size = 128;
  for (const auto& i : items) size += i->json.size() + 1;
  out.reserve(size);
  out += "{\"kind\":\"" + r.ListKind() + "\",\"apiVersion\":\"" + r.ApiVersion() +
         "\",\"metadata\":{\"resourceVersion\":\"" + std::to_string(rv) + "\"";
  if (!cont.empty()) {
    out += ",\"continue\":\"" + cont + "\"";
    if (remaining > 0) out += ",\"remainingItemCount\":" + std::to_string(remaining);
  }
  out += "},\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i]->json;
  }
  out += "]}";
  return out;
}

std::optional<int64_t> ParseInt(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0') return std::nullopt;
  return v;
}

// Upstream validates PatchOptions before anything else: 422 on kind meta.k8s.io/PatchOptions.
Status PatchOptionsInvalid(FieldError error) {
  std::string message =
      "PatchOptions.meta.k8s.io \"\" is invalid: " + error.field + ": " + error.message;
  return Status(StatusCode::kInvalid, message)
      .WithDetails({"", "meta.k8s.io", "PatchOptions"})
      .WithFieldErrors({std::move(error)});
}

// Requests without ?fieldManager= are recorded under their User-Agent's product name, as
// upstream does ("kubectl/v1.32.4 (linux/amd64)" -> "kubectl").
WriteOptions WriteOptionsWithManager(const HttpRequest& req) {
  WriteOptions o = WriteOptionsFrom(req);
  if (o.field_manager.empty()) {
    o.field_manager = FieldManagerFromUserAgent(req.Header("user-agent"));
    o.manager_from_user_agent = true;
  }
  return o;
}

// application/apply-patch+yaml: validates the applied configuration and hands it to the store.
HttpResponse ServerSideApply(ObjectService& objects, const ResourceInfo& r, const RequestInfo& info,
                             const HttpRequest& req, const Value& patch,
                             const std::vector<std::string>& yaml_duplicates, FieldValidation mode,
                             const WriteOptions& options) {
  if (options.field_manager.empty()) {
    return ErrorResponse(PatchOptionsInvalid(
        {"FieldValueRequired", "fieldManager", "Required value: is required for apply patch"}));
  }
  Document config;
  config.CopyFrom(patch, config.GetAllocator());
  auto& a = config.GetAllocator();
  std::string body_name = api::GetString(config, {"metadata", "name"});
  if (!body_name.empty() && body_name != info.name) {
    return ErrorResponse(Status::BadRequest("the name of the object (" + body_name +
                                            ") does not match the name on the URL (" + info.name +
                                            ")"));
  }
  api::SetString(api::EnsureObject(config, {"metadata"}, a), "name", info.name, a);
  // Upstream types the applied configuration against the schema before anything else:
  // undeclared fields and values of the wrong type are refused whatever the field validation
  // mode.
  if (const api::schema::Type* type =
          api::schema::BuiltinSchemas().ForKind(r.group, r.version, r.kind)) {
    std::vector<api::ssa::TypedError> errors = api::ssa::TypeErrors(*type, config);
    if (!errors.empty()) {
      std::string ns = api::GetString(config, {"metadata", "namespace"});
      // A plain error upstream (structured-merge-diff's), hence 500 without a reason.
      return ErrorResponse(Status(StatusCode::kUnknown,
                                  "failed to create typed patch object (" + ns + "/" + info.name +
                                      "; " + r.group + "/" + r.version + ", Kind=" + r.kind +
                                      "): " + api::ssa::TypeErrorsMessage(errors)));
    }
  }
  std::vector<std::string> warnings;
  Status checked = CheckFields(r, config, a, mode, BodyOrigin::kApply, &warnings, yaml_duplicates);
  if (!checked.ok()) return ErrorResponse(checked);
  auto result = objects.Apply(r, info.ns, info.name, info.subresource, config,
                              req.Query("force") == "true", options);
  if (!result.ok()) return ErrorResponse(result.status());
  HttpResponse resp = ObjectResponse(result->created ? 201 : 200, result->object);
  AddWarningHeaders(resp, warnings);
  return resp;
}

}  // namespace

HttpResponse ApiHandler::GetObject(const Call& c) {
  if (!c.info.subresource.empty() && c.info.subresource != "status") {
    return ErrorResponse(MethodNotSupported(c.resource, "get"));
  }
  auto obj = objects_.Get(c.resource, c.info.ns, c.info.name);
  if (!obj.ok()) return ErrorResponse(obj.status());
  return TableOrObject(c.req, c.resource, *obj, objects_.clock());
}

HttpResponse ApiHandler::ListObjects(const Call& c) {
  auto filter = MakeFilter(c);
  if (!filter.ok()) return ErrorResponse(filter.status());
  const ResourceInfo& r = c.resource;
  std::string prefix = r.NamespacePrefix(c.info.ns);
  std::string rv_param = c.req.Query("resourceVersion");
  std::string match = c.req.Query("resourceVersionMatch");
  int64_t limit = 0;
  if (c.req.HasQuery("limit")) {
    auto l = ParseInt(c.req.Query("limit"));
    if (!l || *l < 0)
      return ErrorResponse(Status::BadRequest("invalid limit: " + c.req.Query("limit")));
    limit = *l;
  }
  storage::Revision revision = 0;
  std::optional<int64_t> rv_number;
  if (!rv_param.empty()) {
    rv_number = ParseInt(rv_param);
    if (!rv_number || *rv_number < 0) {
      return ErrorResponse(Status::BadRequest("invalid resource version: " + rv_param));
    }
  }
  bool filtering = !filter->Empty();
  // read_chunk reads up to n objects (0 = all) after a key, from the cache or a storage snapshot.
  std::function<Result<ListChunk>(const std::string&, size_t)> read_chunk;
  std::string start_after;
  if (c.req.HasQuery("continue") && !c.req.Query("continue").empty()) {
    auto token = DecodeContinue(c.req.Query("continue"), prefix);
    if (!token.ok()) return ErrorResponse(token.status());
    // Later pages read the same snapshot from storage, so pagination stays consistent.
    revision = token->revision;
    start_after = token->start_after;
  } else if (rv_number && *rv_number > 0 && match == "Exact" &&
             *rv_number != objects_.cache().revision()) {
    revision = *rv_number;
  } else {
    if (rv_number && *rv_number > 0) {
      if (!objects_.cache().WaitForRevision(*rv_number, std::chrono::seconds(3))) {
        return ErrorResponse(Status(StatusCode::kTimeout,
                                    "Too large resource version: " + rv_param +
                                        ", current: " + std::to_string(objects_.cache().revision()))
                                 .WithDetails({"", "", ""}));
      }
    } else if (!rv_number) {
      objects_.cache().WaitFresh();
    }
    // One consistent read of the cache: a page when nothing is filtered out, else everything.
    read_chunk = [&](const std::string&, size_t n) -> Result<ListChunk> {
      ListChunk chunk;
      size_t left = 0;
      chunk.items =
          objects_.cache().ListPage(prefix, "", filtering ? 0 : n, &revision, &chunk.more, &left);
      chunk.remaining = static_cast<int64_t>(left);
      if (!chunk.items.empty()) chunk.last_key = chunk.items.back()->key;
      return chunk;
    };
  }
  if (!read_chunk) {
    read_chunk = [&](const std::string& after, size_t n) {
      return objects_.ListAt(prefix, revision, after, n);
    };
  }
  // Read chunks of what the page still needs until it is full or the keys run out: a page
  // costs O(limit) reads when few objects are filtered out.
  std::vector<CachedPtr> page;
  std::string cont;
  int64_t remaining = 0;
  for (;;) {
    size_t need = limit > 0 ? static_cast<size_t>(limit) - page.size() : 0;
    auto chunk = read_chunk(start_after, need);
    if (!chunk.ok()) {
      if (!chunk.status().IsGone()) return ErrorResponse(chunk.status());
      if (c.req.HasQuery("continue")) {
        return ErrorResponse(Status::Gone(
            "The provided continue parameter is too old to display a consistent list result. You "
            "can start a new list without the continue parameter, or use the continue token in "
            "this response to retrieve the remainder of the results. Continuing with the provided "
            "token results in an inconsistent list - objects that were created, modified, or "
            "deleted between the time the first chunk was returned and now may show up in the "
            "list."));
      }
      return ErrorResponse(Status::Gone("The resourceVersion for the provided list is too old."));
    }
    size_t i = 0;
    for (; i < chunk->items.size(); ++i) {
      if (limit > 0 && static_cast<int64_t>(page.size()) >= limit) break;
      CachedPtr item = ViewAs(r, chunk->items[i]);
      if (filtering && !filter->Matches(*item->Doc())) continue;
      page.push_back(std::move(item));
    }
    bool keys_remain = i < chunk->items.size() || chunk->more;
    if (limit > 0 && static_cast<int64_t>(page.size()) >= limit) {
      if (keys_remain) {
        cont = EncodeContinue(revision, page.back()->key);
        if (!filtering) {
          remaining = static_cast<int64_t>(chunk->items.size() - i) + chunk->remaining;
        }
      }
      break;
    }
    if (!chunk->more || chunk->last_key.empty()) break;
    start_after = chunk->last_key;
  }
  if (WantsTable(c.req.Header("accept"))) {
    TableOptions opts;
    opts.include = ParseIncludeObject(c.req.Query("includeObject"));
    opts.resource_version = std::to_string(revision);
    opts.continue_token = cont;
    opts.remaining = remaining;
    HttpResponse resp = JsonResponse(200, RenderTable(r, page, opts, objects_.clock().Now()));
    resp.content_type = kTableContentType;
    return resp;
  }
  return JsonResponse(200, ListJson(r, page, revision, cont, remaining));
}

HttpResponse ApiHandler::CreateObject(const Call& c) {
  std::vector<std::string> warnings;
  auto body = DecodeCheckedBody(c.req, c.resource, &warnings);
  if (!body.ok()) return ErrorResponse(body.status());
  auto obj = objects_.Create(c.resource, c.info.ns, std::move(body).value(),
                             WithRequestAdmission(c, WriteOptionsWithManager(c.req)));
  if (!obj.ok()) return ErrorResponse(obj.status());
  HttpResponse resp = ObjectResponse(201, *obj);
  AddWarningHeaders(resp, warnings);
  return resp;
}

HttpResponse ApiHandler::UpdateObject(const Call& c) {
  if (!c.info.subresource.empty() && c.info.subresource != "status" &&
      c.info.subresource != "finalize") {
    return ErrorResponse(MethodNotSupported(c.resource, "update"));
  }
  std::vector<std::string> warnings;
  auto body = DecodeCheckedBody(c.req, c.resource, &warnings);
  if (!body.ok()) return ErrorResponse(body.status());
  bool created = false;
  auto obj = objects_.Update(c.resource, c.info.ns, c.info.name, c.info.subresource,
                             std::move(body).value(),
                             WithRequestAdmission(c, WriteOptionsWithManager(c.req)), &created);
  if (!obj.ok()) return ErrorResponse(obj.status());
  HttpResponse resp = ObjectResponse(created ? 201 : 200, *obj);
  AddWarningHeaders(resp, warnings);
  return resp;
}

HttpResponse ApiHandler::PatchObject(const Call& c) {
  if (!c.info.subresource.empty() && c.info.subresource != "status") {
    return ErrorResponse(MethodNotSupported(c.resource, "patch"));
  }
  std::string ct = c.req.Header("content-type");
  std::string media = ct.substr(0, ct.find(';'));
  WriteOptions options = WithRequestAdmission(c, media == "application/apply-patch+yaml"
                                                     ? WriteOptionsFrom(c.req)
                                                     : WriteOptionsWithManager(c.req));
  auto mode = FieldValidationFrom(c.req);
  if (!mode.ok()) return ErrorResponse(mode.status());
  std::vector<std::string> warnings;
  Result<Document> patch = Status::OK();
  std::vector<std::string> yaml_duplicates;
  if (media == "application/apply-patch+yaml") {
    patch = api::YamlToJson(c.req.body, &yaml_duplicates);
  } else if (media == "application/json-patch+json" || media == "application/merge-patch+json" ||
             media == "application/strategic-merge-patch+json") {
    patch = api::ParseJson(c.req.body);
  } else {
    return ErrorResponse(
        Status(StatusCode::kUnsupportedMediaType,
               "the body of the request was in an unknown format - accepted media types include: "
               "application/json-patch+json, application/merge-patch+json, "
               "application/apply-patch+yaml, application/strategic-merge-patch+json"));
  }
  if (!patch.ok()) return ErrorResponse(patch.status());
  const Value& p = *patch;
  if (media == "application/json-patch+json") {
    if (!p.IsArray()) {
      return ErrorResponse(Status::BadRequest(
          "json: cannot unmarshal object into Go value of type jsonpatch.Patch"));
    }
  } else if (!p.IsObject()) {
    return ErrorResponse(Status::BadRequest("the body of the request must be a JSON object"));
  }
  if (media == "application/apply-patch+yaml") {
    return ServerSideApply(objects_, c.resource, c.info, c.req, p, yaml_duplicates, *mode, options);
  }
  if (c.req.HasQuery("force")) {
    return ErrorResponse(PatchOptionsInvalid(
        {"FieldValueForbidden", "force", "Forbidden: may not be specified for non-apply patch"}));
  }
  // Strategic merge metadata comes from the kind's schema; the suffix rules remain for kinds
  // without one.
  const api::schema::Type* schema =
      api::schema::BuiltinSchemas().ForKind(c.resource.group, c.resource.version, c.resource.kind);
  api::PatchMetaLookup meta =
      schema ? api::schema::SchemaPatchMeta(*schema) : api::DefaultPatchMeta();
  // Repeated members of the patch body itself (upstream decodes it strictly too); they are
  // reported with the patched object's problems, first.
  std::vector<std::string> patch_duplicates;
  if (media != "application/json-patch+json" && *mode != FieldValidation::kIgnore) {
    patch_duplicates = DuplicateFields(p);
  }
  auto apply_patch = [&](Document& doc) -> Status {
    if (media == "application/json-patch+json") return api::ApplyJsonPatch(doc, p);
    if (media == "application/merge-patch+json") {
      api::ApplyMergePatch(doc, p, doc.GetAllocator());
      return Status::OK();
    }
    return api::ApplyStrategicMergePatch(doc, p, doc.GetAllocator(), meta);
  };
  std::optional<std::string> undecodable;  // why the patched object did not decode
  Mutation mutation = [&](Document& doc) -> Status {
    warnings.clear();  // the mutation re-runs on write conflicts
    undecodable.reset();
    TK_RETURN_IF_ERROR(apply_patch(doc));
    if (!doc.IsObject()) return Status::OK();  // reported by ObjectService
    const BodyOrigin origin = media == "application/strategic-merge-patch+json"
                                  ? BodyOrigin::kStrategicPatch
                                  : BodyOrigin::kPatch;
    Status checked = CheckFields(c.resource, doc, doc.GetAllocator(), *mode, origin, &warnings,
                                 patch_duplicates);
    if (!checked.ok()) undecodable = checked.message();
    return checked;
  };
  auto obj =
      objects_.Mutate(c.resource, c.info.ns, c.info.name, c.info.subresource, mutation, options);
  if (!obj.ok() && undecodable) {
    if (media == "application/strategic-merge-patch+json") {
      return ErrorResponse(PatchNotDecodable(api::GoPrinted(p), *undecodable));
    }
    // Upstream shows the patched object as it was before decoding; ours was pruned on the way,
    // so the patch is applied again to the current object for the message (failures only).
    std::string patched;
    if (auto current = objects_.Get(c.resource, c.info.ns, c.info.name); current.ok()) {
      Document doc;
      doc.CopyFrom(*(*current)->Doc(), doc.GetAllocator());
      if (apply_patch(doc).ok()) patched = api::ToJson(doc);
    }
    return ErrorResponse(PatchNotDecodable(patched, *undecodable));
  }
  if (!obj.ok()) return ErrorResponse(obj.status());
  HttpResponse resp = ObjectResponse(200, *obj);
  AddWarningHeaders(resp, warnings);
  return resp;
}

namespace {
Result<DeleteOptions> ParseDeleteOptions(const HttpRequest& req) {
  DeleteOptions o;
  if (!req.body.empty()) {
    TK_ASSIGN_OR_RETURN(Document body, api::ParseJson(req.body));
    if (!body.IsObject()) return Status::BadRequest("DeleteOptions must be a JSON object");
    if (const Value* g = api::FindMember(body, "gracePeriodSeconds"); g && g->IsInt64()) {
      o.grace_period_seconds = g->GetInt64();
    }
    o.propagation_policy = api::GetString(body, {"propagationPolicy"});
    if (const Value* orphan = api::FindMember(body, "orphanDependents");
        orphan && orphan->IsBool()) {
      if (o.propagation_policy.empty())
        o.propagation_policy = orphan->GetBool() ? "Orphan" : "Background";
    }
    if (const Value* pre = api::FindMember(body, "preconditions"); pre && pre->IsObject()) {
      if (const Value* uid = api::FindMember(*pre, "uid"); uid && uid->IsString()) {
        o.precondition_uid = uid->GetString();
      }
      if (const Value* rv = api::FindMember(*pre, "resourceVersion"); rv && rv->IsString()) {
        o.precondition_resource_version = rv->GetString();
      }
    }
    if (const Value* dry = api::FindMember(body, "dryRun");
        dry && dry->IsArray() && !dry->Empty()) {
      o.dry_run = true;
    }
  }
  if (req.HasQuery("gracePeriodSeconds")) {
    auto g = ParseInt(req.Query("gracePeriodSeconds"));
    if (!g)
      return Status::BadRequest("invalid gracePeriodSeconds: " + req.Query("gracePeriodSeconds"));
    o.grace_period_seconds = *g;
  }
  if (req.HasQuery("propagationPolicy")) o.propagation_policy = req.Query("propagationPolicy");
  if (req.Query("dryRun") == "All") o.dry_run = true;
  const std::string& p = o.propagation_policy;
  if (!p.empty() && p != "Background" && p != "Foreground" && p != "Orphan") {
    return Status::BadRequest("propagationPolicy: Unsupported value: \"" + p +
                              "\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
  }
  return o;
}
}  // namespace

HttpResponse ApiHandler::DeleteObject(const Call& c) {
  if (!c.info.subresource.empty()) return ErrorResponse(MethodNotSupported(c.resource, "delete"));
  auto options = ParseDeleteOptions(c.req);
  if (!options.ok()) return ErrorResponse(options.status());
  auto result = objects_.Delete(c.resource, c.info.ns, c.info.name, *options);
  if (!result.ok()) return ErrorResponse(result.status());
  return ObjectResponse(200, result->object);
}

HttpResponse ApiHandler::DeleteCollection(const Call& c) {
  auto filter = MakeFilter(c);
  if (!filter.ok()) return ErrorResponse(filter.status());
  auto options = ParseDeleteOptions(c.req);
  if (!options.ok()) return ErrorResponse(options.status());
  objects_.cache().WaitFresh();
  storage::Revision rv = 0;
  std::vector<CachedPtr> deleted;
  for (const auto& stored : objects_.cache().List(c.resource.NamespacePrefix(c.info.ns), &rv)) {
    CachedPtr obj = ViewAs(c.resource, stored);
    auto doc = obj->Doc();
    if (!filter->Matches(*doc)) continue;
    auto result = objects_.Delete(c.resource, api::GetString(*doc, {"metadata", "namespace"}),
                                  api::GetString(*doc, {"metadata", "name"}), *options);
    if (result.ok()) {
      deleted.push_back(result->object);
    } else if (!result.status().IsNotFound()) {
      return ErrorResponse(result.status());
    }
  }
  return JsonResponse(200, ListJson(c.resource, deleted, objects_.cache().revision(), "", 0));
}

}  // namespace tinyk8s::apiserver
