// Unit tests of service-account tokens: the ES256 JWT signer/verifier, the claims upstream's
// TokenRequest tokens carry, authentication of those tokens (times, issuer, audience, the
// ServiceAccount and bound objects still existing) and the signing key kept in DIR/pki.
#include "apiserver/auth/service_account_token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "api/json.h"
#include "apiserver/auth/jwt.h"
#include "apiserver/auth/pki.h"
#include "common/base64.h"

namespace tinyk8s::apiserver::auth {
namespace {

using namespace std::chrono_literals;

// A fixed key, so the key id can be checked against one computed independently:
//   openssl pkey -in key.pem -pubout -outform DER | openssl dgst -sha256 -binary |
//   basenc --base64url | tr -d =
constexpr char kKeyPem[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgls8LbibCYeUT/gHW
JJrYKdhTLHFqGNddYRBSi9hMzJOhRANCAAQ3DHN+xNda9O4rAOkufzbaLgI6zxlN
4BYzy3VUbc+8PGfPu0aj+q6tINla9KA8/nBvMhtny7A3yBfIjLj4VZoE
-----END PRIVATE KEY-----
)";
constexpr char kKeyId[] = "PO8R9rkNwrBiCxhnGr758ou0oatgNiYsr6uSoZ88Y6A";

JwtSigningKey FixedKey() {
  auto key = JwtSigningKey::FromPem(kKeyPem);
  EXPECT_TRUE(key.ok()) << key.status().message();
  return *key;
}

JwtSigningKey FreshKey(const std::string& dir) {
  auto pem = EnsureServiceAccountKey(dir);
  EXPECT_TRUE(pem.ok()) << pem.status().message();
  auto key = JwtSigningKey::FromPem(*pem);
  EXPECT_TRUE(key.ok());
  return *key;
}

std::string TempDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "satoken-" + name + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  return dir;
}

// Part i (0-based) of a compact token.
std::string Part(const std::string& token, int i) {
  size_t start = 0;
  for (int k = 0; k < i; ++k) start = token.find('.', start) + 1;
  size_t end = token.find('.', start);
  return token.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(JwtTest, SignedTokensVerifyAndCarryTheKeyIdOfThePublicKey) {
  JwtSigningKey key = FixedKey();
  EXPECT_EQ(key.key_id(), kKeyId);
  auto token = key.Sign(R"({"sub":"x","n":1})");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*Base64UrlDecode(Part(*token, 0)),
            std::string(R"({"alg":"ES256","kid":")") + kKeyId + "\"}");
  // ES256 signatures are r||s, 64 bytes, not DER.
  EXPECT_EQ(Base64UrlDecode(Part(*token, 2))->size(), 64u);
  auto payload = key.Verify(*token);
  ASSERT_TRUE(payload.ok()) << payload.status().message();
  EXPECT_EQ(*payload, R"({"sub":"x","n":1})");
}

// The JWKS entry: x and y computed independently from the public key's DER (its last 64 bytes):
//   openssl pkey -in key.pem -pubout -outform DER | tail -c 64 | head -c 32 | basenc --base64url
TEST(JwtTest, PublicJwkIsThePublicKey) {
  EXPECT_EQ(FixedKey().PublicJwk(), std::string(R"({"use":"sig","kty":"EC","kid":")") + kKeyId +
                                        R"(","crv":"P-256","alg":"ES256",)"
                                        R"("x":"NwxzfsTXWvTuKwDpLn822i4COs8ZTeAWM8t1VG3PvDw",)"
                                        R"("y":"Z8-7RqP6rq0g2Vr0oDz-cG8yG2fLsDfIF8iMuPhVmgQ"})");
}

TEST(JwtTest, TamperedTokensAreRefused) {
  JwtSigningKey key = FixedKey();
  std::string token = *key.Sign(R"({"sub":"alice"})");
  std::string sig = Part(token, 2);
  // Another signature (a bit flipped in r).
  std::string raw = *Base64UrlDecode(sig);
  raw[5] ^= 1;
  std::string forged_sig = Part(token, 0) + "." + Part(token, 1) + "." + Base64UrlEncode(raw);
  EXPECT_EQ(key.Verify(forged_sig).status().code(), StatusCode::kUnauthorized);
  // Another payload under the original signature.
  std::string forged_payload =
      Part(token, 0) + "." + Base64UrlEncode(R"({"sub":"admin"})") + "." + sig;
  EXPECT_EQ(key.Verify(forged_payload).status().code(), StatusCode::kUnauthorized);
  // A signature of the wrong length.
  EXPECT_FALSE(key.Verify(Part(token, 0) + "." + Part(token, 1) + "." + sig.substr(4)).ok());
  // Signed by another key with the same header.
  std::string dir = TempDir("other");
  JwtSigningKey other = FreshKey(dir);
  std::string theirs = *other.Sign(R"({"sub":"alice"})");
  EXPECT_FALSE(key.Verify(theirs).ok());
  EXPECT_FALSE(key.Verify(Part(token, 0) + "." + Part(theirs, 1) + "." + Part(theirs, 2)).ok());
  std::filesystem::remove_all(dir);
}

