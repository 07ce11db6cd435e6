// service_account_token_bench: what service-account tokens cost, in process on one thread.
// Issuing (TokenRequest) and authenticating (every request that carries a token) with the ES256
// key tinyk8s makes, and, for the choice of algorithm, OpenSSL's raw ES256 and RS256 (2048-bit,
// upstream's usual key) sign/verify and key generation. Prints figures; never fails on time.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "apiserver/auth/pki.h"
#include "apiserver/auth/service_account_token.h"

namespace {

using tinyk8s::apiserver::auth::EnsureServiceAccountKey;
using tinyk8s::apiserver::auth::JwtSigningKey;
using tinyk8s::apiserver::auth::LiveObject;
using tinyk8s::apiserver::auth::ServiceAccountClaims;
using tinyk8s::apiserver::auth::ServiceAccountTokens;

// MicrosPerOp runs `op` for about `seconds` and returns microseconds per call.
double MicrosPerOp(const std::function<void()>& op, double seconds = 1.0) {
  auto start = std::chrono::steady_clock::now();
  long n = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 16; ++i) op();
    n += 16;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  return elapsed * 1e6 / static_cast<double>(n);
}

// RawSignVerify: OpenSSL one-shot sign and verify of a token-sized message with `key`.
void RawSignVerify(const char* name, EVP_PKEY* key) {
  std::string message(400, 'x');
  auto sign = [&](std::string* sig) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(message.data()),
                   message.size());
    sig->resize(len);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig->data()), &len,
                   reinterpret_cast<const unsigned char*>(message.data()), message.size());
    sig->resize(len);
    EVP_MD_CTX_free(ctx);
  };
  std::string sig;
  sign(&sig);
  double sign_us = MicrosPerOp([&] {
    std::string s;
    sign(&s);
  });
  double verify_us = MicrosPerOp([&] {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                     reinterpret_cast<const unsigned char*>(message.data()), message.size());
    EVP_MD_CTX_free(ctx);
  });
  std::printf("%-26s sign %8.1f us   verify %6.1f us\n", name, sign_us, verify_us);
}

double KeygenMillis(const std::function<EVP_PKEY*()>& gen, int rounds) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) EVP_PKEY_free(gen());
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
             .count() /
         rounds;
}

}  // namespace

int main() {
  std::string dir = "/tmp/service-account-token-bench-" + std::to_string(::getpid());
  auto created = std::chrono::steady_clock::now();
  auto pem = EnsureServiceAccountKey(dir);
  std::printf("%-26s %8.2f ms\n", "first start: make sa.key",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - created)
                  .count());
  auto key = pem.ok() ? JwtSigningKey::FromPem(*pem) : tinyk8s::Result<JwtSigningKey>(pem.status());
  std::filesystem::remove_all(dir);
  if (!key.ok()) {
    std::fprintf(stderr, "no key: %s\n", key.status().message().c_str());
    return 1;
  }
  tinyk8s::RealClock clock;
  ServiceAccountTokens tokens(
      *key, {}, clock,
      [](std::string_view, const std::string&, const std::string&) -> std::optional<LiveObject> {
        return LiveObject{"uid-1", std::nullopt};
      });
  ServiceAccountClaims claims;
  claims.audiences = tokens.api_audiences();
  claims.issued_at = claims.not_before =
      std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  claims.expires = claims.issued_at + 3600;
  claims.ns = "team";
  claims.service_account = {"robot", "uid-1"};
  claims.pod = tinyk8s::apiserver::auth::ObjectRef{"web-0", "uid-1"};
  std::string token = *tokens.Issue(claims);
  std::printf("token: %zu bytes (pod-bound)\n", token.size());
  std::printf("%-26s %8.1f us\n", "issue (TokenRequest)",
              MicrosPerOp([&] { (void)tokens.Issue(claims); }));
  // First use of a token verifies its signature; later uses find it remembered.
  std::vector<std::string> fresh;
  for (int i = 0; i < 2000; ++i) fresh.push_back(*tokens.Issue(claims));
  auto start = std::chrono::steady_clock::now();
  for (const auto& t : fresh) (void)tokens.Authenticate(t);
  std::printf(
      "%-26s %8.1f us\n", "authenticate, first use",
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
          static_cast<double>(fresh.size()));
  std::printf("%-26s %8.1f us\n", "authenticate, again",
              MicrosPerOp([&] { (void)tokens.Authenticate(token); }));
  std::printf("%-26s %8.1f us\n", "not ours (static token)",
              MicrosPerOp([&] { (void)tokens.Authenticate("0123456789abcdef"); }));

  EVP_PKEY* ec = EVP_EC_gen("P-256");
  EVP_PKEY* rsa = EVP_RSA_gen(2048);
  RawSignVerify("raw ES256 (P-256)", ec);
  RawSignVerify("raw RS256 (RSA 2048)", rsa);
  EVP_PKEY_free(ec);
  EVP_PKEY_free(rsa);
  std::printf("%-26s %8.2f ms\n", "keygen P-256",
              KeygenMillis([] { return EVP_EC_gen("P-256"); }, 50));
  std::printf("%-26s %8.2f ms\n", "keygen RSA 2048",
              KeygenMillis([] { return EVP_RSA_gen(2048); }, 5));
  return 0;
}
