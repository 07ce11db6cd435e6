// EndpointSliceController::Sync on a FakeClient with informer caches filled by hand
// (behavior-spec EPS-1..5 and the legacy Endpoints).
#include "controllers/endpointslice/endpointslice_controller.h"

#include <gtest/gtest.h>

#include "tests/unit/controllers/test_util.h"

namespace tinyk8s::controllers::endpointslice {
namespace {

using testing::CacheFrom;
using testing::FakeClient;
using testing::Writes;

std::string Pod(const std::string& name, const std::string& ip, bool ready,
                const std::string& extra_meta = "", const std::string& extra_spec = "",
                const std::string& phase = "Running", const std::string& app = "web") {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"t","uid":"u-)" + name +
         R"(","labels":{"app":")" + app + "\"}" + extra_meta + R"(},"spec":{)" + extra_spec +
         R"("nodeName":"node01","containers":[{"name":"c","ports":[{"name":"http","containerPort":8080}]}]},"status":{"phase":")" +
         phase + R"(","podIP":")" + ip + R"(","conditions":[{"type":"Ready","status":")" +
         (ready ? "True" : "False") + R"("}]}})";
}

std::string Service(const std::string& extra_spec = "") {
  return R"({"metadata":{"name":"web","namespace":"t","uid":"svc-uid","labels":{"team":"a"}},"spec":{)" +
         extra_spec +
         R"("clusterIP":"None","selector":{"app":"web"},"ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":"http"}]}})";
}

class EndpointSliceControllerTest : public ::testing::Test {
 protected:
  EndpointSliceControllerTest() : informers_(fake_), controller_(fake_, informers_) {}

  void Fill() {
    for (const auto* r : {&client::resources::Services(), &client::resources::Pods(),
                          &client::resources::Nodes(), &client::resources::Endpoints()}) {
      CacheFrom(fake_, informers_.ForResource(*r));
    }
    client::InformerOptions o;
    o.label_selector = std::string(kManagedByLabel) + "=" + kControllerName;
    CacheFrom(fake_, informers_.ForResource(client::resources::EndpointSlices(), o));
  }
  std::vector<client::ObjectPtr> Slices() {
    return fake_.List(client::resources::EndpointSlices(), "t")->items;
  }

  FakeClient fake_;
  client::SharedInformerFactory informers_;
  EndpointSliceController controller_;
};

TEST_F(EndpointSliceControllerTest, BuildsSliceAndEndpointsFromMatchingPods) {
  fake_.Add(client::resources::Nodes(),
            R"({"metadata":{"name":"node01","labels":{"topology.kubernetes.io/zone":"z1"}}})");
  fake_.Add(client::resources::Services(), Service());
  fake_.Add(client::resources::Pods(), Pod("a", "10.128.1.2", true));
  fake_.Add(client::resources::Pods(), Pod("b", "10.128.1.3", false));
  fake_.Add(client::resources::Pods(), Pod("c", "", true));  // no IP yet
  fake_.Add(client::resources::Pods(), Pod("d", "10.128.1.5", true, "", "", "Succeeded"));
  fake_.Add(client::resources::Pods(),
            Pod("e", "10.128.1.6", true, R"(,"deletionTimestamp":"2024-01-01T00:00:00Z")"));
  fake_.Add(client::resources::Pods(),
            Pod("f", "10.128.1.7", true, "", R"("hostname":"web-0","subdomain":"web",)"));
  fake_.Add(client::resources::Pods(), Pod("g", "10.128.1.8", true, "", "", "Running", "other"));
  // EPS-4: a hostname counts only under the service's own subdomain.
  fake_.Add(client::resources::Pods(),
            Pod("h", "10.128.1.9", true, "", R"("hostname":"web-1","subdomain":"other",)"));
  fake_.Add(client::resources::Pods(), Pod("i", "10.128.1.90", true, "", R"("hostname":"web-2",)"));
  Fill();
  ASSERT_TRUE(controller_.Sync({"t", "web"}).ok());

  auto slices = Slices();
  ASSERT_EQ(slices.size(), 1u);
  const auto& s = *slices[0];
  EXPECT_EQ(api::Label(s, kServiceNameLabel), "web");
  EXPECT_EQ(api::Label(s, kManagedByLabel), kControllerName);
  EXPECT_EQ(api::Label(s, "team"), "a");
  EXPECT_TRUE(api::FindPath(s, {"metadata", "labels", kHeadlessLabel}));
  EXPECT_EQ(api::GenerateNameOf(s), "web-");
  api::OwnerReference owner;
  ASSERT_TRUE(api::GetControllerOf(s, &owner));
  EXPECT_EQ(owner.kind, "Service");
  EXPECT_EQ(owner.uid, "svc-uid");
  EXPECT_TRUE(owner.block_owner_deletion);
  EXPECT_EQ(api::GetString(s, {"addressType"}), "IPv4");
  EXPECT_EQ(api::ToJson(*api::FindMember(s, "ports")),
            R"([{"name":"http","protocol":"TCP","port":8080}])");
  const auto& eps = *api::FindMember(s, "endpoints");
  ASSERT_EQ(eps.Size(), 6u);  // a, b, e, f, h, i
  auto cond = [&](int i) { return api::ToJson(eps[i]["conditions"]); };
  EXPECT_EQ(api::GetString(eps[0]["targetRef"], {"name"}), "a");
  EXPECT_EQ(cond(0), R"({"ready":true,"serving":true,"terminating":false})");
  EXPECT_EQ(cond(1), R"({"ready":false,"serving":false,"terminating":false})");  // b
  EXPECT_EQ(cond(2), R"({"ready":false,"serving":true,"terminating":true})");    // e
  EXPECT_EQ(api::GetString(eps[3], {"hostname"}), "web-0");                      // f
  EXPECT_EQ(api::GetString(eps[4]["targetRef"], {"name"}), "h");
  EXPECT_FALSE(api::FindMember(eps[4], "hostname"));
  EXPECT_EQ(api::GetString(eps[5]["targetRef"], {"name"}), "i");
  EXPECT_FALSE(api::FindMember(eps[5], "hostname"));
  EXPECT_EQ(api::GetString(eps[0], {"nodeName"}), "node01");
  EXPECT_EQ(api::GetString(eps[0], {"zone"}), "z1");
  EXPECT_EQ(api::ToJson(eps[0]["targetRef"]),
            R"({"kind":"Pod","namespace":"t","name":"a","uid":"u-a"})");

  auto ep = fake_.Get(client::resources::Endpoints(), "t", "web");
  ASSERT_TRUE(ep.ok());
  const auto& subset = (**ep)["subsets"][0];
  EXPECT_EQ(subset["addresses"].Size(), 4u);          // a, f, h, i
  EXPECT_EQ(subset["notReadyAddresses"].Size(), 1u);  // b (e is terminating: left out)
  EXPECT_EQ(api::ToJson(subset["ports"]), R"([{"name":"http","port":8080,"protocol":"TCP"}])");

  // A second sync with caught-up caches writes nothing.
  Fill();
  fake_.ClearActions();
  ASSERT_TRUE(controller_.Sync({"t", "web"}).ok());
  EXPECT_TRUE(Writes(fake_).empty()) << ::testing::PrintToString(Writes(fake_));
}

