#include "client/kubeconfig.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "client/rest_client.h"
#include "common/base64.h"

namespace tinyk8s::client {
namespace {

TEST(KubeconfigTest, ReadsCurrentContextWithInlineData) {
  std::string yaml = R"(apiVersion: v1
kind: Config
current-context: b
clusters:
- name: c1
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: )" +
                     Base64Encode("CA PEM") + R"(
- name: c2
  cluster:
    server: http://127.0.0.1:8080
contexts:
- name: a
  context: {cluster: c2, user: u2}
- name: b
  context: {cluster: c1, user: u1}
users:
- name: u1
  user:
    client-certificate-data: )" +
                     Base64Encode("CERT") + R"(
    client-key-data: )" +
                     Base64Encode("KEY") + R"(
- name: u2
  user:
    token: abc
)";
  auto c = ParseKubeconfig(yaml, "/nonexistent");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");
  EXPECT_EQ(c->ca_data, "CA PEM");
  EXPECT_EQ(c->client_cert_data, "CERT");
  EXPECT_EQ(c->client_key_data, "KEY");
  auto a = ParseKubeconfig(yaml, "/nonexistent", "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->server, "http://127.0.0.1:8080");
  EXPECT_EQ(a->bearer_token, "abc");
  auto missing = ParseKubeconfig(yaml, "/nonexistent", "zzz");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalid);
}

TEST(KubeconfigTest, ResolvesFilesRelativeToTheKubeconfig) {
  char tmpl[] = "/tmp/kubeconfig_test.XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::ofstream(dir + "/ca.crt") << "CAFILE";
  std::ofstream(dir + "/token") << "tok123\n";
  std::ofstream(dir + "/config") << R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h:1", certificate-authority: ca.crt}}]
users: [{name: u, user: {tokenFile: token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)";
  auto c = LoadKubeconfig(dir + "/config");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ca_data, "CAFILE");
  EXPECT_EQ(c->bearer_token, "tok123");
  EXPECT_EQ(LoadKubeconfig(dir + "/nope").status().code(), StatusCode::kNotFound);
  std::ofstream(dir + "/bad") << "{{{: [";
  EXPECT_EQ(LoadKubeconfig(dir + "/bad").status().code(), StatusCode::kInvalid);
  std::filesystem::remove_all(dir);
}

// RestClient::FromKubeconfig: how the co-process mains connect.
TEST(KubeconfigTest, RestClientFromKubeconfig) {
  char tmpl[] = "/tmp/tinyk8s-kubeconfig-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  auto missing = RestClient::FromKubeconfig(dir + "/none", "tinyk8s-test");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_EQ(missing.status().message().rfind("cannot load kubeconfig " + dir + "/none: ", 0), 0u)
      << missing.status().message();

  std::ofstream(dir + "/bad-url") << "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                                     "clusters:\n- name: c\n  cluster: {server: 'ftp://x'}\n"
                                     "contexts:\n- name: c\n  context: {cluster: c, user: u}\n"
                                     "users:\n- name: u\n  user: {}\n";
  auto bad = RestClient::FromKubeconfig(dir + "/bad-url", "tinyk8s-test");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("cannot create a client: ", 0), 0u)
      << bad.status().message();

  std::ofstream(dir + "/good")
      << "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
         "clusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:1'}\n"
         "contexts:\n- name: c\n  context: {cluster: c, user: u}\n"
         "users:\n- name: u\n  user: {}\n";
  auto good = RestClient::FromKubeconfig(dir + "/good", "tinyk8s-test");
  EXPECT_TRUE(good.ok()) << good.status().message();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tinyk8s::client
