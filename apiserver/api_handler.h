#pragma once
// ApiHandler: the HTTP entry point of the Kubernetes API. Routes health, version, metrics and
// discovery, and serves get/list/watch/create/update/patch/delete/deletecollection for every
// registered resource generically (strategies carry the per-kind behaviour).
//
// Thread-safe: Handle runs on the HTTP worker pool.

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "api/fields.h"
#include "api/labels.h"
#include "apiserver/auth/authn.h"
#include "apiserver/auth/authorizer.h"
#include "apiserver/discovery.h"
#include "apiserver/http_server.h"
#include "apiserver/metrics.h"
#include "apiserver/object_service.h"
#include "apiserver/openapi.h"
#include "apiserver/request_info.h"

namespace tinyk8s::apiserver {

// ObjectFilter is a request's label + field selector over one resource.
struct ObjectFilter {
  const ResourceInfo* resource = nullptr;
  api::LabelSelector labels;
  api::FieldSelector fields;
  bool Matches(const rapidjson::Value& obj) const;
  bool Empty() const { return labels.Empty() && fields.Empty(); }
};

class ApiHandler {
 public:
  // `authenticator`, `authorizer` and `service_accounts` (the token issuer behind
  // serviceaccounts/token; null: not served) must outlive the handler.
  ApiHandler(ObjectService& objects, boost::asio::io_context& timers,
             Discovery::AddressFn server_address, Metrics& metrics,
             const auth::Authenticator& authenticator, auth::Authorizer& authorizer,
             const auth::ServiceAccountTokens* service_accounts = nullptr);
  void Handle(const std::shared_ptr<HttpExchange>& ex);
  // SetReady flips /readyz to 200 once bootstrap is done.
  void SetReady(bool ready) { ready_ = ready; }

 private:
  struct Call {
    const HttpRequest& req;
    const RequestInfo& info;
    const ResourceInfo& resource;
    std::shared_ptr<HttpExchange> ex;
    const auth::UserInfo* user = nullptr;  // the authenticated (or impersonated) requester
  };
  HttpResponse Serve(const std::shared_ptr<HttpExchange>& ex, std::string* verb,
                     std::string* resource_label, bool* streaming);
  HttpResponse GetObject(const Call& c);
  HttpResponse ListObjects(const Call& c);
  HttpResponse CreateObject(const Call& c);
  HttpResponse UpdateObject(const Call& c);
  HttpResponse PatchObject(const Call& c);
  HttpResponse DeleteObject(const Call& c);
  HttpResponse DeleteCollection(const Call& c);
  HttpResponse CreateSubresource(const Call& c);
  // StartWatch begins a watch stream; returns an error response if it cannot start.
  std::optional<HttpResponse> StartWatch(const Call& c);
  Result<ObjectFilter> MakeFilter(const Call& c) const;
  // Authorize authenticates the request (setting *user) and authorizes it: nullopt to proceed,
  // else the 401/403 response. `info` is null for non-resource paths (auth_filter.cc).
  std::optional<HttpResponse> Authorize(const HttpRequest& req, const RequestInfo* info,
                                        const std::string& verb,
                                        std::optional<auth::UserInfo>* user);
  // Reviews are computed for the requester and never stored: access and rules reviews
  // (auth_filter.cc), SelfSubjectReview and TokenReview (reviews.cc). ReviewHandlerFor picks
  // the handler of a resource, or null for ordinary resources.
  using ReviewHandler = HttpResponse (ApiHandler::*)(const HttpRequest&, const ResourceInfo&,
                                                     const auth::UserInfo&);
  static ReviewHandler ReviewHandlerFor(const ResourceInfo& r);
  // CreateAccessReview answers a SelfSubjectAccessReview for `user`.
  HttpResponse CreateAccessReview(const HttpRequest& req, const ResourceInfo& r,
                                  const auth::UserInfo& user);
  // CreateSelfSubjectReview answers `kubectl auth whoami`: `user` as status.userInfo.
  HttpResponse CreateSelfSubjectReview(const HttpRequest& req, const ResourceInfo& r,
                                       const auth::UserInfo& user);
  // CreateTokenReview answers whether spec.token authenticates, and as whom.
  HttpResponse CreateTokenReview(const HttpRequest& req, const ResourceInfo& r,
                                 const auth::UserInfo& user);
  // WithRequestAdmission adds the admission that needs the requester (RBAC escalation
  // prevention on roles and bindings) to `o` (auth_filter.cc).
  WriteOptions WithRequestAdmission(const Call& c, WriteOptions o);
  // CreateRulesReview answers a SelfSubjectRulesReview: the rules `user` holds in a namespace.
  HttpResponse CreateRulesReview(const HttpRequest& req, const ResourceInfo& r,
                                 const auth::UserInfo& user);

  ObjectService& objects_;
  const Registry& registry_;
  boost::asio::io_context& timers_;
  Discovery::AddressFn server_address_;  // HOST:PORT clients are told to use
  Discovery discovery_;
  OpenApi openapi_;
  Metrics& metrics_;
  const auth::Authenticator& authenticator_;
  auth::Authorizer& authorizer_;
  const auth::ServiceAccountTokens* service_accounts_;
  std::atomic<bool> ready_{false};
};

// Helpers shared by the handler files.
HttpResponse JsonResponse(unsigned status, std::string body);
Result<rapidjson::Document> DecodeBody(const HttpRequest& req,
                                       std::vector<std::string>* yaml_duplicates = nullptr);
// DecodeCheckedBody: the request body of a create or update (objects and computed kinds alike),
// decoded and pruned against r's kind under ?fieldValidation=, so values of the wrong type are
// refused in upstream's words ("<Kind> in version \"v1\" cannot be handled as a <Kind>: json:
// cannot unmarshal ...").
Result<rapidjson::Document> DecodeCheckedBody(const HttpRequest& req, const ResourceInfo& r,
                                              std::vector<std::string>* warnings);
WriteOptions WriteOptionsFrom(const HttpRequest& req);
// ReviewResponse answers a computed review with 201 and `review`, apiVersion, kind and
// metadata filled in when the client left them out.
HttpResponse ReviewResponse(rapidjson::Document& review, const ResourceInfo& r);
// IsPublicPath: health and version endpoints, served without credentials.
bool IsPublicPath(const std::string& path);

}  // namespace tinyk8s::apiserver
