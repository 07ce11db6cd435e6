// The serviceaccount controller and the root CA publisher: Sync(namespace) against FakeClient
// with the informer caches filled by hand (CacheFrom), so each test decides what the cache saw.
#include <gtest/gtest.h>

#include "controllers/rootcacertpublisher/publisher.h"
#include "controllers/serviceaccount/serviceaccounts_controller.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/controllers/test_util.h"

namespace tinyk8s::testing {
namespace {

namespace res = client::resources;
using controllers::rootcacertpublisher::RootCaCertPublisher;
using controllers::serviceaccount::ServiceAccountsController;

const char kActiveNs[] =
    R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"t"},"status":{"phase":"Active"}})";
const char kTerminatingNs[] =
    R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"t","deletionTimestamp":"2024-01-01T00:00:00Z","finalizers":["test/keep"]},"status":{"phase":"Terminating"}})";
const char kPem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

class ServiceAccountsControllerTest : public ::testing::Test {
 protected:
  void Cache() {
    CacheFrom(fake_, factory_.ForResource(res::Namespaces()));
    CacheFrom(fake_, factory_.ForResource(res::ServiceAccounts()));
  }
  FakeClient fake_;
  FakeClock clock_;
  client::SharedInformerFactory factory_{fake_};
  ServiceAccountsController ctrl_{fake_, factory_, clock_};
};

TEST_F(ServiceAccountsControllerTest, CreatesDefaultOnceAndAgainAfterDeletion) {
  fake_.Add(res::Namespaces(), kActiveNs);
  Cache();
  ASSERT_OK(ctrl_.Sync("t"));
  EXPECT_EQ(Writes(fake_), std::vector<std::string>{"create serviceaccounts t/default"});
  auto sa = fake_.Get(res::ServiceAccounts(), "t", "default");
  ASSERT_TRUE(sa.ok());
  EXPECT_EQ(api::GetString(**sa, {"kind"}), "ServiceAccount");

  Cache();  // the cache has it now: nothing to do
  fake_.ClearActions();
  ASSERT_OK(ctrl_.Sync("t"));
  EXPECT_TRUE(Writes(fake_).empty());

  ASSERT_TRUE(fake_.Delete(res::ServiceAccounts(), "t", "default").ok());
  Cache();
  fake_.ClearActions();
  ASSERT_OK(ctrl_.Sync("t"));
  EXPECT_EQ(Writes(fake_), std::vector<std::string>{"create serviceaccounts t/default"});
}

TEST_F(ServiceAccountsControllerTest, StaleCacheAndGoneNamespaceAreNotErrors) {
  fake_.Add(res::Namespaces(), kActiveNs);
  fake_.Add(
      res::ServiceAccounts(),
      R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default","namespace":"t"}})");
  CacheFrom(fake_, factory_.ForResource(res::Namespaces()));  // accounts not seen yet
  ASSERT_OK(ctrl_.Sync("t"));                                 // AlreadyExists: fine
  ASSERT_OK(ctrl_.Sync("absent"));
}

TEST_F(ServiceAccountsControllerTest, LeavesTerminatingNamespacesAlone) {
  fake_.Add(res::Namespaces(), kTerminatingNs);
  Cache();
  ASSERT_OK(ctrl_.Sync("t"));
  EXPECT_TRUE(Writes(fake_).empty());
}

TEST_F(ServiceAccountsControllerTest, RefusedForATerminatingNamespaceIsDropped) {
  fake_.Add(res::Namespaces(), kActiveNs);
  Cache();  // the cache still sees the namespace active; the server refuses
  fake_.PrependReactor("create", "serviceaccounts", [](const FakeAction&) {
    Status refused(StatusCode::kForbidden, "unable to create new content in namespace t");
    refused.WithFieldErrors({{"NamespaceTerminating", "", "namespace t is being terminated"}});
    return std::optional<Status>(refused);
  });
  ASSERT_OK(ctrl_.Sync("t"));
}

class RootCaCertPublisherTest : public ::testing::Test {
 protected:
  void Cache() {
    CacheFrom(fake_, factory_.ForResource(res::Namespaces()));
    CacheFrom(fake_, factory_.ForResource(res::ConfigMaps()));
  }
  client::ObjectPtr Published() {
    auto cm = fake_.Get(res::ConfigMaps(), "t", "kube-root-ca.crt");
    return cm.ok() ? *cm : nullptr;
  }
  FakeClient fake_;
  FakeClock clock_;
  client::SharedInformerFactory factory_{fake_};
  RootCaCertPublisher ctrl_{fake_, factory_, clock_, kPem};
};

TEST_F(RootCaCertPublisherTest, CreatesTheConfigMapWithUpstreamAnnotation) {
  fake_.Add(res::Namespaces(), kActiveNs);
  Cache();
  ASSERT_OK(ctrl_.Sync("t"));
  EXPECT_EQ(Writes(fake_), std::vector<std::string>{"create configmaps t/kube-root-ca.crt"});
  auto cm = Published();
  ASSERT_NE(cm, nullptr);
  EXPECT_EQ(api::GetString(*cm, {"data", "ca.crt"}), kPem);
  EXPECT_EQ(api::GetString(*cm, {"metadata", "annotations", "kubernetes.io/description"}),
            "Contains a CA bundle that can be used to verify the kube-apiserver when using "
            "internal endpoints such as the internal service IP or kubernetes.default.svc. No "
            "other usage is guaranteed across distributions of Kubernetes clusters.");
  Cache();
  fake_.ClearActions();
  ASSERT_OK(ctrl_.Sync("t"));
  EXPECT_TRUE(Writes(fake_).empty());
}

TEST_F(RootCaCertPublisherTest, PutsChangedDataBackAndKeepsOtherMetadata) {
  fake_.Add(res::Namespaces(), kActiveNs);
  fake_.Add(
      res::ConfigMaps(),
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kube-root-ca.crt","namespace":"t","labels":{"a":"b"},"annotations":{"kubernetes.io/description":"x","other":"y"}},"data":{"ca.crt":"tampered","extra":"z"}})");
  Cache();
  ASSERT_OK(ctrl_.Sync("t"));
  EXPECT_EQ(Writes(fake_), std::vector<std::string>{"update configmaps t/kube-root-ca.crt"});
  auto cm = Published();
  ASSERT_NE(cm, nullptr);
  EXPECT_EQ(api::GetString(*cm, {"data", "ca.crt"}), kPem);
  EXPECT_EQ(api::GetString(*cm, {"data", "extra"}), "");
  EXPECT_EQ(api::GetString(*cm, {"metadata", "labels", "a"}), "b");
  EXPECT_EQ(api::GetString(*cm, {"metadata", "annotations", "other"}), "y");
  EXPECT_EQ(api::GetString(*cm, {"metadata", "annotations", "kubernetes.io/description"}).size(),
            std::string(controllers::rootcacertpublisher::kDescription).size());
}

TEST_F(RootCaCertPublisherTest, LeavesTerminatingNamespacesAlone) {
  fake_.Add(res::Namespaces(), kTerminatingNs);
  Cache();
  ASSERT_OK(ctrl_.Sync("t"));
  EXPECT_TRUE(Writes(fake_).empty());
  ASSERT_OK(ctrl_.Sync("absent"));
}

}  // namespace
}  // namespace tinyk8s::testing
