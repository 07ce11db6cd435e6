#pragma once
// Service-account tokens as upstream issues them for TokenRequest (pkg/serviceaccount/claims.go,
// jwt.go): the claims, signing, and authenticating a bearer token that carries them as
// system:serviceaccount:NS:NAME.
//
// A token authenticates while its signature, times (one minute of leeway, as go-jose), issuer
// and audience check out, and while the ServiceAccount it names (and the Pod, Secret or Node it
// is bound to) still exists with the uid recorded in it: deleting the ServiceAccount revokes its
// tokens. Those objects are read through an ObjectGetter (the watch cache in the server).
//
// Verifying an ES256 signature costs ~60 us, so tokens whose signature and claims were verified
// are remembered (a bounded set); times and objects are still checked on every request.
//
// Thread-safe (the getter must be thread-safe too).

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "apiserver/auth/authn.h"
#include "apiserver/auth/jwt.h"
#include "common/clock.h"
#include "common/status.h"

namespace tinyk8s::apiserver::auth {

inline constexpr const char* kDefaultServiceAccountIssuer =
    "https://kubernetes.default.svc.cluster.local";
inline constexpr const char* kServiceAccountsGroup = "system:serviceaccounts";
// Keys of UserInfo::extra for service-account users (k8s.io/apiserver serviceaccount/util.go).
inline constexpr const char* kExtraPodName = "authentication.kubernetes.io/pod-name";
inline constexpr const char* kExtraPodUid = "authentication.kubernetes.io/pod-uid";
inline constexpr const char* kExtraNodeName = "authentication.kubernetes.io/node-name";
inline constexpr const char* kExtraNodeUid = "authentication.kubernetes.io/node-uid";
inline constexpr const char* kExtraCredentialId = "authentication.kubernetes.io/credential-id";

// ServiceAccountUserName: "system:serviceaccount:NS:NAME".
std::string ServiceAccountUserName(const std::string& ns, const std::string& name);

struct ObjectRef {
  std::string name;
  std::string uid;
};

// ServiceAccountClaims are a token's claims: the registered ones and upstream's private
// "kubernetes.io" claim. Times are seconds since the epoch.
struct ServiceAccountClaims {
  std::string issuer;
  std::vector<std::string> audiences;
  int64_t issued_at = 0;
  int64_t not_before = 0;
  int64_t expires = 0;
  std::string id;  // jti, a random UUID
  std::string ns;
  ObjectRef service_account;
  std::optional<ObjectRef> pod;
  std::optional<ObjectRef> secret;
  std::optional<ObjectRef> node;  // the pod's node, or the Node the token is bound to
  // A pod's kubelet token given a year instead of the 3607 s asked for (upstream's
  // --service-account-extend-token-expiration): when the asked-for lifetime ends. 0: none.
  int64_t warn_after = 0;
};

// ClaimsJson renders the payload, members sorted by name at every level like upstream's tokens
// (sub = system:serviceaccount:NS:NAME, aud always an array).
std::string ClaimsJson(const ServiceAccountClaims& claims);
// ParseClaims reads a payload; a token without the service-account claims or with claims of the
// wrong type is refused (kUnauthorized).
Result<ServiceAccountClaims> ParseClaims(std::string_view json);

// LiveObject is what authentication needs of an object a token names.
struct LiveObject {
  std::string uid;
  std::optional<Clock::TimePoint> deletion_timestamp;
};
// ObjectGetter looks up a live object: resource "serviceaccounts", "pods", "secrets" or "nodes"
// (namespace "" for nodes); nullopt when it does not exist.
using ObjectGetter = std::function<std::optional<LiveObject>(
    std::string_view resource, const std::string& ns, const std::string& name)>;

struct ServiceAccountTokenOptions {
  std::string issuer = kDefaultServiceAccountIssuer;
  // The audiences that mean "this API server" (upstream --api-audiences); empty: {issuer}.
  std::vector<std::string> api_audiences;
};

class ServiceAccountTokens {
 public:
  ServiceAccountTokens(JwtSigningKey key, ServiceAccountTokenOptions options, const Clock& clock,
                       ObjectGetter getter);

  const std::string& issuer() const { return options_.issuer; }
  const JwtSigningKey& key() const { return key_; }
  const std::vector<std::string>& api_audiences() const { return options_.api_audiences; }

  // Issue signs `claims`, setting the issuer and, when empty, a fresh jti.
  Result<std::string> Issue(ServiceAccountClaims claims) const;

  // Authenticate: nullopt when `token` is not a JWT from our issuer (another authenticator may
  // know it); otherwise the service-account user, or why the token is refused. The token must be
  // meant for one of `audiences` (empty: the API audiences); *matched (if given) receives those
  // it is meant for.
  std::optional<Result<UserInfo>> Authenticate(std::string_view token,
                                               const std::vector<std::string>& audiences = {},
                                               std::vector<std::string>* matched = nullptr) const;

 private:
  // Remembered: the claims of a token verified before. Verify checks the signature and issuer,
  // and remembers the token when they hold.
  std::optional<ServiceAccountClaims> Remembered(std::string_view token) const;
  Result<ServiceAccountClaims> Verify(std::string_view token) const;
  Status CheckTimes(const ServiceAccountClaims& claims) const;
  Status CheckAudience(const ServiceAccountClaims& claims, const std::vector<std::string>& targets,
                       std::vector<std::string>* matched) const;
  // CheckBound: the object still exists with the recorded uid and was not deleted more than
  // the leeway ago.
  Status CheckBound(std::string_view resource, const std::string& ns, const ObjectRef& ref,
                    const char* what) const;

  JwtSigningKey key_;
  ServiceAccountTokenOptions options_;
  const Clock& clock_;
  ObjectGetter getter_;
  mutable std::mutex verified_mu_;
  // Token -> its verified claims; cleared when full (bounded memory, ~1 KiB an entry).
  mutable std::unordered_map<std::string, ServiceAccountClaims> verified_;
};

}  // namespace tinyk8s::apiserver::auth
