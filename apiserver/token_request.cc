#include "apiserver/token_request.h"

#include <algorithm>
#include <chrono>

#include "api/json.h"
#include "apiserver/api_errors.h"
#include "apiserver/api_handler.h"
#include "apiserver/field_errors.h"
#include "apiserver/field_validation.h"

namespace tinyk8s::apiserver {

namespace {

using rapidjson::Value;

constexpr int64_t kDefaultExpirationSeconds = 60 * 60;  // upstream's v1 defaulting
constexpr int64_t kMinExpirationSeconds = 10 * 60;
constexpr int64_t kMaxExpirationSeconds = int64_t{1} << 32;
// Upstream's --service-account-extend-token-expiration (on by default): a pod-bound token for
// the API asked for with exactly this lifetime (the kubelet's projected volume) lives a year and
// records when it should have expired, so clients that do not refresh tokens keep working.
constexpr int64_t kWarnOnlyExpirationSeconds = 60 * 60 + 7;
constexpr int64_t kExtendedExpirationSeconds = 24 * 365 * 60 * 60;

// The kind errors name: TokenRequest.authentication.k8s.io.
const ResourceInfo& TokenRequestKind() {
  static const ResourceInfo kind = [] {
    ResourceInfo r;
    r.group = "authentication.k8s.io";
    r.version = "v1";
    r.kind = "TokenRequest";
    r.plural = "tokenrequests";
    return r;
  }();
  return kind;
}

Status Undecodable(const std::string& why) {
  return BadRequestError("TokenRequest in version \"v1\" cannot be handled as a TokenRequest: " +
                         why);
}

// TokenSpec is the request's spec after decoding and defaulting.
struct TokenSpec {
  std::vector<std::string> audiences;
  int64_t expiration_seconds = kDefaultExpirationSeconds;
  const Value* bound_ref = nullptr;  // spec.boundObjectRef when given
};

Result<TokenSpec> DecodeSpec(const Value& request, const auth::ServiceAccountTokens& tokens) {
  TokenSpec spec;
  const Value* s = api::FindMember(request, "spec");
  if (s && !s->IsNull() && !s->IsObject()) return Undecodable("spec must be an object");
  if (s && s->IsObject()) {
    if (const Value* aud = api::FindMember(*s, "audiences"); aud && !aud->IsNull()) {
      if (!aud->IsArray()) return Undecodable("spec.audiences must be a list of strings");
      for (const auto& a : aud->GetArray()) {
        if (!a.IsString()) return Undecodable("spec.audiences must be a list of strings");
        spec.audiences.emplace_back(a.GetString(), a.GetStringLength());
      }
    }
    if (const Value* exp = api::FindMember(*s, "expirationSeconds"); exp && !exp->IsNull()) {
      if (!exp->IsInt64()) return Undecodable("spec.expirationSeconds must be an integer");
      spec.expiration_seconds = exp->GetInt64();
    }
    if (const Value* ref = api::FindMember(*s, "boundObjectRef"); ref && !ref->IsNull()) {
      if (!ref->IsObject()) return Undecodable("spec.boundObjectRef must be an object");
      spec.bound_ref = ref;
    }
  }
  if (spec.audiences.empty()) spec.audiences = tokens.api_audiences();
  std::vector<FieldError> errors;
  if (spec.expiration_seconds < kMinExpirationSeconds) {
    errors.push_back(FieldInvalidInt("spec.expirationSeconds", spec.expiration_seconds,
                                     "may not specify a duration less than 10 minutes"));
  }
  if (spec.expiration_seconds > kMaxExpirationSeconds) {
    errors.push_back(FieldInvalidInt("spec.expirationSeconds", spec.expiration_seconds,
                                     "may not specify a duration larger than 2^32 seconds"));
  }
  // As upstream, static validation errors name no object.
  if (!errors.empty()) return InvalidError(TokenRequestKind(), "", std::move(errors));
  return spec;
}

// FindOrNotFound looks an object up for binding; "secrets" may not be served at all, and then
// none can exist.
Result<std::shared_ptr<const rapidjson::Document>> FindOrNotFound(ObjectService& objects,
                                                                  const std::string& plural,
                                                                  const std::string& kind,
                                                                  const std::string& ns,
                                                                  const std::string& name) {
  // Upstream's registry refuses a get without a name this way.
  if (name.empty()) return BadRequestError("Name parameter required.");
  const ResourceInfo* r = objects.registry().FindByGroupResource("", plural);
  auto obj = r ? objects.Find(*r, ns, name) : nullptr;
  if (obj) return obj;
  ResourceInfo unserved;
  unserved.plural = plural;
  unserved.kind = kind;
  return NotFoundError(r ? *r : unserved, name);
}

// BindTo fills the claims' bound object from spec.boundObjectRef (upstream supports a Pod, a
// Secret or a Node; a pod-bound token also records the pod's node, informatively).
Status BindTo(ObjectService& objects, const Value& ref, const std::string& ns,
              const std::string& service_account, auth::ServiceAccountClaims* claims) {
  std::string kind = api::GetString(ref, {"kind"});
  std::string api_version = api::GetString(ref, {"apiVersion"});
  std::string name = api::GetString(ref, {"name"});
  std::string uid = api::GetString(ref, {"uid"});
  size_t slash = api_version.find('/');
  std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  std::string recorded_uid;
  if (group.empty() && kind == "Pod") {
    TK_ASSIGN_OR_RETURN(auto pod, FindOrNotFound(objects, "pods", kind, ns, name));
    if (api::GetString(*pod, {"spec", "serviceAccountName"}) != service_account) {
      return BadRequestError("cannot bind token for serviceaccount \"" + service_account +
                             "\" to pod running with different serviceaccount name.");
    }
    recorded_uid = api::GetString(*pod, {"metadata", "uid"});
    claims->pod = auth::ObjectRef{name, recorded_uid};
    if (std::string node = api::GetString(*pod, {"spec", "nodeName"}); !node.empty()) {
      // A node that is gone still names where the pod runs, without a uid (as upstream).
      auto found = FindOrNotFound(objects, "nodes", "Node", "", node);
      claims->node =
          auth::ObjectRef{node, found.ok() ? api::GetString(**found, {"metadata", "uid"}) : ""};
    }
  } else if (group.empty() && kind == "Node") {
    TK_ASSIGN_OR_RETURN(auto node, FindOrNotFound(objects, "nodes", kind, "", name));
    recorded_uid = api::GetString(*node, {"metadata", "uid"});
    claims->node = auth::ObjectRef{name, recorded_uid};
  } else if (group.empty() && kind == "Secret") {
    TK_ASSIGN_OR_RETURN(auto secret, FindOrNotFound(objects, "secrets", kind, ns, name));
    recorded_uid = api::GetString(*secret, {"metadata", "uid"});
    claims->secret = auth::ObjectRef{name, recorded_uid};
  } else {
    // Go's schema.GroupVersionKind.String().
    return BadRequestError("cannot bind token to object of type " + group + "/" + version +
                           ", Kind=" + kind);
  }
  if (!uid.empty() && uid != recorded_uid) {
    return Status::Conflict("Operation cannot be fulfilled on " + kind + " \"" + name +
                            "\": the UID in the bound object reference (" + uid +
                            ") does not match the UID in record. The object might have been "
                            "deleted and then recreated")
        .WithDetails({name, group, kind});
  }
  return Status::OK();
}

int64_t Seconds(Clock::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

HttpResponse CreateToken(ObjectService& objects, const auth::ServiceAccountTokens& tokens,
                         const ResourceInfo& service_accounts, const std::string& ns,
                         const std::string& name, const HttpRequest& req) {
  std::vector<std::string> warnings;
  auto body = DecodeCheckedBody(req, TokenRequestKind(), &warnings);
  if (!body.ok()) return ErrorResponse(body.status());
  rapidjson::Document& request = *body;
  if (!request.IsObject()) return ErrorResponse(Undecodable("the body must be an object"));
  auto& a = request.GetAllocator();
  if (const Value* m = api::FindMember(request, "metadata"); m && !m->IsNull() && !m->IsObject()) {
    return ErrorResponse(Undecodable("metadata must be an object"));
  }
  // The name and namespace in the body, when given, must be the URL's.
  std::string body_name = api::GetString(request, {"metadata", "name"});
  std::string body_ns = api::GetString(request, {"metadata", "namespace"});
  if (!body_name.empty() && body_name != name) {
    return ErrorResponse(
        InvalidError(TokenRequestKind(), name,
                     {FieldInvalid("metadata.name", std::string_view(body_name),
                                   "must match the service account name if specified")}));
  }
  if (!body_ns.empty() && body_ns != ns) {
    return ErrorResponse(
        InvalidError(TokenRequestKind(), name,
                     {FieldInvalid("metadata.namespace", std::string_view(body_ns),
                                   "must match the service account namespace if specified")}));
  }
  auto sa = objects.Find(service_accounts, ns, name);
  if (!sa) return ErrorResponse(NotFoundError(service_accounts, name));
  auto spec = DecodeSpec(request, tokens);
  if (!spec.ok()) return ErrorResponse(spec.status());

  // The time is taken before the token is made, so status.expirationTimestamp <= exp.
  Clock::TimePoint now = objects.clock().Now();
  auth::ServiceAccountClaims claims;
  claims.audiences = spec->audiences;
  claims.issued_at = claims.not_before = Seconds(now);
  claims.expires = claims.issued_at + spec->expiration_seconds;
  claims.ns = ns;
  claims.service_account = {name, api::GetString(*sa, {"metadata", "uid"})};
  if (spec->bound_ref) {
    if (Status s = BindTo(objects, *spec->bound_ref, ns, name, &claims); !s.ok()) {
      return ErrorResponse(s);
    }
  }
  const auto& api_audiences = tokens.api_audiences();
  bool for_the_api = std::all_of(spec->audiences.begin(), spec->audiences.end(), [&](auto& aud) {
    return std::find(api_audiences.begin(), api_audiences.end(), aud) != api_audiences.end();
  });
  if (claims.pod && spec->expiration_seconds == kWarnOnlyExpirationSeconds && for_the_api) {
    claims.warn_after = claims.expires;
    claims.expires = claims.issued_at + kExtendedExpirationSeconds;
  }
  auto token = tokens.Issue(claims);
  if (!token.ok()) return ErrorResponse(token.status());

  // The answer is the request, completed: metadata from the ServiceAccount, defaulted spec,
  // and the token.
  Value& meta = api::EnsureObject(request, {"metadata"}, a);
  api::SetString(meta, "name", name, a);
  api::SetString(meta, "namespace", ns, a);
  api::SetString(meta, "uid", claims.service_account.uid, a);
  api::SetString(meta, "creationTimestamp", FormatRfc3339(now), a);
  Value out_spec(rapidjson::kObjectType);
  Value audiences(rapidjson::kArrayType);
  for (const auto& aud : spec->audiences) audiences.PushBack(api::MakeString(aud, a), a);
  out_spec.AddMember("audiences", audiences, a);
  out_spec.AddMember("expirationSeconds", spec->expiration_seconds, a);
  Value bound;  // null unless given, as upstream serializes it
  if (spec->bound_ref) bound.CopyFrom(*spec->bound_ref, a);
  out_spec.AddMember("boundObjectRef", bound, a);
  api::SetValue(request, "spec", out_spec, a);
  Value status(rapidjson::kObjectType);
  status.AddMember("token", api::MakeString(*token, a), a);
  status.AddMember(
      "expirationTimestamp",
      api::MakeString(FormatRfc3339(now + std::chrono::seconds(spec->expiration_seconds)), a), a);
  api::SetValue(request, "status", status, a);
  api::SetString(request, "kind", "TokenRequest", a);
  api::SetString(request, "apiVersion", "authentication.k8s.io/v1", a);
  HttpResponse response = JsonResponse(201, api::ToJson(request));
  AddWarningHeaders(response, warnings);
  return response;
}

}  // namespace tinyk8s::apiserver