TEST(JwtTest, OnlyEs256IsAccepted) {
  JwtSigningKey key = FixedKey();
  std::string payload = Base64UrlEncode(R"({"sub":"alice"})");
  // alg "none" with an empty signature, as in the classic attack.
  EXPECT_EQ(key.Verify(Base64UrlEncode(R"({"alg":"none"})") + "." + payload + ".").status().code(),
            StatusCode::kUnauthorized);
  // HS256 (an HMAC keyed with something public) and RS256.
  std::string sig = Part(*key.Sign(R"({"sub":"alice"})"), 2);
  for (const char* alg : {"HS256", "RS256", "ES384", "none", "es256"}) {
    std::string header =
        Base64UrlEncode(std::string(R"({"alg":")") + alg + R"(","kid":")" + kKeyId + "\"}");
    EXPECT_FALSE(key.Verify(header + "." + payload + "." + sig).ok()) << alg;
  }
  // A header without alg, or with critical extensions we do not understand.
  EXPECT_FALSE(key.Verify(Base64UrlEncode("{}") + "." + payload + "." + sig).ok());
  std::string crit = Base64UrlEncode(R"({"alg":"ES256","crit":["exp"],"exp":1})");
  EXPECT_FALSE(key.Verify(crit + "." + payload + "." + sig).ok());
  // Another key's id.
  std::string other_kid = Base64UrlEncode(R"({"alg":"ES256","kid":"someone-else"})");
  EXPECT_FALSE(key.Verify(other_kid + "." + payload + "." + sig).ok());
}

TEST(JwtTest, MalformedTokensAreRefused) {
  JwtSigningKey key = FixedKey();
  std::string token = *key.Sign(R"({"sub":"alice"})");
  std::string h = Part(token, 0), p = Part(token, 1), s = Part(token, 2);
  for (const std::string& bad : {
           std::string(""), std::string("abc"), h + "." + p, h + "." + p + "." + s + ".x",
           h + "." + p + "=." + s,          // padding
           h + "." + p + "." + s + "==",    // padding
           h + "." + p + "+." + s,          // standard alphabet
           h + ".!!!." + s,                 // not base64
           h + "." + p + "." + s.substr(1)  // impossible length
       }) {
    auto r = key.Verify(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthorized) << bad;
  }
  // A header that is not JSON.
  EXPECT_FALSE(key.Verify(Base64UrlEncode("not json") + "." + p + "." + s).ok());
  EXPECT_FALSE(UnverifiedPayload("a.b").ok());
  EXPECT_EQ(*UnverifiedPayload(token), R"({"sub":"alice"})");
}

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    std::string encoded = Base64UrlEncode(data);
    EXPECT_EQ(encoded.find_first_of("=+/"), std::string::npos);
    EXPECT_EQ(Base64UrlDecode(encoded), data);
    data.push_back(static_cast<char>(i * 37 + 250));
  }
}

// SettableClock: wall time set by the test.
class SettableClock final : public Clock {
 public:
  TimePoint Now() const override { return now; }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(now.time_since_epoch());
  }
  TimePoint now = std::chrono::system_clock::from_time_t(1700000000);
};

// Objects: the live objects the authenticator looks up, by "resource/ns/name".
class Objects {
 public:
  void Put(const std::string& resource, const std::string& ns, const std::string& name,
           const std::string& uid) {
    std::lock_guard lock(mu_);
    objects_[resource + "/" + ns + "/" + name] = LiveObject{uid, std::nullopt};
  }
  void MarkDeleted(const std::string& resource, const std::string& ns, const std::string& name,
                   Clock::TimePoint when) {
    std::lock_guard lock(mu_);
    objects_[resource + "/" + ns + "/" + name].deletion_timestamp = when;
  }
  void Remove(const std::string& resource, const std::string& ns, const std::string& name) {
    std::lock_guard lock(mu_);
    objects_.erase(resource + "/" + ns + "/" + name);
  }
  ObjectGetter Getter() {
    return [this](std::string_view resource, const std::string& ns,
                  const std::string& name) -> std::optional<LiveObject> {
      std::lock_guard lock(mu_);
      auto it = objects_.find(std::string(resource) + "/" + ns + "/" + name);
      if (it == objects_.end()) return std::nullopt;
      return it->second;
    };
  }

