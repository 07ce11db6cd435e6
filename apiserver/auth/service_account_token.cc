#include "apiserver/auth/service_account_token.h"

#include <algorithm>
#include <chrono>

#include "api/json.h"
#include "api/names.h"

namespace tinyk8s::apiserver::auth {

namespace {

using rapidjson::Value;

// go-jose's jwt.DefaultLeeway: clock skew tolerated on exp, nbf and iat, and how long a
// deleted bound object still honours its tokens.
constexpr int64_t kLeewaySeconds = 60;
constexpr size_t kMaxVerifiedTokens = 4096;

Status Rejected(std::string why) { return Status(StatusCode::kUnauthorized, std::move(why)); }

Value RefValue(const ObjectRef& ref, api::Allocator& a) {
  Value v(rapidjson::kObjectType);
  if (!ref.name.empty()) v.AddMember("name", api::MakeString(ref.name, a), a);
  if (!ref.uid.empty()) v.AddMember("uid", api::MakeString(ref.uid, a), a);
  return v;
}

// Text: a JSON string with its full length (GetString() would stop at an escaped NUL, so an
// audience "a\u0000b" would read as "a").
std::string Text(const Value& v) { return std::string(api::AsStringView(v)); }

// OptionalRef reads {"name","uid"} at `key`; false when present but not an object of strings.
bool OptionalRef(const Value& k8s, const char* key, std::optional<ObjectRef>* out) {
  const Value* v = api::FindMember(k8s, key);
  if (!v || v->IsNull()) return true;
  if (!v->IsObject()) return false;
  const Value* name = api::FindMember(*v, "name");
  const Value* uid = api::FindMember(*v, "uid");
  if ((name && !name->IsString()) || (uid && !uid->IsString())) return false;
  *out = ObjectRef{name ? Text(*name) : "", uid ? Text(*uid) : ""};
  return true;
}

// NumericDate reads a JWT NumericDate (seconds, possibly fractional); false when malformed.
bool NumericDate(const Value& claims, const char* key, int64_t* out) {
  const Value* v = api::FindMember(claims, key);
  if (!v) return true;
  if (v->IsInt64()) {
    *out = v->GetInt64();
  } else if (v->IsNumber() && v->GetDouble() > -1e15 && v->GetDouble() < 1e15) {
    *out = static_cast<int64_t>(v->GetDouble());
  } else {
    return false;
  }
  return true;
}

// GoQuotedList renders a []string as Go's %q does: ["a" "b"].
std::string GoQuotedList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? " \"" : "\"") + items[i] + "\"";
  return out + "]";
}

int64_t Seconds(Clock::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string ServiceAccountUserName(const std::string& ns, const std::string& name) {
  return "system:serviceaccount:" + ns + ":" + name;
}

std::string ClaimsJson(const ServiceAccountClaims& c) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  Value aud(rapidjson::kArrayType);
  for (const auto& s : c.audiences) aud.PushBack(api::MakeString(s, a), a);
  doc.AddMember("aud", aud, a);
  doc.AddMember("exp", c.expires, a);
  doc.AddMember("iat", c.issued_at, a);
  doc.AddMember("iss", api::MakeString(c.issuer, a), a);
  if (!c.id.empty()) doc.AddMember("jti", api::MakeString(c.id, a), a);
  Value k8s(rapidjson::kObjectType);
  k8s.AddMember("namespace", api::MakeString(c.ns, a), a);
  if (c.node) k8s.AddMember("node", RefValue(*c.node, a), a);
  if (c.pod) k8s.AddMember("pod", RefValue(*c.pod, a), a);
  if (c.secret) k8s.AddMember("secret", RefValue(*c.secret, a), a);
  k8s.AddMember("serviceaccount", RefValue(c.service_account, a), a);
  if (c.warn_after != 0) k8s.AddMember("warnafter", c.warn_after, a);
  doc.AddMember("kubernetes.io", k8s, a);
  doc.AddMember("nbf", c.not_before, a);
  doc.AddMember("sub", api::MakeString(ServiceAccountUserName(c.ns, c.service_account.name), a), a);
  return api::ToJson(doc);
}

