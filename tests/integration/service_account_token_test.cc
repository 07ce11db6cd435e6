// End-to-end: service-account tokens. `kubectl create token` (the TokenRequest subresource),
// the token as a bearer credential (RBAC on system:serviceaccount:NS:NAME, auth can-i --list),
// revocation by deleting the ServiceAccount or the bound pod, the errors kubectl prints, and the
// signing key kept across restarts. Real binary, real kubectl (1.32 and an older one), raw HTTP.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "api/json.h"
#include "common/base64.h"
#include "common/clock.h"
#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Claims decodes a token's payload (no verification: the server does that).
rapidjson::Document Claims(const std::string& token) {
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  auto payload = Base64Decode(token.substr(first + 1, second - first - 1));
  EXPECT_TRUE(payload.has_value()) << token;
  auto doc = api::ParseJson(payload.value_or("null"));
  EXPECT_TRUE(doc.ok()) << *payload;
  return doc.ok() ? std::move(*doc) : rapidjson::Document();
}

class ServiceAccountTokenTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable(Version())) {
      GTEST_SKIP() << "kubectl " << Version() << " is not installed";
    }
    cluster_ = std::make_unique<TestCluster>(std::vector<std::string>{"apiserver"});
    ASSERT_TRUE(cluster_->ok());
    ASSERT_TRUE(WaitFor([&] { return cluster_->Http("GET", "/readyz").status == 200; }));
    std::ofstream(cluster_->dir() + "/ca.crt") << cluster_->CaPem();
  }
  std::string Version() const { return GetParam(); }
  // K runs kubectl as the cluster admin.
  CommandResult K(const std::vector<std::string>& args, const std::string& in = "") {
    return cluster_->Kubectl(Version(), args, in);
  }
  // WithToken runs kubectl with a kubeconfig that holds only the server, its CA and `token`
  // (no client certificate, which would take precedence over the token).
  CommandResult WithToken(const std::string& token, const std::vector<std::string>& args) {
    std::string path = cluster_->dir() + "/token-" + std::to_string(++kubeconfigs_) + ".kubeconfig";
    std::ofstream(path) << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
                        << "    server: https://127.0.0.1:" << cluster_->port() << "\n"
                        << "    certificate-authority: " << cluster_->dir() << "/ca.crt\n"
                        << "users:\n- name: u\n  user:\n    token: " << token << "\n"
                        << "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n"
                        << "current-context: c\n";
    std::vector<std::string> argv = {"/usr/lib/google-cloud-sdk/bin/kubectl." + Version(),
                                     "--kubeconfig=" + path, "--cache-dir=" + path + ".cache"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
  std::string CreateToken(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"create", "token"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = K(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Trim(r.out);
  }

  // CreateViewer makes ServiceAccount default/NAME with the view role in its namespace.
  void CreateViewer(const std::string& name) {
    ASSERT_EQ(K({"create", "serviceaccount", name}).exit_code, 0);
    auto bound = K({"create", "rolebinding", name + "-view", "--clusterrole=view",
                    "--serviceaccount=default:" + name});
    ASSERT_EQ(bound.exit_code, 0) << bound.err;
  }

  std::unique_ptr<TestCluster> cluster_;
  int kubeconfigs_ = 0;
};

TEST_P(ServiceAccountTokenTest, ATokenActsAsItsServiceAccountUntilTheAccountIsDeleted) {
  ASSERT_EQ(K({"create", "namespace", "team"}).exit_code, 0);
  ASSERT_EQ(K({"create", "serviceaccount", "robot", "-n", "team"}).exit_code, 0);
  std::string uid = K({"get", "sa", "robot", "-n", "team", "-o", "jsonpath={.metadata.uid}"}).out;
  ASSERT_FALSE(uid.empty());

  std::string token = CreateToken({"robot", "-n", "team"});
  rapidjson::Document claims = Claims(token);
  EXPECT_EQ(api::GetString(claims, {"iss"}), "https://kubernetes.default.svc.cluster.local");
  EXPECT_EQ(api::GetString(claims, {"sub"}), "system:serviceaccount:team:robot");
  EXPECT_EQ(api::GetString(claims, {"kubernetes.io", "namespace"}), "team");
  EXPECT_EQ(api::GetString(claims, {"kubernetes.io", "serviceaccount", "name"}), "robot");
  EXPECT_EQ(api::GetString(claims, {"kubernetes.io", "serviceaccount", "uid"}), uid);
  EXPECT_EQ(api::GetInt(claims, {"exp"}) - api::GetInt(claims, {"iat"}), 3600);
  EXPECT_EQ(api::ToJson(*api::FindMember(claims, "aud")),
            R"(["https://kubernetes.default.svc.cluster.local"])");

  // Authenticated, but RBAC grants the account nothing yet: upstream's 403 names it.
  auto denied = WithToken(token, {"get", "pods", "-n", "team"});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_EQ(denied.err,
            "Error from server (Forbidden): pods is forbidden: User "
            "\"system:serviceaccount:team:robot\" cannot list resource \"pods\" in API group \"\" "
            "in the namespace \"team\"\n");

  auto bound = K({"create", "rolebinding", "robot-view", "-n", "team", "--clusterrole=view",
                  "--serviceaccount=team:robot"});
  ASSERT_EQ(bound.exit_code, 0) << bound.err;
  auto pods = WithToken(token, {"get", "pods", "-n", "team"});
  EXPECT_EQ(pods.exit_code, 0) << pods.err;
  EXPECT_EQ(pods.err, "No resources found in team namespace.\n");
  auto other_ns = WithToken(token, {"get", "pods", "-n", "default"});
  EXPECT_NE(other_ns.exit_code, 0);
  EXPECT_TRUE(Contains(other_ns.err, "in the namespace \"default\"")) << other_ns.err;
  auto can_create = WithToken(token, {"auth", "can-i", "create", "pods", "-n", "team"});
  EXPECT_EQ(Trim(can_create.out), "no");

  auto list = WithToken(token, {"auth", "can-i", "--list", "-n", "team"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  bool pods_line = false;
  for (const auto& line : SplitLines(list.out)) {
    if (line.rfind("pods ", 0) == 0) {
      pods_line = true;
      EXPECT_TRUE(Contains(line, "[get list watch]")) << line;
    }
    // view does not reach secrets or RBAC, and nothing is writable.
    EXPECT_FALSE(Contains(line, "create pods") || Contains(line, "rolebindings")) << line;
  }
  EXPECT_TRUE(pods_line) << list.out;

  // Deleting the account revokes the token at once; a new account of the same name is another
  // account (its uid differs), so the old token stays refused.
  ASSERT_EQ(K({"delete", "sa", "robot", "-n", "team"}).exit_code, 0);
  auto revoked = WithToken(token, {"get", "pods", "-n", "team"});
  EXPECT_NE(revoked.exit_code, 0);
  EXPECT_TRUE(Contains(revoked.err, "You must be logged in to the server")) << revoked.err;
  ASSERT_EQ(K({"create", "serviceaccount", "robot", "-n", "team"}).exit_code, 0);
  EXPECT_NE(WithToken(token, {"get", "pods", "-n", "team"}).exit_code, 0);
  std::string fresh = CreateToken({"robot", "-n", "team"});
  EXPECT_EQ(WithToken(fresh, {"get", "pods", "-n", "team"}).exit_code, 0);
}

TEST_P(ServiceAccountTokenTest, DurationAudienceAndTheErrorsKubectlPrints) {
  ASSERT_EQ(K({"create", "serviceaccount", "robot"}).exit_code, 0);
  rapidjson::Document twenty = Claims(CreateToken({"robot", "--duration", "20m"}));
  EXPECT_EQ(api::GetInt(twenty, {"exp"}) - api::GetInt(twenty, {"iat"}), 1200);

  std::string vault = CreateToken({"robot", "--audience", "vault", "--audience", "https://x"});
  EXPECT_EQ(api::ToJson(*api::FindMember(Claims(vault), "aud")), R"(["vault","https://x"])");
  // A token for other audiences is no credential for this API server.
  auto elsewhere = WithToken(vault, {"get", "pods"});
  EXPECT_NE(elsewhere.exit_code, 0);
  EXPECT_TRUE(Contains(elsewhere.err, "You must be logged in to the server")) << elsewhere.err;

  auto short_lived = K({"create", "token", "robot", "--duration", "5m"});
  EXPECT_NE(short_lived.exit_code, 0);
  EXPECT_EQ(short_lived.err,
            "error: failed to create token: TokenRequest.authentication.k8s.io \"\" is invalid: "
            "spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 "
            "minutes\n");
  auto missing = K({"create", "token", "nobody"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_EQ(missing.err, "error: failed to create token: serviceaccounts \"nobody\" not found\n");

  // A tampered token (another account under the same signature) is refused like an unknown one.
  std::string token = CreateToken({"robot"});
  size_t first = token.find('.'), second = token.find('.', first + 1);
  std::string payload = api::ToJson(Claims(token));
  payload.replace(payload.find("\"name\":\"robot\""), 14, "\"name\":\"admin\"");
  std::string forged = token.substr(0, first + 1) + Base64UrlEncode(payload) + token.substr(second);
  HttpCredentials bearer;
  bearer.bearer_token = token;
  EXPECT_EQ(cluster_->HttpAs(bearer, "GET", "/api").status, 200);
  bearer.bearer_token = forged;
  EXPECT_EQ(cluster_->HttpAs(bearer, "GET", "/api").status, 401);
}

// RobotUserYaml is default/robot's UserInfo as kubectl -o yaml prints it inside a status.
std::string RobotUserYaml(const std::string& jti, const std::string& uid) {
  return "    extra:\n"
         "      authentication.kubernetes.io/credential-id:\n"
         "      - JTI=" +
         jti +
         "\n"
         "    groups:\n"
         "    - system:serviceaccounts\n"
         "    - system:serviceaccounts:default\n"
         "    - system:authenticated\n"
         "    uid: " +
         uid +
         "\n"
         "    username: system:serviceaccount:default:robot\n";
}

// WhoamiTable is kubectl's two-column table: attributes padded to the longest plus three.
std::string WhoamiTable(const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& [attribute, value] : rows) width = std::max(width, attribute.size());
  std::string out;
  for (const auto& [attribute, value] : rows) {
    out += attribute + std::string(width + 3 - attribute.size(), ' ') + value + "\n";
  }
  return out;
}

// kubectl auth whoami (SelfSubjectReview): the admin certificate, a service-account token with
// its credential id, -o yaml, and an impersonated user with extras from the kubeconfig.
TEST_P(ServiceAccountTokenTest, AuthWhoamiShowsTheRequester) {
  auto admin = K({"auth", "whoami"});
  ASSERT_EQ(admin.exit_code, 0) << admin.err;
  EXPECT_EQ(admin.out, WhoamiTable({{"ATTRIBUTE", "VALUE"},
                                    {"Username", "admin"},
                                    {"Groups", "[system:masters system:authenticated]"}}));

  ASSERT_EQ(K({"create", "serviceaccount", "robot"}).exit_code, 0);
  std::string uid = K({"get", "sa", "robot", "-o", "jsonpath={.metadata.uid}"}).out;
  std::string token = CreateToken({"robot"});
  std::string jti = api::GetString(Claims(token), {"jti"});
  ASSERT_FALSE(jti.empty());
  // A service account may ask too (system:basic-user, bound to everyone authenticated).
  auto robot = WithToken(token, {"auth", "whoami"});
  ASSERT_EQ(robot.exit_code, 0) << robot.err;
  const std::string extra = "Extra: authentication.kubernetes.io/credential-id";
  EXPECT_EQ(robot.out, WhoamiTable({{"ATTRIBUTE", "VALUE"},
                                    {"Username", "system:serviceaccount:default:robot"},
                                    {"UID", uid},
                                    {"Groups",
                                     "[system:serviceaccounts system:serviceaccounts:default "
                                     "system:authenticated]"},
                                    {extra, "[JTI=" + jti + "]"}}));

  auto yaml = WithToken(token, {"auth", "whoami", "-o", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  std::string created = "  creationTimestamp: \"";
  size_t at = yaml.out.find(created);
  ASSERT_NE(at, std::string::npos) << yaml.out;
  Clock::TimePoint when;
  EXPECT_TRUE(ParseRfc3339(yaml.out.substr(at + created.size(), 20), &when)) << yaml.out;
  EXPECT_EQ(yaml.out.substr(0, at),
            "apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\nmetadata:\n");
  EXPECT_EQ(yaml.out.substr(at + created.size() + 22),
            "status:\n  userInfo:\n" + RobotUserYaml(jti, uid));

  // Impersonation from the kubeconfig (as, as-groups, as-user-extra): the answer is the
  // impersonated user; extra keys arrive escaped in header names and come back lower case.
  std::string path = cluster_->dir() + "/as.kubeconfig";
  std::ofstream(path) << ReadFile(cluster_->kubeconfig()) << "    as: bob\n    as-groups: [devs]\n"
                      << "    as-user-extra:\n      example.com/Team: [a, b]\n";
  auto as =
      RunCommand({"/usr/lib/google-cloud-sdk/bin/kubectl." + Version(), "--kubeconfig=" + path,
                  "--cache-dir=" + path + ".cache", "auth", "whoami"});
  ASSERT_EQ(as.exit_code, 0) << as.err;
  EXPECT_EQ(as.out, WhoamiTable({{"ATTRIBUTE", "VALUE"},
                                 {"Username", "bob"},
                                 {"Groups", "[devs system:authenticated]"},
                                 {"Extra: example.com/team", "[a b]"}}));
}

INSTANTIATE_TEST_SUITE_P(Kubectl, ServiceAccountTokenTest, ::testing::Values("1.32", "1.28"),
                         [](const auto& info) {
                           std::string name = "v" + info.param;
                           name.erase(std::remove(name.begin(), name.end(), '.'), name.end());
                           return name;
                         });

// The rest needs one kubectl only.
class TokenRequestTest : public ServiceAccountTokenTest {};

TEST_P(TokenRequestTest, TheTokenRequestApiAnswersAsUpstream) {
  ASSERT_EQ(K({"create", "serviceaccount", "robot"}).exit_code, 0);
  std::string uid = K({"get", "sa", "robot", "-o", "jsonpath={.metadata.uid}"}).out;
  auto r = cluster_->Http("POST", "/api/v1/namespaces/default/serviceaccounts/robot/token",
                          R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest",)"
                          R"("spec":{"expirationSeconds":7200}})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto doc = api::ParseJson(r.body);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(api::GetString(*doc, {"kind"}), "TokenRequest");
  EXPECT_EQ(api::GetString(*doc, {"apiVersion"}), "authentication.k8s.io/v1");
  EXPECT_EQ(api::GetString(*doc, {"metadata", "name"}), "robot");
  EXPECT_EQ(api::GetString(*doc, {"metadata", "namespace"}), "default");
  EXPECT_EQ(api::GetString(*doc, {"metadata", "uid"}), uid);
  EXPECT_EQ(api::GetInt(*doc, {"spec", "expirationSeconds"}), 7200);
  EXPECT_EQ(api::ToJson(*api::FindPath(*doc, {"spec", "audiences"})),
            R"(["https://kubernetes.default.svc.cluster.local"])");
  const rapidjson::Value* ref = api::FindPath(*doc, {"spec", "boundObjectRef"});
  ASSERT_NE(ref, nullptr);
  EXPECT_TRUE(ref->IsNull());
  std::string token = api::GetString(*doc, {"status", "token"});
  rapidjson::Document claims = Claims(token);
  Clock::TimePoint expires;
  ASSERT_TRUE(ParseRfc3339(api::GetString(*doc, {"status", "expirationTimestamp"}), &expires));
  EXPECT_EQ(std::chrono::system_clock::to_time_t(expires), api::GetInt(claims, {"exp"}));

  // Discovery lists the subresource with the TokenRequest kind, as upstream.
  auto v1 = api::ParseJson(cluster_->Http("GET", "/api/v1").body);
  ASSERT_TRUE(v1.ok());
  bool listed = false;
  for (const auto& res : api::FindMember(*v1, "resources")->GetArray()) {
    if (api::GetString(res, {"name"}) != "serviceaccounts/token") continue;
    listed = true;
    EXPECT_EQ(api::ToJson(res),
              R"({"name":"serviceaccounts/token","singularName":"","namespaced":true,)"
              R"("group":"authentication.k8s.io","version":"v1","kind":"TokenRequest",)"
              R"("verbs":["create"]})");
  }
  EXPECT_TRUE(listed);

  // A body naming another account, and an expiration past 2^32 seconds.
  auto mismatch = cluster_->Http("POST", "/api/v1/namespaces/default/serviceaccounts/robot/token",
                                 R"({"metadata":{"name":"other"}})");
  EXPECT_EQ(mismatch.status, 422) << mismatch.body;
  EXPECT_TRUE(Contains(mismatch.body,
                       R"(metadata.name: Invalid value: \"other\": must match the service )"
                       R"(account name if specified)"))
      << mismatch.body;
  auto too_long = cluster_->Http("POST", "/api/v1/namespaces/default/serviceaccounts/robot/token",
                                 R"({"spec":{"expirationSeconds":4294967297}})");
  EXPECT_EQ(too_long.status, 422) << too_long.body;
  EXPECT_TRUE(Contains(too_long.body, "may not specify a duration larger than 2^32 seconds"))
      << too_long.body;
  auto bad_kind = cluster_->Http(
      "POST", "/api/v1/namespaces/default/serviceaccounts/robot/token",
      R"({"spec":{"boundObjectRef":{"kind":"ConfigMap","apiVersion":"v1","name":"x"}}})");
  EXPECT_EQ(bad_kind.status, 400) << bad_kind.body;
  EXPECT_TRUE(Contains(bad_kind.body, "cannot bind token to object of type /v1, Kind=ConfigMap"))
      << bad_kind.body;
  // Only create: the subresource cannot be read.
  EXPECT_EQ(cluster_->Http("GET", "/api/v1/namespaces/default/serviceaccounts/robot/token").status,
            405);
}

TEST_P(TokenRequestTest, APodBoundTokenEndsWithThePod) {
  ASSERT_NO_FATAL_FAILURE(CreateViewer("robot"));
  const std::string pod = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  serviceAccountName: robot
  containers:
  - name: c
    image: nginx
)";
  auto created = K({"apply", "-f", "-"}, pod);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string pod_uid = K({"get", "pod", "web", "-o", "jsonpath={.metadata.uid}"}).out;
  std::string token =
      CreateToken({"robot", "--bound-object-kind", "Pod", "--bound-object-name", "web"});
  rapidjson::Document claims = Claims(token);
  EXPECT_EQ(api::GetString(claims, {"kubernetes.io", "pod", "name"}), "web");
  EXPECT_EQ(api::GetString(claims, {"kubernetes.io", "pod", "uid"}), pod_uid);
  EXPECT_EQ(WithToken(token, {"get", "pods"}).exit_code, 0);

  // The kubelet's 3607 s pod token lives a year, recording when it should have expired
  // (upstream's --service-account-extend-token-expiration); unbound it gets just 3607 s.
  rapidjson::Document kubelet =
      Claims(CreateToken({"robot", "--bound-object-kind", "Pod", "--bound-object-name", "web",
                          "--duration", "3607s"}));
  int64_t iat = api::GetInt(kubelet, {"iat"});
  EXPECT_EQ(api::GetInt(kubelet, {"exp"}) - iat, 365 * 24 * 3600);
  EXPECT_EQ(api::GetInt(kubelet, {"kubernetes.io", "warnafter"}) - iat, 3607);
  rapidjson::Document unbound = Claims(CreateToken({"robot", "--duration", "3607s"}));
  EXPECT_EQ(api::GetInt(unbound, {"exp"}) - api::GetInt(unbound, {"iat"}), 3607);
  EXPECT_EQ(api::FindPath(unbound, {"kubernetes.io", "warnafter"}), nullptr);

  auto wrong_uid = K({"create", "token", "robot", "--bound-object-kind", "Pod",
                      "--bound-object-name", "web", "--bound-object-uid", "not-the-uid"});
  EXPECT_NE(wrong_uid.exit_code, 0);
  EXPECT_TRUE(Contains(wrong_uid.err,
                       "the UID in the bound object reference (not-the-uid) does "
                       "not match the UID in record"))
      << wrong_uid.err;
  ASSERT_EQ(K({"create", "serviceaccount", "other"}).exit_code, 0);
  auto other_sa =
      K({"create", "token", "other", "--bound-object-kind", "Pod", "--bound-object-name", "web"});
  EXPECT_NE(other_sa.exit_code, 0);
  EXPECT_TRUE(Contains(other_sa.err,
                       "cannot bind token for serviceaccount \"other\" to pod "
                       "running with different serviceaccount name."))
      << other_sa.err;
  auto no_pod =
      K({"create", "token", "robot", "--bound-object-kind", "Pod", "--bound-object-name", "gone"});
  EXPECT_NE(no_pod.exit_code, 0);
  EXPECT_TRUE(Contains(no_pod.err, "pods \"gone\" not found")) << no_pod.err;

  // An unscheduled pod is deleted at once; its tokens end with it.
  ASSERT_EQ(K({"delete", "pod", "web", "--wait=false"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return K({"get", "pod", "web"}).exit_code != 0; }));
  auto revoked = WithToken(token, {"get", "pods"});
  EXPECT_NE(revoked.exit_code, 0);
  EXPECT_TRUE(Contains(revoked.err, "You must be logged in to the server")) << revoked.err;
}

TEST_P(TokenRequestTest, EditorsMayRequestTokensViewersMayNot) {
  ASSERT_EQ(K({"create", "serviceaccount", "robot"}).exit_code, 0);
  ASSERT_EQ(K({"create", "rolebinding", "e", "--clusterrole=edit", "--user=editor"}).exit_code, 0);
  ASSERT_EQ(K({"create", "rolebinding", "v", "--clusterrole=view", "--user=viewer"}).exit_code, 0);
  auto editor = K({"create", "token", "robot", "--as=editor"});
  EXPECT_EQ(editor.exit_code, 0) << editor.err;
  auto viewer = K({"create", "token", "robot", "--as=viewer"});
  EXPECT_NE(viewer.exit_code, 0);
  EXPECT_TRUE(Contains(viewer.err,
                       "User \"viewer\" cannot create resource "
                       "\"serviceaccounts/token\" in API group \"\""))
      << viewer.err;
}

TEST_P(TokenRequestTest, TokensSurviveARestartWithTheKeptKey) {
  ASSERT_NO_FATAL_FAILURE(CreateViewer("robot"));
  std::string token = CreateToken({"robot"});
  std::string key = ReadFile(cluster_->dir() + "/data/pki/sa.key");
  ASSERT_FALSE(key.empty());
  ASSERT_TRUE(cluster_->Restart());
  EXPECT_EQ(ReadFile(cluster_->dir() + "/data/pki/sa.key"), key);
  auto after = WithToken(token, {"get", "pods"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
}

// TokenReview through kubectl create -f - -o yaml: who a token is, for which audience; a
// service account may review tokens once bound to system:auth-delegator.
TEST_P(TokenRequestTest, TokenReviewSaysWhoATokenIs) {
  ASSERT_EQ(K({"create", "serviceaccount", "robot"}).exit_code, 0);
  std::string uid = K({"get", "sa", "robot", "-o", "jsonpath={.metadata.uid}"}).out;
  std::string token = CreateToken({"robot", "--audience=vault"});
  std::string jti = api::GetString(Claims(token), {"jti"});
  auto review = [&](const std::string& audiences) {
    return "apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec:\n  token: " + token +
           "\n" + audiences;
  };
  // --validate=false: kubectl's client-side validation of a kind without PATCH asks whether it
  // is a CRD, and this server serves no customresourcedefinitions (a 404 kubectl cannot take).
  auto vault =
      K({"create", "-f", "-", "-o", "yaml", "--validate=false"}, review("  audiences: [vault]\n"));
  ASSERT_EQ(vault.exit_code, 0) << vault.err;
  EXPECT_EQ(vault.out,
            "apiVersion: authentication.k8s.io/v1\n"
            "kind: TokenReview\n"
            "metadata:\n"
            "  creationTimestamp: null\n"
            "spec:\n"
            "  audiences:\n"
            "  - vault\n"
            "  token: " +
                token +
                "\n"
                "status:\n"
                "  audiences:\n"
                "  - vault\n"
                "  authenticated: true\n"
                "  user:\n" +
                RobotUserYaml(jti, uid));
  // Without audiences the API's are meant: a vault token is not for this server.
  auto api = K({"create", "-f", "-", "-o", "yaml", "--validate=false"}, review(""));
  ASSERT_EQ(api.exit_code, 0) << api.err;
  EXPECT_TRUE(Contains(api.out,
                       "status:\n  error: token audiences [\"vault\"] is invalid for the "
                       "target audiences [\"https://kubernetes.default.svc.cluster.local\"]\n"
                       "  user: {}\n"))
      << api.out;
  EXPECT_FALSE(Contains(api.out, "authenticated")) << api.out;

  // Reviewing tokens takes system:auth-delegator (upstream's role, bound to no one by default).
  std::string reviewer = CreateToken({"robot"});
  auto forbidden =
      cluster_->HttpAs({"", "", reviewer}, "POST", "/apis/authentication.k8s.io/v1/tokenreviews",
                       R"({"spec":{"token":")" + token + R"("}})");
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  ASSERT_EQ(K({"create", "clusterrolebinding", "robot-delegator",
               "--clusterrole=system:auth-delegator", "--serviceaccount=default:robot"})
                .exit_code,
            0);
  auto allowed =
      cluster_->HttpAs({"", "", reviewer}, "POST", "/apis/authentication.k8s.io/v1/tokenreviews",
                       R"({"spec":{"token":")" + token + R"(","audiences":["vault"]}})");
  EXPECT_EQ(allowed.status, 201) << allowed.body;
  EXPECT_TRUE(Contains(allowed.body, R"("authenticated":true)")) << allowed.body;
  // An empty token is a bad request, as upstream.
  auto empty = cluster_->Http("POST", "/apis/authentication.k8s.io/v1/tokenreviews",
                              R"({"spec":{"token":""}})");
  EXPECT_EQ(empty.status, 400);
  EXPECT_TRUE(Contains(empty.body, "token is required for TokenReview in authentication"))
      << empty.body;
}

// The review and TokenRequest bodies are decoded as upstream's typed decoder does: a value of
// the wrong type is a 400 naming the Go field, not silently ignored (found by fuzzing).
TEST_P(TokenRequestTest, ReviewAndTokenRequestBodiesOfTheWrongTypeAreBadRequests) {
  ASSERT_EQ(K({"create", "serviceaccount", "robot"}).exit_code, 0);
  struct Case {
    std::string path, body, message;
  };
  const std::string token_path = "/api/v1/namespaces/default/serviceaccounts/robot/token";
  const std::string whoami = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
  const Case cases[] = {
      {whoami, R"({"status":"x"})",
       R"(SelfSubjectReview in version \"v1\" cannot be handled as a SelfSubjectReview: json: )"
       R"(cannot unmarshal string into Go struct field SelfSubjectReview.status of type )"
       R"(v1.SelfSubjectReviewStatus)"},
      {whoami, R"({"status":{"userInfo":{"extra":{"a":"b"}}}})",
       R"(cannot unmarshal string into Go struct field UserInfo.status.userInfo.extra of type )"
       R"(map[string][]string)"},
      {"/apis/authentication.k8s.io/v1/tokenreviews", R"({"spec":{"token":"x","audiences":"a"}})",
       R"(TokenReview in version \"v1\" cannot be handled as a TokenReview: json: cannot )"
       R"(unmarshal string into Go struct field TokenReviewSpec.spec.audiences of type []string)"},
      {token_path, R"({"metadata":{"name":5}})",
       R"(TokenRequest in version \"v1\" cannot be handled as a TokenRequest: json: cannot )"
       R"(unmarshal number into Go struct field ObjectMeta.metadata.name of type string)"},
      {token_path, R"({"spec":{"expirationSeconds":"3600"}})",
       R"(json: cannot unmarshal string into Go struct field )"
       R"(TokenRequestSpec.spec.expirationSeconds of type int64)"},
  };
  for (const Case& c : cases) {
    auto r = cluster_->Http("POST", c.path, c.body);
    EXPECT_EQ(r.status, 400) << c.body << ": " << r.body;
    EXPECT_TRUE(Contains(r.body, c.message)) << c.body << ": " << r.body;
  }
}

// Request headers past the limit (a bearer token too long to read, here a long request line:
// the test client cannot send a header value over 64 KiB) are answered 431 as Go's server does,
// not dropped.
TEST_P(TokenRequestTest, HeadersTooLongToReadAreA431) {
  auto r = cluster_->Http("GET", "/api?pad=" + std::string(128 * 1024, 'a'));
  EXPECT_EQ(r.status, 431) << r.body;
  EXPECT_EQ(r.body, "431 Request Header Fields Too Large");
  // The server still answers.
  EXPECT_EQ(cluster_->Http("GET", "/api").status, 200);
}

// Service account issuer discovery: the OpenID configuration and the key set, readable by
// service accounts (system:service-account-issuer-discovery), carrying the key id tokens name.
TEST_P(TokenRequestTest, IssuerDiscoveryServesTheSigningKey) {
  ASSERT_EQ(K({"create", "serviceaccount", "robot"}).exit_code, 0);
  std::string token = CreateToken({"robot"});
  auto header = api::ParseJson(Base64UrlDecode(token.substr(0, token.find('.'))).value_or(""));
  ASSERT_TRUE(header.ok());
  std::string kid = api::GetString(*header, {"kid"});
  ASSERT_FALSE(kid.empty());

  auto config = cluster_->HttpAs({"", "", token}, "GET", "/.well-known/openid-configuration");
  ASSERT_EQ(config.status, 200) << config.body;
  EXPECT_EQ(config.content_type, "application/json");
  // The JWKS URI names the server's address, not the client's Host header (this client sends
  // "127.0.0.1" without the port; kubectl sends host:port): the document is publicly cached.
  auto raw_config = WithToken(token, {"get", "--raw", "/.well-known/openid-configuration"});
  ASSERT_EQ(raw_config.exit_code, 0) << raw_config.err;
  EXPECT_EQ(raw_config.out,
            R"({"issuer":"https://kubernetes.default.svc.cluster.local","jwks_uri":)"
            R"("https://127.0.0.1:)" +
                std::to_string(cluster_->port()) +
                R"(/openid/v1/jwks","response_types_supported":["id_token"],)"
                R"("subject_types_supported":["public"],)"
                R"("id_token_signing_alg_values_supported":["ES256"]})");
  EXPECT_EQ(config.body, raw_config.out);

  auto jwks = cluster_->HttpAs({"", "", token}, "GET", "/openid/v1/jwks");
  ASSERT_EQ(jwks.status, 200) << jwks.body;
  EXPECT_EQ(jwks.content_type, "application/jwk-set+json");
  auto set = api::ParseJson(jwks.body);
  ASSERT_TRUE(set.ok()) << jwks.body;
  const rapidjson::Value* keys = api::FindMember(*set, "keys");
  ASSERT_TRUE(keys && keys->IsArray() && keys->Size() == 1) << jwks.body;
  const rapidjson::Value& key = (*keys)[0];
  EXPECT_EQ(api::GetString(key, {"kid"}), kid);
  EXPECT_EQ(api::GetString(key, {"kty"}), "EC");
  EXPECT_EQ(api::GetString(key, {"crv"}), "P-256");
  EXPECT_EQ(api::GetString(key, {"alg"}), "ES256");
  EXPECT_EQ(api::GetString(key, {"use"}), "sig");
  for (const char* coordinate : {"x", "y"}) {
    EXPECT_EQ(Base64UrlDecode(api::GetString(key, {coordinate})).value_or("").size(), 32u);
  }
  // The admin reads it too; a user outside system:serviceaccounts does not (as upstream).
  auto raw = K({"get", "--raw", "/openid/v1/jwks"});
  EXPECT_EQ(raw.out, jwks.body);
  auto bob = K({"get", "--raw", "/openid/v1/jwks", "--as=bob"});
  EXPECT_NE(bob.exit_code, 0);
  EXPECT_TRUE(Contains(bob.err, "forbidden: User \"bob\" cannot get path \"/openid/v1/jwks\""))
      << bob.err;
}

INSTANTIATE_TEST_SUITE_P(Kubectl, TokenRequestTest, ::testing::Values("1.32"),
                         [](const auto&) { return std::string("v132"); });

}  // namespace
}  // namespace tinyk8s::testing
