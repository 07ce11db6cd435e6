#pragma once
// The TokenRequest API: POST serviceaccounts/NAME/token (authentication.k8s.io/v1 TokenRequest
// in and out), as upstream's pkg/registry/core/serviceaccount/storage/token.go. Defaults
// spec.audiences to the API audiences and spec.expirationSeconds to one hour, refuses less than
// ten minutes or more than 2^32 seconds, checks spec.boundObjectRef (a Pod, Secret or Node of
// the namespace) and signs a token whose claims record the ServiceAccount and the bound object.

#include <string>

#include "apiserver/auth/service_account_token.h"
#include "apiserver/http_server.h"
#include "apiserver/object_service.h"

namespace tinyk8s::apiserver {

// CreateToken answers POST .../namespaces/NS/serviceaccounts/NAME/token with 201 and the
// TokenRequest carrying status.token, or a Status error. `service_accounts` is the resource.
HttpResponse CreateToken(ObjectService& objects, const auth::ServiceAccountTokens& tokens,
                         const ResourceInfo& service_accounts, const std::string& ns,
                         const std::string& name, const HttpRequest& req);

}  // namespace tinyk8s::apiserver
