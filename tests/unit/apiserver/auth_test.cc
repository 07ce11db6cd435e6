// Unit tests of the authentication and authorization building blocks: RBAC rule matching,
// node identities, the token file, 403 wording and certificate issuing.
#include <gtest/gtest.h>

#include "api/json.h"
#include "apiserver/auth/authn.h"
#include "apiserver/auth/authorizer.h"
#include "apiserver/auth/node_authorizer.h"
#include "apiserver/auth/pki.h"
#include "apiserver/auth/rbac.h"

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
