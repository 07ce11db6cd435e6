// NodeAgent on the fake client: registration, pod starts, and release of what a pod held on its
// node when it goes away (capacity, IP), including a pod recreated under the same name.
#include "node/node_agent.h"

#include <gtest/gtest.h>

#include <thread>

#include "api/json.h"
#include "api/meta.h"
#include "client/resource.h"
#include "tests/fakes/fake_client.h"
#include "tests/unit/eventually.h"

namespace tinyk8s::node {
namespace {

using client::resources::Leases;
using client::resources::Nodes;
using client::resources::Pods;

template <typename F>
bool Eventually(F f) {
  return tinyk8s::testing::Eventually(f, std::chrono::seconds(5), std::chrono::milliseconds(10));
}

std::string PodJson(const std::string& name, const std::string& node) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","namespace":"default"},"spec":{"nodeName":")" + node +
         R"(","containers":[{"name":"c","image":"nginx"}]},"status":{"phase":"Pending"}})";
}

class NodeAgentTest : public ::testing::Test {
 protected:
  void StartAgent(int count, int max_pods, KubeletEventBudget events = {},
                  const std::string& prefix = "node",
                  std::chrono::milliseconds image_pull_backoff = std::chrono::seconds(10)) {
    NodeAgentOptions options;
    options.prefix = prefix;
    options.events = events;
    options.image_pull_backoff = image_pull_backoff;
    options.err_image_pull_for =
        std::min<std::chrono::milliseconds>(options.err_image_pull_for, image_pull_backoff / 2);
    options.count = count;
    options.resources.pods = max_pods;
    options.workers = 4;
    options.dns.cluster_dns = {"10.43.0.10"};
    agent_ = std::make_unique<NodeAgent>(client_, options, clock_);
    ASSERT_TRUE(agent_->Start().ok());
  }
  std::string Phase(const std::string& name) {
    auto pod = client_.Get(Pods(), "default", name);
    return pod.ok() ? api::GetString(**pod, {"status", "phase"}) : "";
  }
  std::string PodIp(const std::string& name) {
    auto pod = client_.Get(Pods(), "default", name);
    return pod.ok() ? api::GetString(**pod, {"status", "podIP"}) : "";
  }
  int StatusPatches(const std::string& name) {
    int n = 0;
    for (const auto& a : client_.Actions()) {
      if (a.verb == "patch" && a.resource == "pods" && a.subresource == "status" && a.name == name)
        ++n;
    }
    return n;
  }

  // The pod's events in order: "type reason fieldPath source|message" lines.
  std::vector<std::string> PodEvents(const std::string& pod) {
    std::vector<std::string> out;
    auto list = client_.List(client::resources::Events(), "default");
    if (!list.ok()) return out;
    for (const auto& e : list->items) {
      if (api::GetString(*e, {"involvedObject", "name"}) != pod) continue;
      EXPECT_EQ(api::GetString(*e, {"involvedObject", "kind"}), "Pod");
      EXPECT_EQ(api::GetString(*e, {"reportingComponent"}), "kubelet");
      out.push_back(api::GetString(*e, {"type"}) + " " + api::GetString(*e, {"reason"}) + " " +
                    api::GetString(*e, {"involvedObject", "fieldPath"}) + " " +
                    api::GetString(*e, {"source", "component"}) + "," +
                    api::GetString(*e, {"source", "host"}) + "|" + api::GetString(*e, {"message"}));
    }
    return out;
  }

  testing::FakeClient client_;
  RealClock clock_;
  std::unique_ptr<NodeAgent> agent_;
};

TEST_F(NodeAgentTest, RegistersNodesThenTheirLeases) {
  StartAgent(3, 110);
  for (const char* n : {"node01", "node02", "node03"}) {
    auto node = client_.Get(Nodes(), "", n);
    ASSERT_TRUE(node.ok()) << n;
    // As a kubelet annotates its Node.
    EXPECT_EQ(api::GetString(**node, {"metadata", "annotations", "node.alpha.kubernetes.io/ttl"}),
              "0");
    EXPECT_EQ(api::GetString(**node, {"metadata", "annotations",
                                      "volumes.kubernetes.io/controller-managed-attach-detach"}),
              "true");
    EXPECT_TRUE(Eventually([&] { return client_.Get(Leases(), "kube-node-lease", n).ok(); })) << n;
  }
}

