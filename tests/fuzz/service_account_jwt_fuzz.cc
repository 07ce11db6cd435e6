// Bearer tokens are parsed before anyone is authenticated. Two modes, picked by the first byte:
//  - the rest is a token, authenticated as a request's bearer token would be;
//  - the rest is a claims payload, signed with the server's key and then authenticated, so the
//    claims checks behind the signature are reached too.
// Never crashes; a token that authenticates names a service-account user.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "apiserver/auth/service_account_token.h"

namespace {

using namespace tinyk8s;
using namespace tinyk8s::apiserver::auth;

// A throwaway P-256 key, only for fuzzing.
constexpr char kKeyPem[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOubmqz65sUGuZ/fc
ftN0ymyQei77fSscB6qCys/MHbOhRANCAAQ1BkLJK4bYis7W0doCR3mHccMIvxjZ
qAMe/R6Vl83TMsAchAaDAF0PMNLTc0XFPtSdfND/JSKyZ6EHVsIPrtQO
-----END PRIVATE KEY-----
)";

const ServiceAccountTokens& Tokens() {
  static RealClock clock;
  static ServiceAccountTokens* tokens = [] {
    auto key = JwtSigningKey::FromPem(kKeyPem);
    if (!key.ok()) abort();
    // Every object a token names exists with uid "u".
    return new ServiceAccountTokens(std::move(*key), {}, clock,
                                    [](std::string_view, const std::string&, const std::string&) {
                                      return std::optional<LiveObject>(LiveObject{"u", {}});
                                    });
  }();
  return *tokens;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const ServiceAccountTokens& tokens = Tokens();
  std::string token(rest);
  if (data[0] & 1) {
    (void)ParseClaims(rest);
    auto signed_token = tokens.key().Sign(rest);
    if (!signed_token.ok()) abort();  // signing any payload works
    token = *signed_token;
  }
  std::vector<std::string> matched;
  auto user = tokens.Authenticate(token, {}, &matched);
  if (user && user->ok()) {
    if ((*user)->name.rfind("system:serviceaccount:", 0) != 0 || matched.empty()) abort();
  }
  // The same token again comes from the verified-token cache and must answer the same.
  auto again = tokens.Authenticate(token, {}, nullptr);
  if (user.has_value() != again.has_value()) abort();
  if (user && user->ok() != again->ok()) abort();
  return 0;
}
