#pragma once
// OpenAPI documents generated from the schema table (api/schema) and the registry:
//   GET /openapi/v3                 index: {"paths":{"apis/apps/v1":{"serverRelativeURL":...}}}
//   GET /openapi/v3/<api|apis/g>/v  one document per group-version (components.schemas with
//                                   x-kubernetes-* extensions, paths with the operations and
//                                   the fieldValidation parameter kubectl looks for)
//   GET /openapi/v2, /swagger-2.0.0.pb-v1  Swagger 2.0 for kubectl <= 1.28, in the gnostic
//                                   protobuf form when asked for it
// Documents are built once, on first request, and served with ETags (304 on If-None-Match).
//
// Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/schema/schema.h"
#include "apiserver/http_server.h"
#include "apiserver/registry.h"

namespace tinyk8s::apiserver {

class OpenApi {
 public:
  OpenApi(const Registry& registry, const api::schema::SchemaTable& schemas);

  // Handle answers /openapi/... and /swagger-2.0.0.pb-v1, or nullopt for other paths.
  std::optional<HttpResponse> Handle(const HttpRequest& req);

  // Builders, exposed for tests. Keys of V3Documents are "api/v1", "apis/apps/v1", ...
  std::map<std::string, std::string> BuildV3Documents() const;
  std::string BuildV2Json() const;

 private:
  struct Doc {
    std::string body;
    std::string etag;  // hash of body
  };
  void Build();

  const Registry& registry_;
  const api::schema::SchemaTable& schemas_;
  std::once_flag built_;
  std::map<std::string, Doc> v3_;  // by "apis/apps/v1"
  Doc v3_index_;
  Doc v2_json_;
  Doc v2_proto_;
};

// ContentHash is the hex digest used for ?hash= and ETags (stable across runs).
std::string ContentHash(const std::string& data);

}  // namespace tinyk8s::apiserver