 private:
  std::mutex mu_;
  std::map<std::string, LiveObject> objects_;
};

class ServiceAccountTokenTest : public ::testing::Test {
 protected:
  ServiceAccountTokenTest() : tokens_(FixedKey(), {}, clock_, objects_.Getter()) {
    objects_.Put("serviceaccounts", "team", "robot", "sa-uid-1");
  }
  ServiceAccountClaims Claims(int64_t seconds = 3600) {
    ServiceAccountClaims c;
    c.audiences = tokens_.api_audiences();
    c.issued_at = c.not_before = Now();
    c.expires = Now() + seconds;
    c.ns = "team";
    c.service_account = {"robot", "sa-uid-1"};
    return c;
  }
  int64_t Now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now.time_since_epoch()).count();
  }
  std::string Issue(const ServiceAccountClaims& c) {
    auto token = tokens_.Issue(c);
    EXPECT_TRUE(token.ok());
    return *token;
  }
  Result<UserInfo> Authenticate(const std::string& token) {
    auto r = tokens_.Authenticate(token);
    if (!r) return Status::NotFound("not a token of this issuer");
    return *r;
  }

  SettableClock clock_;
  Objects objects_;
  ServiceAccountTokens tokens_;
};

TEST_F(ServiceAccountTokenTest, ClaimsAreUpstreams) {
  ServiceAccountClaims c = Claims();
  c.pod = ObjectRef{"web-0", "pod-uid"};
  c.node = ObjectRef{"node1", "node-uid"};
  std::string token = Issue(c);
  auto payload = api::ParseJson(*UnverifiedPayload(token));
  ASSERT_TRUE(payload.ok());
  std::string expected =
      R"({"aud":["https://kubernetes.default.svc.cluster.local"],"exp":1700003600,)"
      R"("iat":1700000000,"iss":"https://kubernetes.default.svc.cluster.local","jti":"JTI",)"
      R"("kubernetes.io":{"namespace":"team","node":{"name":"node1","uid":"node-uid"},)"
      R"("pod":{"name":"web-0","uid":"pod-uid"},"serviceaccount":{"name":"robot",)"
      R"("uid":"sa-uid-1"}},"nbf":1700000000,"sub":"system:serviceaccount:team:robot"})";
  std::string jti = api::GetString(*payload, {"jti"});
  EXPECT_EQ(jti.size(), 36u) << jti;  // a UUID
  api::SetString(*payload, "jti", "JTI", payload->GetAllocator());
  EXPECT_EQ(api::ToJson(*payload), expected);
  auto parsed = ParseClaims(*UnverifiedPayload(token));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->id, jti);
  EXPECT_EQ(parsed->pod->uid, "pod-uid");
  EXPECT_EQ(parsed->node->name, "node1");
  EXPECT_FALSE(parsed->secret);
  EXPECT_EQ(parsed->warn_after, 0);

  c.warn_after = 1700003607;
  auto extended = ParseClaims(*UnverifiedPayload(Issue(c)));
  ASSERT_TRUE(extended.ok());
  EXPECT_EQ(extended->warn_after, 1700003607);
}

TEST_F(ServiceAccountTokenTest, AValidTokenAuthenticatesAsTheServiceAccount) {
  std::string token = Issue(Claims());
  auto user = Authenticate(token);
  ASSERT_TRUE(user.ok()) << user.status().message();
  EXPECT_EQ(user->name, "system:serviceaccount:team:robot");
  EXPECT_EQ(user->uid, "sa-uid-1");
  EXPECT_EQ(user->groups,
            (std::vector<std::string>{"system:serviceaccounts", "system:serviceaccounts:team"}));
  std::string jti = ParseClaims(*UnverifiedPayload(token))->id;
  EXPECT_EQ(user->extra, (std::map<std::string, std::vector<std::string>>{
                             {"authentication.kubernetes.io/credential-id", {"JTI=" + jti}}}));
}