TEST_F(NodeAgentTest, RunsAPodWithOneStatusWriteAndItsDnsAnnotation) {
  StartAgent(1, 110);
  client_.Add(Pods(), PodJson("web", "node01"));
  ASSERT_TRUE(Eventually([&] { return Phase("web") == "Running"; }));
  auto pod = client_.Get(Pods(), "default", "web");
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(PodIp("web").rfind("10.128.1.", 0), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a second write would be here
  EXPECT_EQ(StatusPatches("web"), 1);
  // The fake applies the patch to .status only; the annotation travels in that same request.
  bool annotated = false;
  for (const auto& a : client_.Actions()) {
    if (a.verb == "patch" && a.name == "web")
      annotated = a.body.find(std::string(kResolvConfAnnotation) +
                              R"(":"nameserver 10.43.0.10\n)") != std::string::npos;
  }
  EXPECT_TRUE(annotated);
}

TEST_F(NodeAgentTest, ADeletedPodFreesItsPlaceOnTheNode) {
  StartAgent(1, 1);  // room for one pod
  client_.Add(Pods(), PodJson("a", "node01"));
  ASSERT_TRUE(Eventually([&] { return Phase("a") == "Running"; }));
  client_.Add(Pods(), PodJson("b", "node01"));
  ASSERT_TRUE(Eventually([&] { return Phase("b") == "Failed"; }));  // OutOfpods

  ASSERT_TRUE(client_.Delete(Pods(), "default", "a").ok());
  ASSERT_TRUE(client_.Delete(Pods(), "default", "b").ok());
  // Recreated under the same name (a new uid): admitted again, in the place the old one left.
  client_.Add(Pods(), PodJson("a", "node01"));
  EXPECT_TRUE(Eventually([&] { return Phase("a") == "Running"; })) << Phase("a");
  ASSERT_TRUE(client_.Delete(Pods(), "default", "a").ok());
  client_.Add(Pods(), PodJson("c", "node01"));
  EXPECT_TRUE(Eventually([&] { return Phase("c") == "Running"; })) << Phase("c");
}

TEST_F(NodeAgentTest, RecordsTheKubeletEventsOfAPodStartingAndStopping) {
  StartAgent(1, 110);
  // A finalizer keeps the pod visible once deleted, as a graceful deletion would.
  client_.Add(Pods(), R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web",)"
                      R"("namespace":"default","finalizers":["test/keep"]},)"
                      R"("spec":{"nodeName":"node01","containers":[)"
                      R"({"name":"c","image":"nginx","imagePullPolicy":"Always"},)"
                      R"({"name":"side","image":"registry.local/side:1.0",)"
                      R"("imagePullPolicy":"IfNotPresent"}]},"status":{"phase":"Pending"}})");
  const std::vector<std::string> started = {
      R"(Normal Pulling spec.containers{c} kubelet,node01|Pulling image "nginx")",
      R"(Normal Pulled spec.containers{c} kubelet,node01|Successfully pulled image "nginx" in 0s )"
      R"((0s including waiting). Image size: 0 bytes.)",
      "Normal Created spec.containers{c} kubelet,node01|Created container: c",
      "Normal Started spec.containers{c} kubelet,node01|Started container c",
      R"(Normal Pulled spec.containers{side} kubelet,node01|Container image )"
      R"("registry.local/side:1.0" already present on machine)",
      "Normal Created spec.containers{side} kubelet,node01|Created container: side",
      "Normal Started spec.containers{side} kubelet,node01|Started container side"};
  EXPECT_TRUE(Eventually([&] { return PodEvents("web") == started; }))
      << ::testing::PrintToString(PodEvents("web"));
  ASSERT_TRUE(client_.Delete(Pods(), "default", "web").ok());
  std::vector<std::string> stopped = started;
  stopped.push_back("Normal Killing spec.containers{c} kubelet,node01|Stopping container c");
  stopped.push_back("Normal Killing spec.containers{side} kubelet,node01|Stopping container side");
  EXPECT_TRUE(Eventually([&] { return PodEvents("web") == stopped; }))
      << ::testing::PrintToString(PodEvents("web"));
}

TEST_F(NodeAgentTest, NodeEventsOfAKubeletStartAndReadinessChanges) {
  StartAgent(1, 110);
  auto node_events = [&] {
    std::vector<std::string> out;
    auto list = client_.List(client::resources::Events(), "default");
    if (!list.ok()) return out;
    for (const auto& e : list->items) {
      if (api::GetString(*e, {"involvedObject", "kind"}) != "Node") continue;
      EXPECT_EQ(api::GetString(*e, {"involvedObject", "uid"}), "node01");
      out.push_back(api::GetString(*e, {"reason"}) + "|" + api::GetString(*e, {"message"}));
    }
    return out;
  };
  std::vector<std::string> want = {
      "Starting|Starting kubelet.",
      "NodeHasSufficientMemory|Node node01 status is now: NodeHasSufficientMemory",
      "NodeHasNoDiskPressure|Node node01 status is now: NodeHasNoDiskPressure",
      "NodeHasSufficientPID|Node node01 status is now: NodeHasSufficientPID",
      "NodeAllocatableEnforced|Updated Node Allocatable limit across pods",
      "NodeReady|Node node01 status is now: NodeReady"};
  EXPECT_TRUE(Eventually([&] { return node_events() == want; }))
      << ::testing::PrintToString(node_events());
  ASSERT_TRUE(client_
                  .Patch(Nodes(), "", "node01", client::PatchType::kMerge,
                         R"({"metadata":{"annotations":{"tinyk8s.io/ready":"false"}}})")
                  .ok());
  want.push_back("NodeNotReady|Node node01 status is now: NodeNotReady");
  EXPECT_TRUE(Eventually([&] { return node_events() == want; }))
      << ::testing::PrintToString(node_events());
  // kubectl cordon / uncordon.
  for (bool cordon : {true, false}) {
    ASSERT_TRUE(client_
                    .Patch(Nodes(), "", "node01", client::PatchType::kMerge,
                           cordon ? R"({"spec":{"unschedulable":true}})"
                                  : R"({"spec":{"unschedulable":null}})")
                    .ok());
    want.push_back(cordon ? "NodeNotSchedulable|Node node01 status is now: NodeNotSchedulable"
                          : "NodeSchedulable|Node node01 status is now: NodeSchedulable");
    EXPECT_TRUE(Eventually([&] { return node_events() == want; }))
        << ::testing::PrintToString(node_events());
  }
}

TEST_F(NodeAgentTest, AnUnpullableImageFailsAndBacksOffInEvents) {
  StartAgent(1, 110);
  client_.Add(Pods(),
              R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"broken",)"
              R"("namespace":"default"},"spec":{"nodeName":"node01","containers":[)"
              R"({"name":"c","image":"nginx:non-existent"}]},"status":{"phase":"Pending"}})");
  const std::string f = "spec.containers{c} kubelet,node01|";
  const std::vector<std::string> want = {
      "Normal Pulling " + f + R"(Pulling image "nginx:non-existent")",
      "Warning Failed " + f +
          R"(Failed to pull image "nginx:non-existent": rpc error: code = NotFound desc = )"
          R"(failed to pull and unpack image "docker.io/library/nginx:non-existent": failed to )"
          R"(resolve reference "docker.io/library/nginx:non-existent": )"
          R"(docker.io/library/nginx:non-existent: not found)",
      "Warning Failed " + f + "Error: ErrImagePull",
      "Normal BackOff " + f + R"(Back-off pulling image "nginx:non-existent")",
      "Warning Failed " + f + "Error: ImagePullBackOff"};
  EXPECT_TRUE(Eventually([&] { return PodEvents("broken") == want; }))
      << ::testing::PrintToString(PodEvents("broken"));
}

