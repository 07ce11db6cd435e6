#include "apiserver/auth/impersonation.h"

#include <cctype>
#include <optional>
#include <utility>

#include "api/names.h"

namespace tinyk8s::apiserver::auth {

namespace {

constexpr std::string_view kExtraPrefix = "impersonate-extra-";
constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";

std::vector<std::string> SplitComma(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string item =
        value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// UnescapeExtraKey undoes the percent-encoding clients apply to extra keys in header names.
std::string UnescapeExtraKey(std::string_view key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    if (key[i] == '%' && i + 2 < key.size() &&
        std::isxdigit(static_cast<unsigned char>(key[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(key[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(key.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += key[i];
    }
  }
  return out;
}

// SplitServiceAccountName: {namespace, name} of "system:serviceaccount:NS:NAME" when NS is a
// valid namespace name and NAME a valid service account name (upstream's
// serviceaccount.SplitUsername); any other name, "system:serviceaccount:a:b:c" included, is
// impersonated as a plain user.
std::optional<std::pair<std::string, std::string>> SplitServiceAccountName(
    const std::string& name) {
  if (name.rfind(kServiceAccountPrefix, 0) != 0) return std::nullopt;
  std::string_view rest = std::string_view(name).substr(kServiceAccountPrefix.size());
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos || rest.find(':', colon + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view ns = rest.substr(0, colon), account = rest.substr(colon + 1);
  if (!api::IsDns1123Label(ns).empty() || !api::IsDns1123Subdomain(account).empty()) {
    return std::nullopt;
  }
  return std::make_pair(std::string(ns), std::string(account));
}

// One thing to impersonate, as the attributes the requester needs `impersonate` on.
struct Part {
  std::string group, resource, subresource, ns, name;
};

}  // namespace

bool ImpersonationRequested(const HttpRequest& req) {
  for (const auto& [name, value] : req.headers) {
    if (name.rfind("impersonate-", 0) == 0) return true;
  }
  return false;
}

Result<UserInfo> Impersonate(const HttpRequest& req, const UserInfo& requester,
                             const AllowedFn& allowed) {
  UserInfo as;
  as.name = req.Header("impersonate-user");
  as.uid = req.Header("impersonate-uid");
  std::vector<Part> parts;
  bool service_account = false;
  std::string sa_namespace;
  if (!as.name.empty()) {
    if (auto sa = SplitServiceAccountName(as.name)) {
      service_account = true;
      sa_namespace = sa->first;
      parts.push_back({"", "serviceaccounts", "", sa->first, sa->second});
    } else {
      parts.push_back({"", "users", "", "", as.name});
    }
  }
  for (auto& g : SplitComma(req.Header("impersonate-group"))) {
    parts.push_back({"", "groups", "", "", g});
    as.groups.push_back(std::move(g));
  }
  bool extras = false;
  for (const auto& [header, value] : req.headers) {
    if (header.rfind(kExtraPrefix, 0) != 0) continue;
    extras = true;
    // Header names arrive lower-cased, so keys are lower case (as upstream, which lower-cases
    // them before unescaping).
    std::string key = UnescapeExtraKey(std::string_view(header).substr(kExtraPrefix.size()));
    for (auto& v : SplitComma(value)) {
      parts.push_back({"authentication.k8s.io", "userextras", key, "", v});
      as.extra[key].push_back(std::move(v));
    }
  }
  if (!as.uid.empty()) parts.push_back({"authentication.k8s.io", "uids", "", "", as.uid});
  if (as.name.empty() && (!as.groups.empty() || !as.uid.empty() || extras)) {
    return Status::BadRequest(
        "requested impersonation of groups, uid or extra fields without impersonating a user");
  }
  for (const Part& p : parts) {
    Attributes a;
    a.user = &requester;
    a.verb = "impersonate";
    a.resource_request = true;
    a.api_group = p.group;
    a.resource = p.resource;
    a.subresource = p.subresource;
    a.ns = p.ns;
    a.name = p.name;
    std::string reason;
    if (!allowed(a, &reason)) {
      Status forbidden(StatusCode::kForbidden, ForbiddenMessage(a, reason));
      forbidden.WithDetails({a.name, a.api_group, a.resource});
      return forbidden;
    }
  }
  if (service_account) {
    for (std::string g :
         {std::string("system:serviceaccounts"), "system:serviceaccounts:" + sa_namespace}) {
      if (!as.InGroup(g)) as.groups.push_back(g);
    }
  }
  // Upstream adds the authenticated (or, for the anonymous user, unauthenticated) group.
  const char* implied = as.name == kAnonymousUser ? kUnauthenticated : kAuthenticated;
  if (!as.InGroup(implied)) as.groups.push_back(implied);
  return as;
}

}  // namespace tinyk8s::apiserver::auth
