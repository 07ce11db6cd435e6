#include "apiserver/issuer_discovery.h"

#include "api/json.h"

namespace tinyk8s::apiserver {

namespace {
// As upstream: clients may cache both documents for an hour.
constexpr const char* kCacheControl = "public, max-age=3600";

HttpResponse Cached(std::string content_type, std::string body) {
  HttpResponse r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  r.headers.push_back({"Cache-Control", kCacheControl});
  return r;
}
}  // namespace

std::optional<HttpResponse> ServeIssuerDiscovery(const HttpRequest& req,
                                                 const auth::ServiceAccountTokens& tokens,
                                                 const std::string& server_address) {
  if (req.method != "GET") return std::nullopt;
  if (req.path == kJwksPath) {
    return Cached("application/jwk-set+json", R"({"keys":[)" + tokens.key().PublicJwk() + "]}");
  }
  if (req.path != kOpenIdConfigurationPath) return std::nullopt;
  // Members in upstream's order (pkg/serviceaccount openIDMetadata).
  std::string jwks_uri = "https://" + server_address + kJwksPath;
  rapidjson::Document doc;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  doc.AddMember("issuer", api::MakeString(tokens.issuer(), a), a);
  doc.AddMember("jwks_uri", api::MakeString(jwks_uri, a), a);
  for (auto [name, value] : {std::pair{"response_types_supported", "id_token"},
                             {"subject_types_supported", "public"},
                             {"id_token_signing_alg_values_supported", "ES256"}}) {
    rapidjson::Value list(rapidjson::kArrayType);
    list.PushBack(rapidjson::StringRef(value), a);
    doc.AddMember(rapidjson::StringRef(name), list, a);
  }
  return Cached("application/json", api::ToJson(doc));
}

}  // namespace tinyk8s::apiserver
