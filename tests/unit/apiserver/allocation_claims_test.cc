// ClusterIP and NodePort allocation across API servers sharing one store: two ServiceAllocators
// (two servers whose caches have not seen each other's Services yet) never hand out the same
// value, a requested value another server claimed is refused, and a stale claim is taken over.

#include "apiserver/allocation_claims.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "api/json.h"
#include "apiserver/ip_allocator.h"
#include "apiserver/registry.h"
#include "tests/unit/apiserver/scratch_store.h"

namespace tinyk8s::apiserver {

namespace {

class AllocationClaimsTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterBuiltinResources(registry_, nullptr); }
  std::unique_ptr<ServiceAllocator> Server(const std::string& cidr,
                                           std::chrono::seconds ttl = std::chrono::seconds(120)) {
    ServiceAllocatorOptions options;
    options.service_cidr = cidr;
    options.node_port_first = 30000;
    options.node_port_last = 30004;
    options.reservation_ttl = ttl;
    options.shared_store = store_.get();
    return std::move(ServiceAllocator::Create(options, clock_)).value();
  }
  const ResourceInfo& Services() { return *registry_.FindByGroupResource("", "services"); }
  // Admit admits Service `name` through `server`; returns "ip port" or the error.
  std::string Admit(ServiceAllocator& server, const std::string& name,
                    const std::string& spec = R"({"type":"NodePort","ports":[{"port":80}]})") {
    auto doc = api::ParseJson(R"({"metadata":{"name":")" + name + R"(","namespace":"t"},"spec":)" +
                              spec + "}");
    Status status = server.AdmitCreate(*doc, Services());
    if (!status.ok()) return "error: " + status.ToString();
    return api::GetString(*doc, {"spec", "clusterIP"}) + " " +
           std::to_string(api::GetInt((*doc)["spec"]["ports"][0], {"nodePort"}));
  }

  RealClock clock_;
  testing::ScratchStore store_{"claims"};
  Registry registry_;
};

TEST_F(AllocationClaimsTest, TwoServersNeverHandOutTheSameValue) {
  // A /29 has 5 dynamic addresses (.2-.6; .1 is the kubernetes Service's) and 5 node ports.
  auto one = Server("10.43.0.0/29");
  auto two = Server("10.43.0.0/29");
  std::vector<std::string> got_one, got_two;
  std::thread a([&] {
    for (int i = 0; i < 5; ++i) got_one.push_back(Admit(*one, "a" + std::to_string(i)));
  });
  std::thread b([&] {
    for (int i = 0; i < 5; ++i) got_two.push_back(Admit(*two, "b" + std::to_string(i)));
  });
  a.join();
  b.join();
  std::set<std::string> ips, ports;
  int admitted = 0;
  for (const auto* got : {&got_one, &got_two}) {
    for (const std::string& result : *got) {
      if (result.rfind("error:", 0) == 0) {
        EXPECT_NE(result.find("range is full"), std::string::npos) << result;
        continue;
      }
      ++admitted;
      ips.insert(result.substr(0, result.find(' ')));
      ports.insert(result.substr(result.find(' ') + 1));
    }
  }
  // Ten Services competed for five values of each kind: five won, all distinct.
  EXPECT_EQ(admitted, 5);
  EXPECT_EQ(ips.size(), 5u);
  EXPECT_EQ(ports.size(), 5u);
}

TEST_F(AllocationClaimsTest, RequestedValueClaimedByAnotherServerIsRefused) {
  auto one = Server("10.43.0.0/24");
  auto two = Server("10.43.0.0/24");
  const std::string spec =
      R"({"type":"NodePort","clusterIP":"10.43.0.50","ports":[{"port":80,"nodePort":30003}]})";
  EXPECT_EQ(Admit(*one, "a", spec), "10.43.0.50 30003");
  std::string refused = Admit(*two, "b", spec);
  EXPECT_NE(refused.find("provided IP is already allocated"), std::string::npos) << refused;
  EXPECT_NE(refused.find("provided port is already allocated"), std::string::npos) << refused;
  // The same Service admitted again (a retried create) keeps its claim.
  EXPECT_EQ(Admit(*two, "a", spec), "10.43.0.50 30003");
}

TEST_F(AllocationClaimsTest, StaleClaimIsTakenOver) {
  // With a zero TTL every claim is stale at once: a value whose Service never appeared is
  // reusable by another server.
  auto one = Server("10.43.0.0/24", std::chrono::seconds(0));
  auto two = Server("10.43.0.0/24", std::chrono::seconds(0));
  const std::string spec = R"({"clusterIP":"10.43.0.60","ports":[{"port":80}]})";
  EXPECT_EQ(Admit(*one, "a", spec), "10.43.0.60 0");
  EXPECT_EQ(Admit(*two, "b", spec), "10.43.0.60 0");
  auto claim = store_->Get(AllocationClaims::Key("clusterips", "10.43.0.60"));
  ASSERT_TRUE(claim.ok());
  EXPECT_NE(claim->value.find("services/t/b"), std::string::npos) << claim->value;
}

}  // namespace
}  // namespace tinyk8s::apiserver
