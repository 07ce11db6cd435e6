// Unit tests of the authentication and authorization building blocks: RBAC rule matching and
// rule listing, impersonation, node identities, the token file, 403 wording and certificate
// issuing.
#include <gtest/gtest.h>

#include "api/json.h"
#include "apiserver/auth/authn.h"
#include "apiserver/auth/authorizer.h"
#include "apiserver/auth/escalation.h"
#include "apiserver/auth/impersonation.h"
#include "apiserver/auth/node_authorizer.h"
#include "apiserver/auth/pki.h"
#include "apiserver/auth/rbac.h"
#include "apiserver/watch_cache.h"
#include "storage/sqlite_store.h"
#include "tests/unit/storage/test_util.h"

namespace tinyk8s::apiserver::auth {
namespace {

PolicyRule Rule(const std::string& json) {
  auto doc = api::ParseJson(json);
  EXPECT_TRUE(doc.ok());
  return ParsePolicyRule(*doc);
}

Attributes Resource(const UserInfo& u, std::string verb, std::string group, std::string resource,
                    std::string sub = "", std::string ns = "default", std::string name = "") {
  Attributes a;
  a.user = &u;
  a.resource_request = true;
  a.verb = std::move(verb);
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.subresource = std::move(sub);
  a.ns = std::move(ns);
  a.name = std::move(name);
  return a;
}

TEST(RbacRuleTest, MatchesVerbsGroupsResourcesAndNames) {
  UserInfo u{"jane", "", {}};
  PolicyRule pods = Rule(R"({"verbs":["get","list"],"apiGroups":[""],"resources":["pods"]})");
  EXPECT_TRUE(RuleAllows(Resource(u, "get", "", "pods"), pods));
  EXPECT_FALSE(RuleAllows(Resource(u, "delete", "", "pods"), pods));
  EXPECT_FALSE(RuleAllows(Resource(u, "get", "apps", "pods"), pods));
  // A subresource needs its own entry.
  EXPECT_FALSE(RuleAllows(Resource(u, "get", "", "pods", "status"), pods));
  PolicyRule status = Rule(R"({"verbs":["*"],"apiGroups":["*"],"resources":["*/status"]})");
  EXPECT_TRUE(RuleAllows(Resource(u, "patch", "apps", "daemonsets", "status"), status));
  EXPECT_FALSE(RuleAllows(Resource(u, "patch", "apps", "daemonsets"), status));
  PolicyRule named = Rule(
      R"({"verbs":["update"],"apiGroups":["coordination.k8s.io"],"resources":["leases"],"resourceNames":["a"]})");
  EXPECT_TRUE(
      RuleAllows(Resource(u, "update", "coordination.k8s.io", "leases", "", "ns", "a"), named));
  EXPECT_FALSE(
      RuleAllows(Resource(u, "update", "coordination.k8s.io", "leases", "", "ns", "b"), named));
  Attributes path;
  path.user = &u;
  path.verb = "get";
  path.path = "/apis/apps";
  EXPECT_TRUE(RuleAllows(path, Rule(R"({"verbs":["get"],"nonResourceURLs":["/apis/*"]})")));
  EXPECT_FALSE(RuleAllows(path, Rule(R"({"verbs":["get"],"nonResourceURLs":["/api/*"]})")));
  EXPECT_FALSE(RuleAllows(path, pods));
}

TEST(NodeOwnerTest, KubeletAndAgentIdentities) {
  NodeOwner owner;
  ASSERT_TRUE(NodeOwnerOf({"system:node:n1", "", {"system:nodes"}}, &owner));
  EXPECT_TRUE(owner.Owns("n1"));
  EXPECT_FALSE(owner.Owns("n2"));
  NodeOwner agent;
  ASSERT_TRUE(NodeOwnerOf({"system:node-agent:node", "", {"system:node-agents"}}, &agent));
  EXPECT_TRUE(agent.Owns("node01"));
  EXPECT_TRUE(agent.Owns("node123"));
  EXPECT_FALSE(agent.Owns("node"));
  EXPECT_FALSE(agent.Owns("node-evil"));
  EXPECT_FALSE(agent.Owns("edge01"));
  NodeOwner none;
  EXPECT_FALSE(NodeOwnerOf({"system:node:n1", "", {}}, &none));  // group required
}

TEST(TokenFileTest, ParsesUpstreamCsv) {
  auto tokens = ParseTokenFile("# comment\nt1,alice,100,\"system:masters,dev\"\nt2,bob,101\n");
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ(tokens->at("t1").name, "alice");
  EXPECT_EQ(tokens->at("t1").groups, (std::vector<std::string>{"system:masters", "dev"}));
  EXPECT_TRUE(tokens->at("t2").groups.empty());
  EXPECT_FALSE(ParseTokenFile("only-a-token\n").ok());
}

TEST(ForbiddenMessageTest, UpstreamWording) {
  UserInfo u{"jane", "", {}};
  EXPECT_EQ(
      ForbiddenMessage(Resource(u, "delete", "", "pods", "", "default", "web"), ""),
      R"(pods "web" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the namespace "default")");
  EXPECT_EQ(
      ForbiddenMessage(Resource(u, "list", "apps", "daemonsets", "", ""), ""),
      R"(daemonsets.apps is forbidden: User "jane" cannot list resource "daemonsets" in API group "apps" at the cluster scope)");
  EXPECT_EQ(
      ForbiddenMessage(Resource(u, "create", "", "pods", "binding", "ns", "p"), "why"),
      R"(pods "p" is forbidden: User "jane" cannot create resource "pods/binding" in API group "" in the namespace "ns": why)");
  Attributes path;
  path.user = &u;
  path.verb = "get";
  path.path = "/metrics";
  EXPECT_EQ(ForbiddenMessage(path, ""), R"(forbidden: User "jane" cannot get path "/metrics")");
}

// Impersonation against a fake chain that records what was asked and allows what `grants` has
// (as "resource[.group]/name").
struct FakeChain {
  std::vector<std::string> grants;
  std::vector<std::string> asked;
  AllowedFn Fn() {
    return [this](const Attributes& a, std::string*) {
      std::string key = a.resource + (a.subresource.empty() ? "" : "/" + a.subresource) +
                        (a.api_group.empty() ? "" : "." + a.api_group) + "/" +
                        (a.ns.empty() ? "" : a.ns + "/") + a.name;
      EXPECT_EQ(a.verb, "impersonate");
      asked.push_back(key);
      return std::find(grants.begin(), grants.end(), key) != grants.end();
    };
  }
};

HttpRequest WithHeaders(std::map<std::string, std::string> headers) {
  HttpRequest req;
  req.headers = std::move(headers);
  return req;
}

TEST(ImpersonationTest, ChecksEveryPartAndAddsAuthenticated) {
  UserInfo admin{"admin", "", {"system:authenticated"}};
  FakeChain chain{{"users/bob", "groups/devs", "groups/ops", "uids.authentication.k8s.io/42",
                   "userextras/scopes.authentication.k8s.io/view"},
                  {}};
  auto req = WithHeaders({{"impersonate-user", "bob"},
                          {"impersonate-group", "devs,ops"},
                          {"impersonate-uid", "42"},
                          {"impersonate-extra-scopes", "view"}});
  EXPECT_TRUE(ImpersonationRequested(req));
  EXPECT_FALSE(ImpersonationRequested(WithHeaders({{"accept", "x"}})));
  auto as = Impersonate(req, admin, chain.Fn());
  ASSERT_TRUE(as.ok()) << as.status().ToString();
  EXPECT_EQ(as->name, "bob");
  EXPECT_EQ(as->uid, "42");
  EXPECT_EQ(as->groups, (std::vector<std::string>{"devs", "ops", "system:authenticated"}));
  EXPECT_EQ(chain.asked, (std::vector<std::string>{"users/bob", "groups/devs", "groups/ops",
                                                   "userextras/scopes.authentication.k8s.io/view",
                                                   "uids.authentication.k8s.io/42"}));
}

// Impersonate-Extra-KEY headers become the user's extra: keys percent-unescaped (header names
// arrive lower-cased), one entry per value.
TEST(ImpersonationTest, ExtrasBecomeTheUsersExtra) {
  UserInfo admin{"admin", "", {"system:authenticated"}};
  FakeChain chain{{"users/bob", "userextras/example.com%2Fteam.authentication.k8s.io/x",
                   "userextras/example.com/team.authentication.k8s.io/a",
                   "userextras/example.com/team.authentication.k8s.io/b",
                   "userextras/scopes.authentication.k8s.io/view"},
                  {}};
  auto as = Impersonate(WithHeaders({{"impersonate-user", "bob"},
                                     {"impersonate-extra-example.com%2fteam", "a, b"},
                                     {"impersonate-extra-scopes", "view"}}),
                        admin, chain.Fn());
  ASSERT_TRUE(as.ok()) << as.status().ToString();
  EXPECT_EQ(as->extra, (std::map<std::string, std::vector<std::string>>{
                           {"example.com/team", {"a", "b"}}, {"scopes", {"view"}}}));
  auto none = Impersonate(WithHeaders({{"impersonate-user", "bob"}}), admin, chain.Fn());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->extra.empty());
}

TEST(ImpersonationTest, RefusesWithUpstreamWording) {
  UserInfo alice{"alice", "", {"system:authenticated"}};
  FakeChain chain{{"users/bob"}, {}};
  auto user = Impersonate(WithHeaders({{"impersonate-user", "carol"}}), alice, chain.Fn());
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().code(), StatusCode::kForbidden);
  EXPECT_EQ(
      user.status().message(),
      R"(users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope)");
  auto group = Impersonate(WithHeaders({{"impersonate-user", "bob"}, {"impersonate-group", "g"}}),
                           alice, chain.Fn());
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(
      group.status().message(),
      R"(groups "g" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope)");
  // Groups without a user are a bad request, whatever the requester may do.
  auto no_user = Impersonate(WithHeaders({{"impersonate-group", "g"}}), alice, chain.Fn());
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.status().code(), StatusCode::kBadRequest);
}

// Only "system:serviceaccount:NS:NAME" with a valid namespace and name is a service account
// (upstream's SplitUsername); anything else with that prefix is a plain user, needing
// `impersonate users` and getting no service-account groups.
TEST(ImpersonationTest, MalformedServiceAccountNamesAreUsers) {
  UserInfo admin{"admin", "", {}};
  for (const std::string name :
       {"system:serviceaccount:a:b:c", "system:serviceaccount::x",
        "system:serviceaccount:a:", "system:serviceaccount:A:b", "system:serviceaccount:a:B_"}) {
    FakeChain chain{{"users/" + name, "serviceaccounts/a/b:c"}, {}};
    auto as = Impersonate(WithHeaders({{"impersonate-user", name}}), admin, chain.Fn());
    ASSERT_TRUE(as.ok()) << name << ": " << as.status().ToString();
    EXPECT_EQ(chain.asked, std::vector<std::string>{"users/" + name});
    EXPECT_EQ(as->groups, std::vector<std::string>{"system:authenticated"}) << name;
  }
}

TEST(ImpersonationTest, ServiceAccountsAndAnonymous) {
  UserInfo admin{"admin", "", {}};
  FakeChain chain{{"serviceaccounts/kube-system/builder", "users/system:anonymous"}, {}};
  auto sa =
      Impersonate(WithHeaders({{"impersonate-user", "system:serviceaccount:kube-system:builder"}}),
                  admin, chain.Fn());
  ASSERT_TRUE(sa.ok()) << sa.status().ToString();
  EXPECT_EQ(sa->groups, (std::vector<std::string>{"system:serviceaccounts",
                                                  "system:serviceaccounts:kube-system",
                                                  "system:authenticated"}));
  auto anon =
      Impersonate(WithHeaders({{"impersonate-user", "system:anonymous"}}), admin, chain.Fn());
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(anon->groups, (std::vector<std::string>{"system:unauthenticated"}));
}

// RBAC over a real store and watch cache.
class RbacStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::SqliteStoreOptions options;
    options.path = dir_.File("state.db");
    options.durable = false;
    options.compaction_interval = std::chrono::milliseconds(0);
    auto store = storage::SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    auto cache = WatchCache::Start(*store_, {});
    ASSERT_TRUE(cache.ok());
    cache_ = std::move(*cache);
  }
  void Put(const std::string& key, const std::string& json) {
    auto kv = store_->Create("/registry/rbac.authorization.k8s.io/" + key, json);
    ASSERT_TRUE(kv.ok()) << kv.status().message();
    ASSERT_TRUE(cache_->WaitForRevision(kv->mod_revision, std::chrono::seconds(5)));
  }
  storage::testing::TempDir dir_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<WatchCache> cache_;
};

TEST_F(RbacStoreTest, RulesForListsClusterAndNamespaceRules) {
  Put("clusterroles/reader",
      R"({"kind":"ClusterRole","metadata":{"name":"reader"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]},{"nonResourceURLs":["/healthz"],"verbs":["get"]}]})");
  Put("roles/team/writer",
      R"({"kind":"Role","metadata":{"name":"writer","namespace":"team"},"rules":[{"apiGroups":["apps"],"resources":["daemonsets"],"resourceNames":["ds"],"verbs":["delete"]}]})");
  Put("clusterrolebindings/devs-read",
      R"({"kind":"ClusterRoleBinding","metadata":{"name":"devs-read"},"roleRef":{"kind":"ClusterRole","name":"reader"},"subjects":[{"kind":"Group","name":"devs"}]})");
  Put("rolebindings/team/jane-write",
      R"({"kind":"RoleBinding","metadata":{"name":"jane-write","namespace":"team"},"roleRef":{"kind":"Role","name":"writer"},"subjects":[{"kind":"User","name":"jane"}]})");
  RbacAuthorizer rbac(*cache_);
  UserInfo jane{"jane", "", {"devs"}};
  auto team = rbac.RulesFor(jane, "team");
  ASSERT_EQ(team.size(), 3u);
  EXPECT_EQ(team[0].resources, (std::vector<std::string>{"pods"}));
  EXPECT_EQ(team[1].non_resource_urls, (std::vector<std::string>{"/healthz"}));
  EXPECT_EQ(team[2].resource_names, (std::vector<std::string>{"ds"}));
  EXPECT_EQ(rbac.RulesFor(jane, "default").size(), 2u);
  EXPECT_TRUE(rbac.RulesFor(UserInfo{"bob", "", {}}, "team").empty());
}

TEST_F(RbacStoreTest, ServiceAccountSubjectsMatchServiceAccountUsers) {
  Put("clusterroles/reader",
      R"({"kind":"ClusterRole","metadata":{"name":"reader"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]})");
  // Namespace defaulted from the RoleBinding, given explicitly, and missing on a
  // ClusterRoleBinding (which then matches no account).
  Put("rolebindings/team/local",
      R"({"kind":"RoleBinding","metadata":{"name":"local","namespace":"team"},"roleRef":{"kind":"ClusterRole","name":"reader"},"subjects":[{"kind":"ServiceAccount","name":"robot"}]})");
  Put("rolebindings/team/remote",
      R"({"kind":"RoleBinding","metadata":{"name":"remote","namespace":"team"},"roleRef":{"kind":"ClusterRole","name":"reader"},"subjects":[{"kind":"ServiceAccount","name":"ci","namespace":"tools"}]})");
  Put("clusterrolebindings/unqualified",
      R"({"kind":"ClusterRoleBinding","metadata":{"name":"unqualified"},"roleRef":{"kind":"ClusterRole","name":"reader"},"subjects":[{"kind":"ServiceAccount","name":"ghost"}]})");
  RbacAuthorizer rbac(*cache_);
  auto account = [](const std::string& ns, const std::string& name) {
    return UserInfo{"system:serviceaccount:" + ns + ":" + name, "", {"system:serviceaccounts"}};
  };
  EXPECT_EQ(rbac.RulesFor(account("team", "robot"), "team").size(), 1u);
  EXPECT_TRUE(rbac.RulesFor(account("team", "robot"), "default").empty());
  EXPECT_TRUE(rbac.RulesFor(account("other", "robot"), "team").empty());
  EXPECT_EQ(rbac.RulesFor(account("tools", "ci"), "team").size(), 1u);
  EXPECT_TRUE(rbac.RulesFor(account("team", "ci"), "team").empty());
  EXPECT_TRUE(rbac.RulesFor(UserInfo{"system:serviceaccount::ghost", "", {}}, "x").empty());
}

TEST(EscalationTest, UncoveredRulesAreBrokenDownMergedAndWorded) {
  std::vector<PolicyRule> owner = {
      Rule(R"({"verbs":["get","list"],"apiGroups":[""],"resources":["pods","*/status"]})"),
      Rule(
          R"({"verbs":["update"],"apiGroups":["apps"],"resources":["daemonsets"],"resourceNames":["a"]})"),
      Rule(R"({"verbs":["get"],"nonResourceURLs":["/apis/*"]})")};
  // Held: nothing missing.
  EXPECT_TRUE(
      UncoveredRules(
          owner,
          {Rule(R"({"verbs":["get"],"apiGroups":[""],"resources":["pods","services/status"]})"),
           Rule(
               R"({"verbs":["update"],"apiGroups":["apps"],"resources":["daemonsets"],"resourceNames":["a"]})"),
           Rule(R"({"verbs":["get"],"nonResourceURLs":["/apis/apps"]})")})
          .empty());
  auto missing = UncoveredRules(
      owner,
      {Rule(
           R"({"verbs":["get","delete","create"],"apiGroups":[""],"resources":["pods","secrets"]})"),
       Rule(R"({"verbs":["update"],"apiGroups":["apps"],"resources":["daemonsets"]})"),
       Rule(R"({"verbs":["get"],"nonResourceURLs":["/metrics"]})")});
  EXPECT_EQ(missing,
            (std::vector<std::string>{
                R"({APIGroups:[""], Resources:["pods"], Verbs:["delete" "create"]})",
                R"({APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "create"]})",
                R"({APIGroups:["apps"], Resources:["daemonsets"], Verbs:["update"]})",
                R"({NonResourceURLs:["/metrics"], Verbs:["get"]})"}));
}

TEST(PkiTest, IssuesCertificatesWithSans) {
  auto ca = CreateCa("test-ca");
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  CertRequest req;
  req.common_name = "kube-apiserver";
  req.dns_names = {"localhost"};
  req.ip_addresses = {"127.0.0.1"};
  req.server = true;
  auto serving = IssueCert(*ca, req);
  ASSERT_TRUE(serving.ok()) << serving.status().ToString();
  EXPECT_TRUE(CertificateSansCover(serving->cert_pem, {"localhost"}, {"127.0.0.1"}));
  EXPECT_FALSE(CertificateSansCover(serving->cert_pem, {"example.com"}, {}));
  EXPECT_FALSE(CertificateSansCover(serving->cert_pem, {}, {"10.0.0.1"}));
  EXPECT_NE(serving->key_pem.find("PRIVATE KEY"), std::string::npos);
}

}  // namespace
}  // namespace tinyk8s::apiserver::auth
