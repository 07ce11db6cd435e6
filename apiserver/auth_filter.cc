// ApiHandler's authentication and authorization step (upstream's WithAuthentication and
// WithAuthorization filters, impersonation included) and the SelfSubjectAccessReview and
// SelfSubjectRulesReview endpoints that expose the same decisions to `kubectl auth can-i
// [--list]`.
#include <algorithm>

#include "api/json.h"
#include "apiserver/api_errors.h"
#include "apiserver/api_handler.h"
#include "apiserver/auth/authorizer.h"
#include "apiserver/auth/escalation.h"
#include "apiserver/auth/impersonation.h"
#include "apiserver/auth/rbac.h"

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
  if (auth::ImpersonationRequested(req)) {
    auto as = auth::Impersonate(req, **user, [this](const auth::Attributes& a, std::string* why) {
      return authorizer_.Allowed(a, why);
    });
    if (!as.ok()) return ErrorResponse(as.status());
    *user = std::move(*as);
  }
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

HttpResponse ApiHandler::CreateAccessReview(const HttpRequest& req, const ResourceInfo& r,
                                            const auth::UserInfo& user) {
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
  return ReviewResponse(review, r);
}

WriteOptions ApiHandler::WithRequestAdmission(const Call& c, WriteOptions o) {
  if (c.resource.group != "rbac.authorization.k8s.io" || !c.user) return o;
  const auth::UserInfo* user = c.user;  // outlives the write: the request is still being served
  std::string plural = c.resource.plural;
  std::string ns = c.info.ns;
  o.admit = [this, user, plural, ns](const rapidjson::Value& obj) {
    return auth::CheckEscalation(
        authorizer_, *user, plural, ns, obj,
        [this](const std::string& kind, const std::string& role_ns,
               const std::string& name) -> Result<std::vector<auth::PolicyRule>> {
          std::string role_plural = kind == "Role" ? "roles" : "clusterroles";
          const ResourceInfo* r =
              registry_.FindByGroupResource("rbac.authorization.k8s.io", role_plural);
          auto role = r ? objects_.Find(*r, role_ns, name) : nullptr;
          if (!role) {
            return Status::NotFound(role_plural + ".rbac.authorization.k8s.io \"" + name +
                                    "\" not found");
          }
          std::vector<auth::PolicyRule> rules;
          if (const auto* list = api::FindMember(*role, "rules"); list && list->IsArray()) {
            for (const auto& rule : list->GetArray()) rules.push_back(auth::ParsePolicyRule(rule));
          }
          return rules;
        });
  };
  return o;
}

namespace {
// StringArray renders a rule's list of strings.
rapidjson::Value StringArray(const std::vector<std::string>& items, api::Allocator& alloc) {
  rapidjson::Value out(rapidjson::kArrayType);
  for (const auto& s : items) out.PushBack(api::MakeString(s, alloc), alloc);
  return out;
}
}  // namespace

HttpResponse ApiHandler::CreateRulesReview(const HttpRequest& req, const ResourceInfo& r,
                                           const auth::UserInfo& user) {
  auto body = DecodeBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  rapidjson::Document& review = *body;
  if (!review.IsObject()) return ErrorResponse(BadRequestError("the body must be an object"));
  std::string ns = api::GetString(review, {"spec", "namespace"});
  // Upstream's REST handler refuses a review without a namespace the same way.
  if (ns.empty()) return ErrorResponse(BadRequestError("no namespace on request"));
  auth::RuleSet set = authorizer_.RulesFor(user, ns);
  auto& alloc = review.GetAllocator();
  rapidjson::Value resource_rules(rapidjson::kArrayType);
  rapidjson::Value non_resource_rules(rapidjson::kArrayType);
  for (const auto& rule : set.rules) {
    rapidjson::Value r(rapidjson::kObjectType);
    r.AddMember("verbs", StringArray(rule.verbs, alloc), alloc);
    if (!rule.resources.empty()) {
      rapidjson::Value rr(r, alloc);
      if (!rule.api_groups.empty()) {
        rr.AddMember("apiGroups", StringArray(rule.api_groups, alloc), alloc);
      }
      rr.AddMember("resources", StringArray(rule.resources, alloc), alloc);
      if (!rule.resource_names.empty()) {
        rr.AddMember("resourceNames", StringArray(rule.resource_names, alloc), alloc);
      }
      resource_rules.PushBack(rr, alloc);
    }
    if (!rule.non_resource_urls.empty()) {
      r.AddMember("nonResourceURLs", StringArray(rule.non_resource_urls, alloc), alloc);
      non_resource_rules.PushBack(r, alloc);
    }
  }
  api::RemoveMember(review, "status");
  rapidjson::Value status(rapidjson::kObjectType);
  status.AddMember("resourceRules", resource_rules, alloc);
  status.AddMember("nonResourceRules", non_resource_rules, alloc);
  status.AddMember("incomplete", set.incomplete, alloc);
  if (!set.evaluation_error.empty()) {
    status.AddMember("evaluationError", api::MakeString(set.evaluation_error, alloc), alloc);
  }
  review.AddMember("status", status, alloc);
  return ReviewResponse(review, r);
}

}  // namespace tinyk8s::apiserver
