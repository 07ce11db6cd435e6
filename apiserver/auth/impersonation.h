#pragma once
// Impersonation (cf. upstream k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): a request
// carrying Impersonate-User, Impersonate-Group, Impersonate-Uid or Impersonate-Extra-<key>
// headers (what `kubectl --as=U --as-group=G --as-uid=I` sends) acts as that user, provided the
// requester may `impersonate` each part: users (or serviceaccounts in their namespace for
// system:serviceaccount:NS:NAME), groups, uids.authentication.k8s.io and
// userextras/<key>.authentication.k8s.io, each named by the requested value.
//
// Repeated headers reach us comma-joined (HttpRequest folds them), so a group name cannot
// contain a comma here.

#include <functional>
#include <string>

#include "apiserver/auth/authorizer.h"
#include "apiserver/http_server.h"
#include "common/status.h"

namespace tinyk8s::apiserver::auth {

// ImpersonationRequested: the request carries any Impersonate-* header.
bool ImpersonationRequested(const HttpRequest& req);

// Impersonate returns the user the request acts as: the requested identity (with
// system:authenticated added like upstream), or a 400 for groups/uid/extras without a user, or a
// 403 worded like upstream for the first part the requester may not impersonate.
// `allowed` is the authorization chain (Authorizer::Allowed).
using AllowedFn = std::function<bool(const Attributes&, std::string* reason)>;
Result<UserInfo> Impersonate(const HttpRequest& req, const UserInfo& requester,
                             const AllowedFn& allowed);

}  // namespace tinyk8s::apiserver::auth
