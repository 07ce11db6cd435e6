#pragma once
// Authentication: who a request comes from (cf. upstream k8s.io/apiserver/pkg/authentication).
// Sources, in order: the verified TLS client certificate (user = CN, groups = O), then a bearer
// token from the static token file (--token-auth-file, upstream CSV format) or a service-account
// token (a JWT from our issuer, service_account_token.h). Authenticated users also get the group
// system:authenticated; requests without credentials are anonymous.
//
// Thread-safe: immutable after construction.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "apiserver/http_server.h"
#include "common/status.h"

namespace tinyk8s::apiserver::auth {

struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
  // Extra attributes (upstream user.Info.GetExtra), e.g. a service-account token's credential id.
  std::map<std::string, std::vector<std::string>> extra = {};
  bool InGroup(std::string_view group) const;
};

inline constexpr const char* kSystemMasters = "system:masters";
inline constexpr const char* kAuthenticated = "system:authenticated";
inline constexpr const char* kUnauthenticated = "system:unauthenticated";
inline constexpr const char* kAnonymousUser = "system:anonymous";

class ServiceAccountTokens;

// TokenReviewAnswer: what a bearer token stands for (TokenReview status).
struct TokenReviewAnswer {
  std::optional<UserInfo> user;        // set when the token authenticates
  std::vector<std::string> audiences;  // the asked-for audiences the token is good for
  std::string error;                   // why it does not, when known
};

class Authenticator {
 public:
  // `tokens`: parsed token file (may be empty). `insecure_superuser`: requests without
  // credentials act as system:unsecured in system:masters (plain-HTTP loopback mode, like
  // upstream's former insecure port). `service_accounts` (may be null) must outlive this.
  Authenticator(std::map<std::string, UserInfo> tokens, bool insecure_superuser,
                const ServiceAccountTokens* service_accounts = nullptr);

  // Authenticate returns the user, or nullopt for a request without (valid) credentials.
  // A bearer token nobody knows, or a service-account token that fails its checks, is reported
  // through *bad_token (upstream: 401 even where anonymous access would be allowed).
  std::optional<UserInfo> Authenticate(const HttpRequest& req, bool* bad_token) const;

  // ReviewToken authenticates `token` as if presented to `audiences` (empty: the API
  // audiences), as upstream's TokenReview does: static tokens are good for the API audiences
  // only, service-account tokens for the audiences they name.
  TokenReviewAnswer ReviewToken(const std::string& token,
                                const std::vector<std::string>& audiences) const;

 private:
  std::map<std::string, UserInfo> tokens_;
  bool insecure_superuser_;
  const ServiceAccountTokens* service_accounts_;
};

// ParseTokenFile parses upstream's static token CSV: token,user,uid[,"group1,group2"].
Result<std::map<std::string, UserInfo>> ParseTokenFile(const std::string& text);

}  // namespace tinyk8s::apiserver::auth