TEST_F(EndpointSliceControllerTest, PublishNotReadyAddressesMarksEveryEndpointReady) {
  fake_.Add(client::resources::Services(), Service(R"("publishNotReadyAddresses":true,)"));
  fake_.Add(client::resources::Pods(), Pod("b", "10.128.1.3", false));
  Fill();
  ASSERT_TRUE(controller_.Sync({"t", "web"}).ok());
  auto slices = Slices();
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(api::ToJson((*slices[0])["endpoints"][0]["conditions"]),
            R"({"ready":true,"serving":false,"terminating":false})");
}

TEST_F(EndpointSliceControllerTest, UnresolvablePortsSplitSlicesAndBigServicesChunk) {
  fake_.Add(client::resources::Services(), Service());
  for (int i = 0; i < 150; ++i) {
    fake_.Add(client::resources::Pods(),
              Pod(std::string("p").append(std::to_string(i)),
                  std::string("10.1.0.").append(std::to_string(i)), true));
  }
  // A pod without the named port gets a slice with no ports.
  fake_.Add(
      client::resources::Pods(),
      R"({"metadata":{"name":"noport","namespace":"t","labels":{"app":"web"}},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running","podIP":"10.2.0.1"}})");
  Fill();
  ASSERT_TRUE(controller_.Sync({"t", "web"}).ok());
  auto slices = Slices();
  ASSERT_EQ(slices.size(), 3u);
  size_t total = 0, portless = 0;
  for (const auto& s : slices) {
    total += (*s)["endpoints"].Size();
    EXPECT_LE((*s)["endpoints"].Size(), 100u);
    if ((*s)["ports"].Empty()) ++portless;
  }
  EXPECT_EQ(total, 151u);
  EXPECT_EQ(portless, 1u);
  // Until the slice cache has seen the controller's writes, Sync refuses to act on it.
  fake_.ClearActions();
  EXPECT_FALSE(controller_.Sync({"t", "web"}).ok());
  EXPECT_TRUE(Writes(fake_).empty());
  Fill();
  EXPECT_TRUE(controller_.Sync({"t", "web"}).ok());
  EXPECT_TRUE(Writes(fake_).empty());
}

TEST_F(EndpointSliceControllerTest, PodsGoingAwayEmptyTheSliceAndServiceDeletionCleansUp) {
  fake_.Add(client::resources::Services(), Service());
  fake_.Add(client::resources::Pods(), Pod("a", "10.128.1.2", true));
  Fill();
  ASSERT_TRUE(controller_.Sync({"t", "web"}).ok());
  ASSERT_TRUE(fake_.Delete(client::resources::Pods(), "t", "a").ok());
  Fill();
  ASSERT_TRUE(controller_.Sync({"t", "web"}).ok());
  auto slices = Slices();
  ASSERT_EQ(slices.size(), 1u);  // the placeholder
  EXPECT_TRUE((*slices[0])["endpoints"].Empty());
  ASSERT_TRUE(fake_.Delete(client::resources::Services(), "t", "web").ok());
  Fill();
  ASSERT_TRUE(controller_.Sync({"t", "web"}).ok());
  EXPECT_TRUE(Slices().empty());
  EXPECT_FALSE(fake_.Get(client::resources::Endpoints(), "t", "web").ok());
}

TEST_F(EndpointSliceControllerTest, ServicesWithoutSelectorAreLeftAlone) {
  fake_.Add(
      client::resources::Services(),
      R"({"metadata":{"name":"manual","namespace":"t"},"spec":{"clusterIP":"10.43.0.7","ports":[{"port":80}]}})");
  Fill();
  ASSERT_TRUE(controller_.Sync({"t", "manual"}).ok());
  EXPECT_TRUE(Writes(fake_).empty());
}

}  // namespace
}  // namespace tinyk8s::controllers::endpointslice
