#pragma once
// Service account issuer discovery (upstream's ServiceAccountIssuerDiscovery): the OpenID
// Connect provider configuration at /.well-known/openid-configuration and the signing key set
// at /openid/v1/jwks, so that relying parties outside the cluster can verify our tokens. RBAC
// grants them to system:service-account-issuer-discovery (bound to system:serviceaccounts).

#include <optional>

#include "apiserver/auth/service_account_token.h"
#include "apiserver/http_server.h"

namespace tinyk8s::apiserver {

inline constexpr const char* kOpenIdConfigurationPath = "/.well-known/openid-configuration";
inline constexpr const char* kJwksPath = "/openid/v1/jwks";

// ServeIssuerDiscovery answers a GET of either path, nullopt for any other request. The JWKS
// URI names the server's own address (HOST:PORT, as upstream's external address), never the
// client's Host header: the document is publicly cacheable, so a forged Host must not end up
// in what other relying parties are served.
std::optional<HttpResponse> ServeIssuerDiscovery(const HttpRequest& req,
                                                 const auth::ServiceAccountTokens& tokens,
                                                 const std::string& server_address);

}  // namespace tinyk8s::apiserver
