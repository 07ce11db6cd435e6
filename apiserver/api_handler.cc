#include "apiserver/api_handler.h"

#include <zlib.h>

#include "api/json.h"
#include "api/schema/protobuf.h"
#include "api/yaml.h"
#include "apiserver/api_errors.h"
#include "apiserver/field_validation.h"
#include "apiserver/issuer_discovery.h"
#include "common/logging.h"
#include "common/version.h"

namespace tinyk8s::apiserver {

namespace {
const std::string& VersionJson() {
  static const std::string* const json = new std::string(
      std::string(R"({"major":"1","minor":"32","gitVersion":")") +
      std::string(kKubernetesGitVersion) + R"(","gitCommit":")" +
      std::string(kKubernetesGitCommit) +
      R"(","gitTreeState":"clean","buildDate":"2026-11-28T00:00:00Z","goVersion":"go1.23.3","compiler":"gc","platform":")" +
      std::string(Platform()) + R"("})");
  return *json;
}
// Responses larger than this are gzip-compressed when the client accepts it (as upstream).
constexpr size_t kGzipThreshold = 128 * 1024;

std::string Gzip(const std::string& in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return {};
  std::string out;
  out.resize(deflateBound(&zs, in.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string();
}

std::string VerbFor(const std::string& method, const RequestInfo& info, const HttpRequest& req) {
  if (method == "GET") {
    if (info.legacy_watch) return "watch";
    if (!info.name.empty()) return "get";
    std::string w = req.Query("watch");
    return (w == "true" || w == "1") ? "watch" : "list";
  }
  if (method == "POST") return "create";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return info.name.empty() ? "deletecollection" : "delete";
  return method;
}
}  // namespace

HttpResponse JsonResponse(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Result<rapidjson::Document> DecodeBody(const HttpRequest& req,
                                       std::vector<std::string>* yaml_duplicates) {
  std::string ct = req.Header("content-type");
  std::string media = ct.substr(0, ct.find(';'));
  if (media.empty() || media == "application/json" || media == "*/*")
    return api::ParseJson(req.body);
  if (media == "application/yaml" || media == "application/apply-patch+yaml") {
    return api::YamlToJson(req.body, yaml_duplicates);
  }
  if (media == "application/vnd.kubernetes.protobuf") {
    // kubectl 1.32+ typed clients (create namespace) send protobuf and never retry with JSON.
    return api::schema::DecodeProtobufObject(req.body, api::schema::BuiltinSchemas());
  }
  return Status(StatusCode::kUnsupportedMediaType,
                "the body of the request was in an unknown format - accepted media types include: "
                "application/json, application/yaml, application/vnd.kubernetes.protobuf");
}

Result<rapidjson::Document> DecodeCheckedBody(const HttpRequest& req, const ResourceInfo& r,
                                              std::vector<std::string>* warnings) {
  TK_ASSIGN_OR_RETURN(FieldValidation mode, FieldValidationFrom(req));
  std::vector<std::string> yaml_duplicates;
  TK_ASSIGN_OR_RETURN(rapidjson::Document body, DecodeBody(req, &yaml_duplicates));
  TK_RETURN_IF_ERROR(CheckFields(r, body, body.GetAllocator(), mode, BodyOrigin::kObject, warnings,
                                 yaml_duplicates));
  return body;
}

WriteOptions WriteOptionsFrom(const HttpRequest& req) {
  WriteOptions o;
  o.dry_run = req.Query("dryRun") == "All";
  o.field_manager = req.Query("fieldManager");
  return o;
}

bool ObjectFilter::Matches(const rapidjson::Value& obj) const {
  if (!labels.Empty() && !labels.Matches(api::FindPath(obj, {"metadata", "labels"}))) return false;
  if (fields.Empty()) return true;
  return fields.Matches([&](std::string_view f) { return resource->strategy->FieldValue(obj, f); });
}

ApiHandler::ApiHandler(ObjectService& objects, boost::asio::io_context& timers,
                       Discovery::AddressFn server_address, Metrics& metrics,
                       const auth::Authenticator& authenticator, auth::Authorizer& authorizer,
                       const auth::ServiceAccountTokens* service_accounts)
    : objects_(objects),
      registry_(objects.registry()),
      timers_(timers),
      server_address_(std::move(server_address)),
      discovery_(objects.registry(), server_address_),
      openapi_(objects.registry(), api::schema::BuiltinSchemas()),
      metrics_(metrics),
      authenticator_(authenticator),
      authorizer_(authorizer),
      service_accounts_(service_accounts) {}

void ApiHandler::Handle(const std::shared_ptr<HttpExchange>& ex) {
  auto start = std::chrono::steady_clock::now();
  std::string verb = "GET", resource = "";
  bool streaming = false;
  HttpResponse response;
  try {
    response = Serve(ex, &verb, &resource, &streaming);
  } catch (const std::exception& e) {
    // Nothing below is expected to throw; a bug must not take the server down.
    TK_LOG_ERROR << "internal error serving " << ex->request().method << " " << ex->request().target
                 << ": " << e.what();
    response = ErrorResponse(Status::Internal(std::string("internal error: ") + e.what()));
  }
  if (streaming) return;
  auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  metrics_.ObserveRequest(verb, resource, response.status, latency);
  TK_VLOG(2) << ex->request().method << " " << ex->request().target << " " << response.status << " "
             << latency.count() << "us";
  if (response.body.size() > kGzipThreshold &&
      ex->request().Header("accept-encoding").find("gzip") != std::string::npos) {
    std::string gz = Gzip(response.body);
    if (!gz.empty()) {
      response.body = std::move(gz);
      response.headers.push_back({"Content-Encoding", "gzip"});
    }
  }
  ex->Respond(std::move(response));
}

HttpResponse ApiHandler::Serve(const std::shared_ptr<HttpExchange>& ex, std::string* verb,
                               std::string* resource_label, bool* streaming) {
  const HttpRequest& req = ex->request();
  const std::string& path = req.path;
  if (path == "/version" || path == "/version/") return JsonResponse(200, VersionJson());
  if (path == "/healthz" || path == "/livez" || path == "/readyz" ||
      path.rfind("/healthz/", 0) == 0 || path.rfind("/livez/", 0) == 0 ||
      path.rfind("/readyz/", 0) == 0) {
    HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    bool ok = path.rfind("/readyz", 0) != 0 || ready_;
    r.status = ok ? 200 : 503;
    r.body = ok ? "ok" : "not ready";
    return r;
  }
  RequestInfo info;
  bool resource_path = ParseRequestPath(path, &info) && info.is_resource;
  std::optional<auth::UserInfo> user;
  *verb = resource_path ? VerbFor(req.method, info, req) : req.method;
  if (auto denied = Authorize(req, resource_path ? &info : nullptr, *verb, &user)) {
    return *denied;
  }
  if (path == "/metrics") {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics_.Render(objects_.cache().revision());
    return r;
  }
  if (path.rfind("/openapi/", 0) == 0 || path == "/swagger-2.0.0.pb-v1") {
    if (auto doc = openapi_.Handle(req)) return *doc;
  }
  if (req.method == "GET") {
    if (auto d = discovery_.Handle(path, req.Header("accept"))) return *d;
    if (service_accounts_) {
      if (auto d = ServeIssuerDiscovery(req, *service_accounts_, server_address_())) return *d;
    }
  }
  if (!resource_path) return ErrorResponse(PathNotFound());
  const ResourceInfo* r = registry_.Find(info.group, info.version, info.resource);
  if (!r) return ErrorResponse(PathNotFound());
  *resource_label = r->plural;
  if (!r->namespaced && !info.ns.empty()) return ErrorResponse(PathNotFound());
  if (!info.subresource.empty() && !r->FindSubresource(info.subresource)) {
    return ErrorResponse(PathNotFound());
  }
  if (r->namespaced && info.ns.empty() && !info.name.empty()) return ErrorResponse(PathNotFound());
  Call c{req, info, *r, ex, user ? &*user : nullptr};
  const std::string& m = req.method;
  if (info.legacy_watch) {
    if (m != "GET") return ErrorResponse(MethodNotSupported(*r, *verb));
    if (!info.subresource.empty()) return ErrorResponse(PathNotFound());
  }
  if (m == "GET") {
    if (!info.name.empty() && !info.legacy_watch) return GetObject(c);
    if (*verb == "watch") {
      if (auto err = StartWatch(c)) return *err;
      *streaming = true;
      return {};
    }
    return ListObjects(c);
  }
  if (m == "POST") {
    if (ReviewHandler review = ReviewHandlerFor(*r);
        review && info.name.empty() && info.subresource.empty()) {
      return (this->*review)(req, *r, *user);
    }
    if (!info.subresource.empty()) return CreateSubresource(c);
    if (!info.name.empty()) return ErrorResponse(MethodNotSupported(*r, "create"));
    if (r->namespaced && info.ns.empty()) return ErrorResponse(PathNotFound());
    return CreateObject(c);
  }
  if (m == "PUT") {
    if (info.name.empty()) return ErrorResponse(MethodNotSupported(*r, "update"));
    return UpdateObject(c);
  }
  if (m == "PATCH") {
    if (info.name.empty()) return ErrorResponse(MethodNotSupported(*r, "patch"));
    return PatchObject(c);
  }
  if (m == "DELETE") {
    if (info.name.empty()) return DeleteCollection(c);
    return DeleteObject(c);
  }
  HttpResponse resp =
      ErrorResponse(Status(StatusCode::kMethodNotAllowed, "method " + m + " not allowed"));
  return resp;
}

Result<ObjectFilter> ApiHandler::MakeFilter(const Call& c) const {
  ObjectFilter f;
  f.resource = &c.resource;
  if (c.req.HasQuery("labelSelector")) {
    TK_ASSIGN_OR_RETURN(f.labels, api::LabelSelector::Parse(c.req.Query("labelSelector")));
  }
  if (c.req.HasQuery("fieldSelector")) {
    TK_ASSIGN_OR_RETURN(f.fields, api::FieldSelector::Parse(c.req.Query("fieldSelector")));
  }
  if (c.info.legacy_watch && !c.info.name.empty()) {
    // A watch of one object is a watch with a metadata.name field selector (as upstream).
    if (auto wanted = f.fields.RequiresExactMatch("metadata.name");
        wanted && *wanted != c.info.name) {
      return Status::BadRequest("fieldSelector metadata.name=" + *wanted +
                                " does not match requested name " + c.info.name);
    }
    std::string text = f.fields.ToString();
    if (!text.empty()) text += ',';
    TK_ASSIGN_OR_RETURN(
        f.fields,
        api::FieldSelector::Parse(text + "metadata.name=" + api::EscapeFieldValue(c.info.name)));
  }
  if (!f.fields.Empty()) {
    rapidjson::Document probe;
    probe.SetObject();
    for (const auto& req : f.fields.requirements()) {
      if (!c.resource.strategy->FieldValue(probe, req.field)) {
        return Status::BadRequest("field label not supported: " + req.field);
      }
    }
  }
  return f;
}

}  // namespace tinyk8s::apiserver
