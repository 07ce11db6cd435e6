#pragma once
// JSON Web Tokens in compact form (RFC 7519/7515), signed with ES256 (ECDSA P-256, SHA-256) as
// the service-account tokens upstream issues with an ECDSA --service-account-signing-key-file.
// Only ES256 is accepted on the way in: "none", HMAC and every other algorithm are refused, so a
// token cannot choose how it is checked.
//
// Thread-safe: immutable after construction.

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace tinyk8s::apiserver::auth {

class JwtSigningKey {
 public:
  // FromPem takes a PEM EC P-256 private key (any PEM form OpenSSL reads).
  static Result<JwtSigningKey> FromPem(const std::string& private_key_pem);

  // key_id is upstream's "kid": the unpadded base64url SHA-256 of the public key's DER
  // SubjectPublicKeyInfo (pkg/serviceaccount keyIDFromPublicKey).
  const std::string& key_id() const { return key_id_; }
  // PublicJwk is the public key as a JSON Web Key (RFC 7517), members in the order upstream's
  // go-jose writes them: {"use":"sig","kty":"EC","kid":..,"crv":"P-256","alg":"ES256","x":..,
  // "y":..}. Served in the issuer's JWKS.
  const std::string& PublicJwk() const { return public_jwk_; }

  // Sign returns header.payload.signature for the JSON text `payload_json`; the header is
  // {"alg":"ES256","kid":<key_id>}.
  Result<std::string> Sign(std::string_view payload_json) const;
  // Verify checks the form, the header (alg ES256, kid, if present, this key's) and the
  // signature, and returns the payload's JSON text (not yet parsed or checked for claims).
  Result<std::string> Verify(std::string_view token) const;

 private:
  JwtSigningKey(std::shared_ptr<EVP_PKEY> key, std::string key_id, std::string public_jwk);
  std::shared_ptr<EVP_PKEY> key_;
  std::string key_id_;
  std::string public_jwk_;
};

// UnverifiedPayload decodes the payload of a compact JWT without checking anything (used to
// tell, cheaply, whether a bearer token claims to come from our issuer at all).
Result<std::string> UnverifiedPayload(std::string_view token);

}  // namespace tinyk8s::apiserver::auth