Result<ServiceAccountClaims> ParseClaims(std::string_view json) {
  auto doc = api::ParseJson(json);
  if (!doc.ok() || !doc->IsObject()) return Rejected("malformed JWT: the payload is not JSON");
  ServiceAccountClaims c;
  const Value* iss = api::FindMember(*doc, "iss");
  const Value* jti = api::FindMember(*doc, "jti");
  if ((iss && !iss->IsString()) || (jti && !jti->IsString())) {
    return Rejected("malformed JWT claims");
  }
  if (iss) c.issuer = Text(*iss);
  if (jti) c.id = Text(*jti);
  // "aud" is a string or an array of strings (RFC 7519 section 4.1.3).
  if (const Value* aud = api::FindMember(*doc, "aud"); aud && aud->IsString()) {
    c.audiences.push_back(Text(*aud));
  } else if (aud && aud->IsArray()) {
    for (const auto& s : aud->GetArray()) {
      if (!s.IsString()) return Rejected("malformed JWT claims");
      c.audiences.push_back(Text(s));
    }
  } else if (aud) {
    return Rejected("malformed JWT claims");
  }
  if (!NumericDate(*doc, "exp", &c.expires) || !NumericDate(*doc, "iat", &c.issued_at) ||
      !NumericDate(*doc, "nbf", &c.not_before)) {
    return Rejected("malformed JWT claims");
  }
  const Value* k8s = api::FindMember(*doc, "kubernetes.io");
  if (!k8s || !k8s->IsObject()) return Rejected("not a service account token");
  const Value* ns = api::FindMember(*k8s, "namespace");
  std::optional<ObjectRef> sa;
  if (!ns || !ns->IsString() || !OptionalRef(*k8s, "serviceaccount", &sa) || !sa ||
      !OptionalRef(*k8s, "pod", &c.pod) || !OptionalRef(*k8s, "secret", &c.secret) ||
      !OptionalRef(*k8s, "node", &c.node)) {
    return Rejected("malformed service account token claims");
  }
  if (!NumericDate(*k8s, "warnafter", &c.warn_after)) {
    return Rejected("malformed service account token claims");
  }
  c.ns = Text(*ns);
  c.service_account = *sa;
  if (c.ns.empty() || c.service_account.name.empty()) {
    return Rejected("service account token without a namespace or name");
  }
  return c;
}

ServiceAccountTokens::ServiceAccountTokens(JwtSigningKey key, ServiceAccountTokenOptions options,
                                           const Clock& clock, ObjectGetter getter)
    : key_(std::move(key)),
      options_(std::move(options)),
      clock_(clock),
      getter_(std::move(getter)) {
  if (options_.api_audiences.empty()) options_.api_audiences = {options_.issuer};
}

Result<std::string> ServiceAccountTokens::Issue(ServiceAccountClaims claims) const {
  claims.issuer = options_.issuer;
  if (claims.id.empty()) claims.id = api::NewUid();
  return key_.Sign(ClaimsJson(claims));
}

std::optional<Result<UserInfo>> ServiceAccountTokens::Authenticate(
    std::string_view token, const std::vector<std::string>& audiences,
    std::vector<std::string>* matched) const {
  Result<ServiceAccountClaims> claims = Status::Internal("unset");
  if (auto remembered = Remembered(token)) {
    claims = std::move(*remembered);
  } else {
    // As upstream, only tokens whose (unverified) issuer is ours are this authenticator's; the
    // issuer is checked again once the signature holds.
    auto payload = UnverifiedPayload(token);
    if (!payload.ok()) return std::nullopt;
    auto unverified = api::ParseJson(*payload);
    if (!unverified.ok() || !unverified->IsObject()) return std::nullopt;
    const Value* iss = api::FindMember(*unverified, "iss");
    if (!iss || !iss->IsString() || api::AsStringView(*iss) != options_.issuer) {
      return std::nullopt;
    }
    claims = Verify(token);
    if (!claims.ok()) return Result<UserInfo>(claims.status());
  }
  const ServiceAccountClaims& c = *claims;
  std::vector<std::string> in_audiences;
  if (Status s =
          CheckAudience(c, audiences.empty() ? options_.api_audiences : audiences, &in_audiences);
      !s.ok()) {
    return Result<UserInfo>(s);
  }
  if (matched) *matched = std::move(in_audiences);
  if (Status s = CheckTimes(c); !s.ok()) return Result<UserInfo>(s);
  if (Status s = CheckBound("serviceaccounts", c.ns, c.service_account, "service account");
      !s.ok()) {
    return Result<UserInfo>(s);
  }
  if (c.secret) {
    if (Status s = CheckBound("secrets", c.ns, *c.secret, "secret"); !s.ok()) {
      return Result<UserInfo>(s);
    }
  }
  if (c.pod) {
    if (Status s = CheckBound("pods", c.ns, *c.pod, "pod"); !s.ok()) return Result<UserInfo>(s);
  } else if (c.node) {
    // A token bound to a Node (not a pod's node, which is only informative) ends with it.
    if (Status s = CheckBound("nodes", "", *c.node, "node"); !s.ok()) return Result<UserInfo>(s);
  }

  UserInfo user;
  user.name = ServiceAccountUserName(c.ns, c.service_account.name);
  user.uid = c.service_account.uid;
  user.groups = {kServiceAccountsGroup, std::string(kServiceAccountsGroup) + ":" + c.ns};
  if (c.pod) {
    user.extra[kExtraPodName] = {c.pod->name};
    user.extra[kExtraPodUid] = {c.pod->uid};
  }
  if (!c.id.empty()) user.extra[kExtraCredentialId] = {"JTI=" + c.id};
  if (c.node) {
    user.extra[kExtraNodeName] = {c.node->name};
    if (!c.node->uid.empty()) user.extra[kExtraNodeUid] = {c.node->uid};
  }
  return Result<UserInfo>(std::move(user));
}