// The kubelet's cycle for an image no registry has: ErrImagePull, ImagePullBackOff, then another
// pull after the back-off; the repeated events count up.
TEST_F(NodeAgentTest, AnUnpullableImageIsTriedAgainAfterTheBackOff) {
  StartAgent(1, 110, {}, "node", std::chrono::milliseconds(200));
  client_.Add(Pods(),
              R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"broken",)"
              R"("namespace":"default"},"spec":{"nodeName":"node01","containers":[)"
              R"({"name":"c","image":"nginx:non-existent"}]},"status":{"phase":"Pending"}})");
  auto waiting = [&] {
    auto pod = client_.Get(Pods(), "default", "broken");
    if (!pod.ok()) return std::string();
    const rapidjson::Value* st = api::FindPath(**pod, {"status", "containerStatuses"});
    if (st == nullptr || !st->IsArray() || st->Empty()) return std::string();
    return api::GetString((*st)[0], {"state", "waiting", "reason"});
  };
  auto count = [&](const std::string& reason, const std::string& message_start) {
    auto list = client_.List(client::resources::Events(), "default");
    if (!list.ok()) return int64_t{0};
    for (const auto& e : list->items) {
      if (api::GetString(*e, {"reason"}) == reason &&
          api::GetString(*e, {"message"}).rfind(message_start, 0) == 0) {
        return api::GetInt(*e, {"count"});
      }
    }
    return int64_t{0};
  };
  EXPECT_TRUE(Eventually([&] { return waiting() == "ImagePullBackOff"; })) << waiting();
  EXPECT_TRUE(Eventually([&] {
    return count("Pulling", "Pulling image") >= 2 && count("Failed", "Error: ErrImagePull") >= 2 &&
           count("BackOff", "Back-off pulling image") >= 2;
  })) << count("Pulling", "Pulling image");
}

