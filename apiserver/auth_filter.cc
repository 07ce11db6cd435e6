// ApiHandler's authentication and authorization step (upstream's WithAuthentication and
// WithAuthorization filters) and the SelfSubjectAccessReview endpoint that exposes the same
// decision to `kubectl auth can-i`.
#include <algorithm>

#include "api/json.h"
#include "apiserver/api_errors.h"
#include "apiserver/api_handler.h"
#include "apiserver/auth/authorizer.h"

namespace tinyk8s::apiserver {

namespace {
std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
}  // namespace

bool IsPublicPath(const std::string& path) {
  // Upstream grants these to everyone (system:public-info-viewer); probes must not need keys.
  return path == "/version" || path == "/version/" || path == "/healthz" || path == "/livez" ||
         path == "/readyz" || path.rfind("/healthz/", 0) == 0 || path.rfind("/livez/", 0) == 0 ||
         path.rfind("/readyz/", 0) == 0;
}

std::optional<HttpResponse> ApiHandler::Authorize(const HttpRequest& req, const RequestInfo* info,
                                                  const std::string& verb,
                                                  std::optional<auth::UserInfo>* user) {
  bool bad_token = false;
  *user = authenticator_.Authenticate(req, &bad_token);
  if (!*user) return ErrorResponse(Status(StatusCode::kUnauthorized, "Unauthorized"));
  auth::Attributes a;
  a.user = &**user;
  if (info && info->is_resource) {
    a.resource_request = true;
    a.verb = verb;
    a.api_group = info->group;
    a.resource = info->resource;
    a.subresource = info->subresource;
    a.ns = info->ns;
    a.name = info->name;
    if (verb == "create") a.body = &req.body;
  } else {
    a.verb = Lower(req.method);
    a.path = req.path;
  }
  std::string reason;
  if (authorizer_.Allowed(a, &reason)) return std::nullopt;
  Status forbidden(StatusCode::kForbidden, auth::ForbiddenMessage(a, reason));
  if (a.resource_request) {
    forbidden.WithDetails({a.name, a.api_group, a.resource});
  }
  return ErrorResponse(forbidden);
}

HttpResponse ApiHandler::CreateAccessReview(const HttpRequest& req, const auth::UserInfo& user) {
  auto body = DecodeBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  rapidjson::Document& review = *body;
  if (!review.IsObject()) return ErrorResponse(BadRequestError("the body must be an object"));
  auth::Attributes a;
  a.user = &user;
  const rapidjson::Value* ra = api::FindPath(review, {"spec", "resourceAttributes"});
  const rapidjson::Value* nra = api::FindPath(review, {"spec", "nonResourceAttributes"});
  if ((ra == nullptr) == (nra == nullptr)) {
    return ErrorResponse(Status::Invalid(
        "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec: Invalid value: "
        "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
  }
  if (ra) {
    a.resource_request = true;
    a.verb = api::GetString(*ra, {"verb"});
    a.api_group = api::GetString(*ra, {"group"});
    a.resource = api::GetString(*ra, {"resource"});
    a.subresource = api::GetString(*ra, {"subresource"});
    a.ns = api::GetString(*ra, {"namespace"});
    a.name = api::GetString(*ra, {"name"});
  } else {
    a.verb = api::GetString(*nra, {"verb"});
    a.path = api::GetString(*nra, {"path"});
  }
  std::string reason;
  bool allowed = authorizer_.Allowed(a, &reason);
  auto& alloc = review.GetAllocator();
  api::RemoveMember(review, "status");
  rapidjson::Value status(rapidjson::kObjectType);
  status.AddMember("allowed", allowed, alloc);
  if (allowed && user.InGroup(auth::kSystemMasters)) reason = "allowed by the system:masters group";
  if (!reason.empty()) status.AddMember("reason", api::MakeString(reason, alloc), alloc);
  review.AddMember("status", status, alloc);
  if (!review.HasMember("apiVersion")) {
    review.AddMember("apiVersion", "authorization.k8s.io/v1", alloc);
  }
  if (!review.HasMember("kind")) review.AddMember("kind", "SelfSubjectAccessReview", alloc);
  if (!review.HasMember("metadata")) {
    review.AddMember("metadata", rapidjson::Value(rapidjson::kObjectType), alloc);
  }
  return JsonResponse(201, api::ToJson(review));
}

}  // namespace tinyk8s::apiserver