TEST_F(ServiceAccountTokenTest, ExpiredAndNotYetValidTokensAreRefused) {
  std::string token = Issue(Claims(600));
  clock_.now += 600s + 59s;  // go-jose's one minute of leeway
  EXPECT_TRUE(Authenticate(token).ok());
  clock_.now += 1s;
  auto expired = Authenticate(token);
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthorized);
  EXPECT_EQ(expired.status().message(), "service account token has expired");

  ServiceAccountClaims future = Claims();
  future.not_before = Now() + 120;
  EXPECT_EQ(Authenticate(Issue(future)).status().message(),
            "service account token is not valid yet");
  ServiceAccountClaims issued_later = Claims();
  issued_later.issued_at = Now() + 120;
  EXPECT_EQ(Authenticate(Issue(issued_later)).status().message(),
            "service account token is issued in the future");
  ServiceAccountClaims forever = Claims();
  forever.expires = 0;  // no exp claim at all
  EXPECT_FALSE(Authenticate(Issue(forever)).ok());
}

TEST_F(ServiceAccountTokenTest, TokensForOtherAudiencesAreRefused) {
  ServiceAccountClaims c = Claims();
  c.audiences = {"vault", "other"};
  auto r = Authenticate(Issue(c));
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthorized);
  EXPECT_EQ(r.status().message(),
            R"(token audiences ["vault" "other"] is invalid for the target audiences )"
            R"(["https://kubernetes.default.svc.cluster.local"])");
  // One API audience among others is enough.
  c.audiences = {"vault", "https://kubernetes.default.svc.cluster.local"};
  EXPECT_TRUE(Authenticate(Issue(c)).ok());
}

// Claims are read with their full length: a token for the audience "vault\0x" (TokenRequest
// accepts any string) is not good for "vault", nor a jti cut short.
TEST_F(ServiceAccountTokenTest, ClaimsWithNulBytesAreReadWhole) {
  ServiceAccountClaims c = Claims();
  c.audiences = {std::string("vault\0x", 7)};
  c.id = std::string("id\0tail", 7);
  std::string token = Issue(c);
  auto claims = ParseClaims(*UnverifiedPayload(token));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->audiences, c.audiences);
  EXPECT_EQ(claims->id, c.id);
  auto r = tokens_.Authenticate(token, {"vault"});
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->ok());
  EXPECT_TRUE(tokens_.Authenticate(token, {std::string("vault\0x", 7)})->ok());
}

