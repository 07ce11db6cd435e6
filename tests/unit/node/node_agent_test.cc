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
  void StartAgent(int count, int max_pods) {
    NodeAgentOptions options;
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

  testing::FakeClient client_;
  RealClock clock_;
  std::unique_ptr<NodeAgent> agent_;
};

TEST_F(NodeAgentTest, RegistersNodesThenTheirLeases) {
  StartAgent(3, 110);
  for (const char* n : {"node01", "node02", "node03"}) {
    EXPECT_TRUE(client_.Get(Nodes(), "", n).ok()) << n;
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

}  // namespace
}  // namespace tinyk8s::node
