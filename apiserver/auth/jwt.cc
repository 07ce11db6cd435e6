#include "apiserver/auth/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "api/json.h"
#include "apiserver/auth/openssl_ptr.h"
#include "common/base64.h"

namespace tinyk8s::apiserver::auth {

namespace {

constexpr size_t kCoordinateBytes = 32;  // P-256: r and s are 32 bytes each in a JWS

Status Rejected(std::string why) { return Status(StatusCode::kUnauthorized, std::move(why)); }

bool IsP256(EVP_PKEY* key) {
  char curve[64] = {};
  size_t len = 0;
  return EVP_PKEY_base_id(key) == EVP_PKEY_EC &&
         EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &len) == 1 &&
         std::string_view(curve, len) == "prime256v1";
}

// KeyIdOf: base64url(SHA-256(DER SubjectPublicKeyInfo)).
std::string KeyIdOf(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return "";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(n), digest);
  OPENSSL_free(der);
  return Base64UrlEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

// JwkOf renders the public half of a P-256 key as a JWK ("" when OpenSSL cannot say).
std::string JwkOf(EVP_PKEY* key, const std::string& kid) {
  std::string coordinates[2];
  const char* names[2] = {OSSL_PKEY_PARAM_EC_PUB_X, OSSL_PKEY_PARAM_EC_PUB_Y};
  for (int i = 0; i < 2; ++i) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, names[i], &bn) != 1) return "";
    std::string raw(kCoordinateBytes, '\0');
    int n = BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(raw.data()), kCoordinateBytes);
    BN_free(bn);
    if (n < 0) return "";
    coordinates[i] = Base64UrlEncode(raw);
  }
  return R"({"use":"sig","kty":"EC","kid":")" + kid + R"(","crv":"P-256","alg":"ES256","x":")" +
         coordinates[0] + R"(","y":")" + coordinates[1] + "\"}";
}

// A JWS carries ECDSA signatures as r||s, fixed width; OpenSSL speaks DER.
std::string DerToRaw(const unsigned char* der, size_t len) {
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(len)));
  if (!sig) return "";
  std::string raw(2 * kCoordinateBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kCoordinateBytes) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kCoordinateBytes, kCoordinateBytes) < 0) {
    return "";
  }
  return raw;
}

std::string RawToDer(std::string_view raw) {
  if (raw.size() != 2 * kCoordinateBytes) return "";
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(in, kCoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(in + kCoordinateBytes, kCoordinateBytes, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return "";
  }
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

struct Parts {
  std::string_view header, payload, signature;  // still base64url
  std::string_view signing_input;               // header.payload
};

Result<Parts> Split(std::string_view token) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Rejected("not a compact JWT (three dot-separated parts)");
  }
  return Parts{token.substr(0, first), token.substr(first + 1, second - first - 1),
               token.substr(second + 1), token.substr(0, second)};
}

}  // namespace

JwtSigningKey::JwtSigningKey(std::shared_ptr<EVP_PKEY> key, std::string key_id,
                             std::string public_jwk)
    : key_(std::move(key)), key_id_(std::move(key_id)), public_jwk_(std::move(public_jwk)) {}

Result<JwtSigningKey> JwtSigningKey::FromPem(const std::string& private_key_pem) {
  BioPtr bio(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  std::shared_ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
                                EVP_PKEY_free);
  if (!key) return Status::Invalid("the service account key is not a PEM private key");
  if (!IsP256(key.get())) {
    return Status::Invalid("the service account key must be an ECDSA P-256 key (ES256)");
  }
  std::string kid = KeyIdOf(key.get());
  std::string jwk = kid.empty() ? "" : JwkOf(key.get(), kid);
  if (jwk.empty()) return Status::Internal("cannot encode the service account public key");
  return JwtSigningKey(std::move(key), std::move(kid), std::move(jwk));
}

Result<std::string> JwtSigningKey::Sign(std::string_view payload_json) const {
  std::string token = Base64UrlEncode(R"({"alg":"ES256","kid":")" + key_id_ + "\"}") + "." +
                      Base64UrlEncode(payload_json);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size()) != 1) {
    return Status::Internal("cannot sign a token");
  }
  std::string der(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                     reinterpret_cast<const unsigned char*>(token.data()), token.size()) != 1) {
    return Status::Internal("cannot sign a token");
  }
  std::string raw = DerToRaw(reinterpret_cast<const unsigned char*>(der.data()), len);
  if (raw.empty()) return Status::Internal("cannot encode a token signature");
  return token + "." + Base64UrlEncode(raw);
}

Result<std::string> JwtSigningKey::Verify(std::string_view token) const {
  TK_ASSIGN_OR_RETURN(Parts parts, Split(token));
  auto header_json = Base64UrlDecode(parts.header);
  auto payload = Base64UrlDecode(parts.payload);
  auto signature = Base64UrlDecode(parts.signature);
  if (!header_json || !payload || !signature) {
    return Rejected("malformed JWT: invalid base64url");
  }
  auto header = api::ParseJson(*header_json);
  if (!header.ok() || !header->IsObject()) {
    return Rejected("malformed JWT: the header is not a JSON object");
  }
  // Only the algorithm our key makes: a token must not pick "none" or an HMAC keyed with the
  // public key. Critical extensions are not understood, so such tokens are refused (RFC 7515).
  const rapidjson::Value* alg = api::FindMember(*header, "alg");
  if (!alg || !alg->IsString() || api::AsStringView(*alg) != "ES256") {
    return Rejected("unsupported JWT algorithm (ES256 only)");
  }
  if (api::FindMember(*header, "crit")) {
    return Rejected("unsupported critical JWT header");
  }
  if (const rapidjson::Value* kid = api::FindMember(*header, "kid");
      kid && (!kid->IsString() || api::AsStringView(*kid) != key_id_)) {
    return Rejected("invalid signature, no keys found");
  }
  std::string der = RawToDer(*signature);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (der.empty() || !ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                       reinterpret_cast<const unsigned char*>(parts.signing_input.data()),
                       parts.signing_input.size()) != 1) {
    return Rejected("invalid JWT signature");
  }
  return std::move(*payload);
}

Result<std::string> UnverifiedPayload(std::string_view token) {
  TK_ASSIGN_OR_RETURN(Parts parts, Split(token));
  auto payload = Base64UrlDecode(parts.payload);
  if (!payload) return Rejected("malformed JWT: invalid base64url");
  return std::move(*payload);
}

}  // namespace tinyk8s::apiserver::auth