// TokenReview: a token is reviewed for the audiences asked for (the API audiences when none
// are); static tokens are good for API audiences only; the user gets system:authenticated.
TEST_F(ServiceAccountTokenTest, ReviewedForTheAudiencesAskedFor) {
  const std::string api = "https://kubernetes.default.svc.cluster.local";
  Authenticator authn({{"static-token", UserInfo{"alice", "a1", {"devs"}}}}, false, &tokens_);
  ServiceAccountClaims c = Claims();
  c.audiences = {"vault", api};
  std::string token = Issue(c);

  TokenReviewAnswer for_api = authn.ReviewToken(token, {});
  ASSERT_TRUE(for_api.user);
  EXPECT_EQ(for_api.user->name, "system:serviceaccount:team:robot");
  EXPECT_EQ(for_api.user->groups,
            (std::vector<std::string>{"system:serviceaccounts", "system:serviceaccounts:team",
                                      "system:authenticated"}));
  EXPECT_EQ(for_api.audiences, std::vector<std::string>{api});
  EXPECT_EQ(for_api.error, "");

  TokenReviewAnswer for_vault = authn.ReviewToken(token, {"vault", "nomad"});
  ASSERT_TRUE(for_vault.user);
  EXPECT_EQ(for_vault.audiences, std::vector<std::string>{"vault"});
  // The token was remembered when reviewed for vault: the API audience is still checked.
  c.audiences = {"vault"};
  std::string vault_only = Issue(c);
  ASSERT_TRUE(authn.ReviewToken(vault_only, {"vault"}).user);
  TokenReviewAnswer refused = authn.ReviewToken(vault_only, {});
  EXPECT_FALSE(refused.user);
  EXPECT_TRUE(refused.audiences.empty());
  EXPECT_EQ(refused.error, R"(token audiences ["vault"] is invalid for the target audiences )"
                           R"(["https://kubernetes.default.svc.cluster.local"])");
  EXPECT_EQ(Authenticate(vault_only).status().code(), StatusCode::kUnauthorized);

  TokenReviewAnswer alice = authn.ReviewToken("static-token", {});
  ASSERT_TRUE(alice.user);
  EXPECT_EQ(alice.user->groups, (std::vector<std::string>{"devs", "system:authenticated"}));
  EXPECT_EQ(alice.audiences, std::vector<std::string>{api});
  TokenReviewAnswer alice_elsewhere = authn.ReviewToken("static-token", {"vault"});
  EXPECT_FALSE(alice_elsewhere.user);
  EXPECT_EQ(alice_elsewhere.error, "invalid bearer token");
  EXPECT_EQ(authn.ReviewToken("nobody-knows-me", {}).error, "invalid bearer token");
}

TEST_F(ServiceAccountTokenTest, TokensOfAnotherIssuerAreNotOurs) {
  ServiceAccountTokenOptions other;
  other.issuer = "https://elsewhere.example";
  ServiceAccountTokens elsewhere(FixedKey(), other, clock_, objects_.Getter());
  ServiceAccountClaims c = Claims();
  c.audiences = {"https://kubernetes.default.svc.cluster.local"};
  auto theirs = elsewhere.Issue(c);
  ASSERT_TRUE(theirs.ok());
  // Same key, same audience: still not ours, so left to other authenticators (then a 401).
  EXPECT_FALSE(tokens_.Authenticate(*theirs).has_value());
  // Not a JWT at all, or a JWT without an issuer: not ours either.
  EXPECT_FALSE(tokens_.Authenticate("static-token-from-a-file").has_value());
  EXPECT_FALSE(tokens_.Authenticate(*FixedKey().Sign(R"({"sub":"x"})")).has_value());
  // Our issuer but another key: ours, and refused.
  std::string dir = TempDir("issuer");
  ServiceAccountTokens impostor(FreshKey(dir), {}, clock_, objects_.Getter());
  auto forged = impostor.Issue(Claims());
  auto r = tokens_.Authenticate(*forged);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().code(), StatusCode::kUnauthorized);
  std::filesystem::remove_all(dir);
}

TEST_F(ServiceAccountTokenTest, DeletingTheServiceAccountRevokesItsTokens) {
  std::string token = Issue(Claims());
  ASSERT_TRUE(Authenticate(token).ok());
  objects_.Remove("serviceaccounts", "team", "robot");
  EXPECT_EQ(Authenticate(token).status().message(), "serviceaccounts \"robot\" not found");
  // A new ServiceAccount of the same name is another account.
  objects_.Put("serviceaccounts", "team", "robot", "sa-uid-2");
  EXPECT_EQ(Authenticate(token).status().message(),
            "service account UID (sa-uid-2) does not match claim (sa-uid-1)");
  // Being deleted (a finalizer holds it) counts after the leeway.
  objects_.Put("serviceaccounts", "team", "robot", "sa-uid-1");
  objects_.MarkDeleted("serviceaccounts", "team", "robot", clock_.now);
  EXPECT_TRUE(Authenticate(token).ok());
  clock_.now += 61s;
  EXPECT_EQ(Authenticate(token).status().message(), "service account team/robot has been deleted");
}

TEST_F(ServiceAccountTokenTest, PodBoundTokensEndWithThePod) {
  objects_.Put("pods", "team", "web-0", "pod-uid-1");
  ServiceAccountClaims c = Claims();
  c.pod = ObjectRef{"web-0", "pod-uid-1"};
  c.node = ObjectRef{"node1", "node-uid"};  // the pod's node: informative only
  std::string token = Issue(c);
  auto user = Authenticate(token);
  ASSERT_TRUE(user.ok()) << user.status().message();
  EXPECT_EQ(user->extra.at("authentication.kubernetes.io/pod-name"),
            std::vector<std::string>{"web-0"});
  EXPECT_EQ(user->extra.at("authentication.kubernetes.io/pod-uid"),
            std::vector<std::string>{"pod-uid-1"});
  EXPECT_EQ(user->extra.at("authentication.kubernetes.io/node-name"),
            std::vector<std::string>{"node1"});
  EXPECT_EQ(user->extra.at("authentication.kubernetes.io/node-uid"),
            std::vector<std::string>{"node-uid"});
  objects_.Put("pods", "team", "web-0", "pod-uid-2");
  EXPECT_EQ(Authenticate(token).status().message(),
            "pod UID (pod-uid-2) does not match service account pod ref claim (pod-uid-1)");
  objects_.Remove("pods", "team", "web-0");
  EXPECT_EQ(Authenticate(token).status().message(), "service account token has been invalidated");
}

