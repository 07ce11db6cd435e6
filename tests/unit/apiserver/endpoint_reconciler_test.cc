// The lease-based endpoint reconciler of the `kubernetes` Service: servers on one store all
// appear, one whose lease expired is dropped (with its lease), servers on different ports get a
// subset and a slice per port, a server that stops withdraws, and a server on a store nobody
// shares drops every other lease at once. Time is a settable clock: no waiting.

#include "apiserver/endpoint_reconciler.h"

#include <gtest/gtest.h>

#include "api/json.h"
#include "apiserver/registry.h"
#include "tests/unit/apiserver/scratch_store.h"

namespace tinyk8s::apiserver {
namespace {

class SettableClock final : public Clock {
 public:
  TimePoint Now() const override { return now_; }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(now_.time_since_epoch());
  }
  void Advance(std::chrono::seconds d) { now_ += d; }

 private:
  TimePoint now_ = std::chrono::system_clock::now();
};

class EndpointReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<testing::ScratchStore>("endpoints");
    cache_ = std::move(WatchCache::Start(**store_, WatchCache::Options{})).value();
    RegisterBuiltinResources(registry_, nullptr);
    objects_ = std::make_unique<ObjectService>(**store_, *cache_, registry_, clock_);
    for (const char* ns : {"default", "kube-system"}) {
      auto doc = api::ParseJson(std::string(R"({"metadata":{"name":")") + ns + "\"}}");
      auto created = objects_->Create(*registry_.FindByGroupResource("", "namespaces"), "",
                                      std::move(doc).value(), WriteOptions{});
      ASSERT_TRUE(created.ok()) << created.status().ToString();
    }
  }
  void TearDown() override {
    objects_.reset();
    cache_.reset();
    store_.reset();
  }

  // Server starts the reconciler of an API server at ip:port; the loop never runs on its own
  // (an hour's interval): the test calls Reconcile.
  std::unique_ptr<EndpointReconciler> Server(const std::string& ip, uint16_t port,
                                             bool shared = true) {
    EndpointReconcilerOptions options;
    options.ip = ip;
    options.port = port;
    options.shared_store = shared;
    options.interval = std::chrono::hours(1);
    auto server = std::make_unique<EndpointReconciler>(*objects_, options);
    Status started = server->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    return server;
  }

  std::string Get(const char* group, const char* plural, const std::string& ns,
                  const std::string& name) {
    auto obj = objects_->Get(*registry_.FindByGroupResource(group, plural), ns, name);
    return obj.ok() ? api::ToJson(*(*obj)->Doc()) : obj.status().ToString();
  }
  // "ip:port ip:port | slice=ip:port,... | leases=N"
  std::string Endpoints() {
    std::string out;
    auto endpoints =
        objects_->Get(*registry_.FindByGroupResource("", "endpoints"), "default", "kubernetes");
    if (!endpoints.ok()) return endpoints.status().ToString();
    auto doc = (*endpoints)->Doc();
    for (const auto& subset : (*doc)["subsets"].GetArray()) {
      for (const auto& address : subset["addresses"].GetArray()) {
        out += api::GetString(address, {"ip"}) + ":" +
               std::to_string(api::GetInt(subset["ports"][0], {"port"})) + " ";
      }
    }
    out += "|";
    for (const auto& slice : objects_->FindAll(
             *registry_.FindByGroupResource("discovery.k8s.io", "endpointslices"), "default")) {
      out += " " + api::GetString(*slice, {"metadata", "name"}) + "=";
      for (const auto& endpoint : (*slice)["endpoints"].GetArray()) {
        out += api::AsStringView(endpoint["addresses"][0]);
        out += ":" + std::to_string(api::GetInt((*slice)["ports"][0], {"port"})) + ",";
      }
    }
    out += " | leases=" + std::to_string(objects_
                                             ->FindAll(*registry_.FindByGroupResource(
                                                           "coordination.k8s.io", "leases"),
                                                       "kube-system")
                                             .size());
    return out;
  }

  SettableClock clock_;
  std::unique_ptr<testing::ScratchStore> store_;
  std::unique_ptr<WatchCache> cache_;
  Registry registry_;
  std::unique_ptr<ObjectService> objects_;
};

TEST_F(EndpointReconcilerTest, ListsEveryLiveServerAndDropsExpiredOnes) {
  auto one = Server("127.0.0.1", 6443);
  EXPECT_EQ(Endpoints(), "127.0.0.1:6443 | kubernetes=127.0.0.1:6443, | leases=1");
  auto two = Server("127.0.0.2", 6443);
  EXPECT_EQ(Endpoints(),
            "127.0.0.1:6443 127.0.0.2:6443 | kubernetes=127.0.0.1:6443,127.0.0.2:6443,"
            " | leases=2");
  // Reconciling again changes nothing (no write when the endpoints are right).
  const std::string before = Get("", "endpoints", "default", "kubernetes");
  ASSERT_TRUE(one->Reconcile().ok());
  EXPECT_EQ(Get("", "endpoints", "default", "kubernetes"), before);

  // `two` stops renewing (a crash): after its lease duration `one` drops it.
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_TRUE(one->Reconcile().ok());
  EXPECT_EQ(Endpoints(),
            "127.0.0.1:6443 127.0.0.2:6443 | kubernetes=127.0.0.1:6443,127.0.0.2:6443,"
            " | leases=2");
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_TRUE(one->Reconcile().ok());
  EXPECT_EQ(Endpoints(), "127.0.0.1:6443 | kubernetes=127.0.0.1:6443, | leases=1");
  // Back again (same address, same lease name).
  ASSERT_TRUE(two->Reconcile().ok());
  EXPECT_EQ(Endpoints(),
            "127.0.0.1:6443 127.0.0.2:6443 | kubernetes=127.0.0.1:6443,127.0.0.2:6443,"
            " | leases=2");
}

TEST_F(EndpointReconcilerTest, ServersOnOtherPortsGetTheirOwnSubsetAndSlice) {
  auto one = Server("127.0.0.1", 1000);
  auto two = Server("127.0.0.1", 2000);
  EXPECT_EQ(Endpoints(),
            "127.0.0.1:1000 127.0.0.1:2000 | kubernetes=127.0.0.1:1000, "
            "kubernetes-2000=127.0.0.1:2000, | leases=2");
  // The first stops: it withdraws at once; the slice of the port nobody serves goes away.
  one->Stop();
  ASSERT_TRUE(two->Reconcile().ok());
  EXPECT_EQ(Endpoints(), "127.0.0.1:2000 | kubernetes=127.0.0.1:2000, | leases=1");
  // The last one to stop leaves the endpoints as they are rather than empty.
  two->Stop();
  EXPECT_EQ(Endpoints(), "127.0.0.1:2000 | kubernetes=127.0.0.1:2000, | leases=0");
}

TEST_F(EndpointReconcilerTest, OnAnUnsharedStoreOtherLeasesAreStale) {
  auto before = Server("127.0.0.1", 6443, /*shared=*/false);
  before.reset();  // SQLite: nothing withdrawn on stop, the lease stays
  EXPECT_EQ(Endpoints(), "127.0.0.1:6443 | kubernetes=127.0.0.1:6443, | leases=1");
  // Restarted on another port: the old address is gone at once, no need to wait for expiry.
  auto after = Server("127.0.0.1", 7443, /*shared=*/false);
  EXPECT_EQ(Endpoints(), "127.0.0.1:7443 | kubernetes=127.0.0.1:7443, | leases=1");
}

}  // namespace
}  // namespace tinyk8s::apiserver