std::optional<ServiceAccountClaims> ServiceAccountTokens::Remembered(std::string_view token) const {
  std::lock_guard lock(verified_mu_);
  auto it = verified_.find(std::string(token));
  if (it == verified_.end()) return std::nullopt;
  return it->second;
}

Result<ServiceAccountClaims> ServiceAccountTokens::Verify(std::string_view token) const {
  TK_ASSIGN_OR_RETURN(std::string payload, key_.Verify(token));
  TK_ASSIGN_OR_RETURN(ServiceAccountClaims c, ParseClaims(payload));
  // The issuer never changes for a token: checked once, before it is remembered. The audience
  // depends on who the token is presented to (TokenReview names others): checked every time.
  if (c.issuer != options_.issuer) return Rejected("token issuer \"" + c.issuer + "\" is invalid");
  std::lock_guard lock(verified_mu_);
  if (verified_.size() >= kMaxVerifiedTokens) verified_.clear();
  verified_.emplace(std::string(token), c);
  return c;
}

Status ServiceAccountTokens::CheckTimes(const ServiceAccountClaims& c) const {
  int64_t now = Seconds(clock_.Now());
  // Every token we issue expires; one without "exp" is not ours to honour forever.
  if (c.expires == 0 || now - kLeewaySeconds >= c.expires) {
    return Rejected("service account token has expired");
  }
  if (c.not_before != 0 && now + kLeewaySeconds < c.not_before) {
    return Rejected("service account token is not valid yet");
  }
  if (c.issued_at != 0 && now + kLeewaySeconds < c.issued_at) {
    return Rejected("service account token is issued in the future");
  }
  return Status::OK();
}

Status ServiceAccountTokens::CheckAudience(const ServiceAccountClaims& c,
                                           const std::vector<std::string>& targets,
                                           std::vector<std::string>* matched) const {
  for (const auto& aud : c.audiences) {
    if (std::find(targets.begin(), targets.end(), aud) != targets.end()) matched->push_back(aud);
  }
  if (!matched->empty()) return Status::OK();
  return Rejected("token audiences " + GoQuotedList(c.audiences) +
                  " is invalid for the target audiences " + GoQuotedList(targets));
}

Status ServiceAccountTokens::CheckBound(std::string_view resource, const std::string& ns,
                                        const ObjectRef& ref, const char* what) const {
  std::optional<LiveObject> live = getter_(resource, ns, ref.name);
  bool service_account = resource == "serviceaccounts";
  if (!live) {
    if (service_account) return Rejected("serviceaccounts \"" + ref.name + "\" not found");
    return Rejected("service account token has been invalidated");
  }
  if (live->uid != ref.uid) {
    // Upstream's wording: "pod UID (x) does not match service account pod ref claim (y)".
    std::string claim =
        service_account ? "claim" : "service account " + std::string(what) + " ref claim";
    return Rejected(std::string(what) + " UID (" + live->uid + ") does not match " + claim + " (" +
                    ref.uid + ")");
  }
  if (live->deletion_timestamp &&
      Seconds(*live->deletion_timestamp) < Seconds(clock_.Now()) - kLeewaySeconds) {
    if (service_account) {
      return Rejected("service account " + ns + "/" + ref.name + " has been deleted");
    }
    return Rejected("service account token has been invalidated");
  }
  return Status::OK();
}

}  // namespace tinyk8s::apiserver::auth