TEST_F(ServiceAccountTokenTest, NodeBoundTokensEndWithTheNode) {
  objects_.Put("nodes", "", "node1", "node-uid-1");
  ServiceAccountClaims c = Claims();
  c.node = ObjectRef{"node1", "node-uid-1"};
  std::string token = Issue(c);
  ASSERT_TRUE(Authenticate(token).ok());
  objects_.Remove("nodes", "", "node1");
  EXPECT_EQ(Authenticate(token).status().message(), "service account token has been invalidated");
}

TEST(ServiceAccountClaimsTest, MalformedClaimsAreRefused) {
  for (const char* json : {
           R"([])",
           R"({"iss":"x"})",
           R"({"kubernetes.io":{"namespace":"a"}})",
           R"({"kubernetes.io":{"namespace":"a","serviceaccount":{"name":""}}})",
           R"({"kubernetes.io":{"namespace":1,"serviceaccount":{"name":"b"}}})",
           R"({"kubernetes.io":{"namespace":"a","serviceaccount":{"name":"b"},"pod":"p"}})",
           R"({"exp":"soon","kubernetes.io":{"namespace":"a","serviceaccount":{"name":"b"}}})",
           R"({"aud":[1],"kubernetes.io":{"namespace":"a","serviceaccount":{"name":"b"}}})",
           R"({"iss":5,"kubernetes.io":{"namespace":"a","serviceaccount":{"name":"b"}}})",
       }) {
    auto r = ParseClaims(json);
    EXPECT_FALSE(r.ok()) << json;
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthorized) << json;
  }
  auto single = ParseClaims(
      R"({"aud":"one","exp":5,"kubernetes.io":{"namespace":"a","serviceaccount":{"name":"b"}}})");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->audiences, std::vector<std::string>{"one"});
}

int FileMode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

TEST(ServiceAccountKeyTest, CreatedOnceWithPrivateModeAndKept) {
  std::string dir = TempDir("key");
  auto first = EnsureServiceAccountKey(dir + "/pki");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(FileMode(dir + "/pki"), 0700);
  EXPECT_EQ(FileMode(dir + "/pki/sa.key"), 0600);
  EXPECT_EQ(FileMode(dir + "/pki/sa.pub"), 0644);
  EXPECT_NE(first->find("BEGIN PRIVATE KEY"), std::string::npos);
  auto again = EnsureServiceAccountKey(dir + "/pki");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  // The public half is the signing key's (same key id as the private key gives).
  std::string pub = ReadFile(dir + "/pki/sa.pub").value();
  EXPECT_NE(pub.find("BEGIN PUBLIC KEY"), std::string::npos);
  EXPECT_FALSE(JwtSigningKey::FromPem(pub).ok());  // a public key cannot sign
  std::filesystem::remove_all(dir);
}

TEST(ServiceAccountKeyTest, OnlyP256KeysAreAccepted) {
  EXPECT_FALSE(JwtSigningKey::FromPem("not a key").ok());
  // An RSA key (upstream's default kind; 512 bits to keep the test short) is refused.
  const char* rsa = R"(-----BEGIN PRIVATE KEY-----
MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAy1yoAx/Iwh3aFzsJ
NrdAoJnmtzin1fBZREAvwl4p0I2EfUMsoE1AbK/VZ4OdCanh+WZBOOpPxjnNDBSA
bOmR8QIDAQABAkBM0W9V3sfDK+uaIt7UIFz1Ta1tQKWFlwjhUy23SkKZWG91D+R2
SLblE+ofq6vhzg5RrhibpM+T48DVvlMof62RAiEA5g+0BsvLRW24inDknEt4LTuf
L0gs2soYKi1t1dqP/hMCIQDiSlLypARt7Vt75qLatuTkb7hSKQV6r5L3HLSOICgg
awIgarSr3l8Vx/0NFAEqt6d1dR1rRuXmEBCeRqnNgNwf30sCIQCawsQJ5/yThbJ8
gVa9iDnwtSt1HVL+/hbf5ATj8sAeswIgVaseQnuy9YjMvzTru3QEp9w0zc7yXZfP
H3DEMYQPe80=
-----END PRIVATE KEY-----
)";
  auto r = JwtSigningKey::FromPem(rsa);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("P-256"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace tinyk8s::apiserver::auth