TEST_F(NodeAgentTest, PodEventsStayWithinTheBudget) {
  StartAgent(1, 110, KubeletEventBudget{0.001, 8});  // 6 for the node, 2 for the pod
  client_.Add(Pods(), PodJson("web", "node01"));
  ASSERT_TRUE(Eventually([&] { return Phase("web") == "Running"; }));
  EXPECT_TRUE(Eventually([&] { return PodEvents("web").size() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // more would be here by now
  EXPECT_EQ(PodEvents("web").size(), 2u) << ::testing::PrintToString(PodEvents("web"));
}

// A second agent (or nodes registered by anything else) must not hand out the same pod IPs.
TEST_F(NodeAgentTest, PodCidrsAndAddressesOfOtherNodesAreNotReused) {
  client_.Add(Nodes(), R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"node01"},)"
                       R"("spec":{"podCIDR":"10.128.1.0/24"}})");
  client_.Add(Nodes(), R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"worker02"},)"
                       R"("spec":{"podCIDR":"10.128.7.0/24"}})");
  StartAgent(3, 110, {}, "worker");
  auto field = [&](const std::string& node, std::initializer_list<std::string_view> path) {
    auto n = client_.Get(Nodes(), "", node);
    return n.ok() ? api::GetString(**n, path) : "";
  };
  // worker01 cannot have index 1's range (node01 holds it), worker02 keeps its own, worker03
  // has its index's.
  EXPECT_EQ(field("worker01", {"spec", "podCIDR"}), "10.128.2.0/24");
  EXPECT_EQ(field("worker02", {"spec", "podCIDR"}), "10.128.7.0/24");
  EXPECT_EQ(field("worker03", {"spec", "podCIDR"}), "10.128.3.0/24");
  auto addr = client_.Get(Nodes(), "", "worker01");
  ASSERT_TRUE(addr.ok());
  EXPECT_EQ(api::GetString((**addr)["status"]["addresses"][0], {"address"}), "172.16.0.2");
  client_.Add(Pods(), PodJson("web", "worker02"));
  ASSERT_TRUE(Eventually([&] { return Phase("web") == "Running"; }));
  EXPECT_EQ(PodIp("web").rfind("10.128.7.", 0), 0u) << PodIp("web");
}

TEST(NodeIdentityTest, AddressIndexOfPodCidr) {
  EXPECT_EQ(AddressIndexOfPodCidr("10.128.1.0/24"), 1);
  EXPECT_EQ(AddressIndexOfPodCidr("10.129.2.0/24"), 258);
  EXPECT_EQ(AddressIndexOfPodCidr(MakeIdentity("n", 70000, 70000).pod_cidr), 70000 % 32768);
  EXPECT_EQ(AddressIndexOfPodCidr("10.1.1.0/24"), 0);
  EXPECT_EQ(AddressIndexOfPodCidr("10.128.1.0/16"), 0);
  EXPECT_EQ(AddressIndexOfPodCidr(""), 0);
}

TEST(NormalizedImageNameTest, AsContainerdNamesThem) {
  EXPECT_EQ(NormalizedImageName("nginx"), "docker.io/library/nginx:latest");
  EXPECT_EQ(NormalizedImageName("nginx:1.0"), "docker.io/library/nginx:1.0");
  EXPECT_EQ(NormalizedImageName("prom/node-exporter:v1"), "docker.io/prom/node-exporter:v1");
  EXPECT_EQ(NormalizedImageName("registry.local/a/b:2"), "registry.local/a/b:2");
  EXPECT_EQ(NormalizedImageName("localhost/a"), "localhost/a:latest");
  EXPECT_EQ(NormalizedImageName("host:5000/a"), "host:5000/a:latest");
}

}  // namespace
}  // namespace tinyk8s::node
