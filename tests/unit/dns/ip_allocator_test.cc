// ServiceAllocator (apiserver/ip_allocator.h): ClusterIP and NodePort allocation through the
// real ObjectService on an in-memory SQLite store, so admission, the watch cache and restarts
// are the real ones.
#include "apiserver/ip_allocator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "api/json.h"
#include "apiserver/object_service.h"
#include "apiserver/registry.h"
#include "apiserver/watch_cache.h"
#include "storage/sqlite_store.h"

namespace tinyk8s::apiserver {
namespace {

// Name builds "<prefix><n>" with append (GCC 12 warns falsely on "literal" + std::string).
std::string Name(std::string prefix, int n) {
  prefix.append(std::to_string(n));
  return prefix;
}

TEST(Ipv4Test, ParsesAndFormats) {
  EXPECT_EQ(FormatIpv4(*ParseIpv4("10.43.0.1")), "10.43.0.1");
  EXPECT_FALSE(ParseIpv4("10.43.0"));
  EXPECT_FALSE(ParseIpv4("10.43.0.256"));
  EXPECT_FALSE(ParseIpv4("010.1.1.1"));
  EXPECT_FALSE(ParseIpv4("1.1.1.1 "));
  auto c = Ipv4Cidr::Parse("10.43.0.0/16");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Size(), 65536u);
  EXPECT_TRUE(c->Contains(*ParseIpv4("10.43.255.255")));
  EXPECT_FALSE(c->Contains(*ParseIpv4("10.44.0.0")));
  EXPECT_FALSE(Ipv4Cidr::Parse("10.43.0.1/16").ok());
  EXPECT_FALSE(Ipv4Cidr::Parse("10.43.0.0/31").ok());
  EXPECT_FALSE(Ipv4Cidr::Parse("10.43.0.0").ok());
}

TEST(RangeAllocatorTest, ReservationsCommitsAndExpiry) {
  using namespace std::chrono;
  RangeAllocator r(10, 13, seconds(60));
  auto t0 = steady_clock::time_point{} + hours(1);
  EXPECT_EQ(r.Reserve(9, "a", t0), RangeAllocator::Outcome::kOutOfRange);
  EXPECT_EQ(r.Reserve(10, "a", t0), RangeAllocator::Outcome::kOk);
  EXPECT_EQ(r.Reserve(10, "b", t0), RangeAllocator::Outcome::kTaken);
  EXPECT_EQ(r.Reserve(10, "a", t0), RangeAllocator::Outcome::kOk);  // same owner retries
  std::set<uint32_t> got;
  for (int i = 0; i < 3; ++i) got.insert(*r.AllocateNext(Name("c", i), t0, 7));
  EXPECT_EQ(got, (std::set<uint32_t>{11, 12, 13}));
  EXPECT_FALSE(r.AllocateNext("d", t0, 0));  // full
  // A reservation whose write never happened expires.
  EXPECT_TRUE(r.AllocateNext("d", t0 + seconds(61), 0));
  // Committed values never expire and are freed when the owner lets go.
  r.SetCommitted("a", {10});
  EXPECT_EQ(r.Reserve(10, "x", t0 + hours(5)), RangeAllocator::Outcome::kTaken);
  r.SetCommitted("a", {});
  EXPECT_EQ(r.Reserve(10, "x", t0 + hours(5)), RangeAllocator::Outcome::kOk);
}

class ServiceAllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tinyk8s-alloc-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Open("10.43.0.0/24");
  }
  void TearDown() override {
    Close();
    std::filesystem::remove_all(dir_);
  }
  void Open(const std::string& cidr) {
    storage::SqliteStoreOptions so;
    so.path = (dir_ / "state.db").string();
    so.durable = false;
    store_ = std::move(storage::SqliteStore::Open(so)).value();
    cache_ = std::move(WatchCache::Start(*store_, WatchCache::Options{})).value();
    ServiceAllocatorOptions ao;
    ao.service_cidr = cidr;
    allocator_ = std::move(ServiceAllocator::Create(ao, clock_)).value();
    registry_ = std::make_unique<Registry>();
    RegisterBuiltinResources(*registry_, allocator_.get());
    ASSERT_TRUE(allocator_->Follow(*cache_, Services().KeyPrefix()).ok());
    objects_ = std::make_unique<ObjectService>(*store_, *cache_, *registry_, clock_);
    rapidjson::Document ns = api::ParseJson(R"({"metadata":{"name":"t"}})").value();
    (void)objects_->Create(*registry_->FindByGroupResource("", "namespaces"), "", std::move(ns),
                           {});
  }
  void Close() {
    objects_.reset();
    cache_.reset();
    registry_.reset();
    allocator_.reset();
    store_.reset();
  }
  const ResourceInfo& Services() { return *registry_->FindByGroupResource("", "services"); }

  Result<CachedPtr> Create(const std::string& name, const std::string& spec) {
    auto doc = api::ParseJson(R"({"metadata":{"name":")" + name + R"("},"spec":)" + spec + "}");
    return objects_->Create(Services(), "t", std::move(doc).value(), {});
  }
  static std::string Ip(const CachedPtr& svc) {
    return api::GetString(*svc->Doc(), {"spec", "clusterIP"});
  }

  RealClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<WatchCache> cache_;
  std::unique_ptr<ServiceAllocator> allocator_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<ObjectService> objects_;
};

constexpr char kPorts[] = R"({"ports":[{"port":80}]})";

TEST_F(ServiceAllocatorTest, AllocatesFromTheRangeAndKeepsHeadless) {
  auto a = Create("a", kPorts);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(Ipv4Cidr::Parse("10.43.0.0/24")->Contains(*ParseIpv4(Ip(*a))));
  EXPECT_NE(Ip(*a), "10.43.0.1");  // kept for the kubernetes Service
  auto a_doc = (*a)->Doc();
  const rapidjson::Value* ips = api::FindPath(*a_doc, {"spec", "clusterIPs"});
  ASSERT_TRUE(ips && ips->IsArray() && ips->Size() == 1);
  EXPECT_EQ(std::string((*ips)[0].GetString()), Ip(*a));
  auto h = Create("h", R"({"clusterIP":"None","ports":[{"port":80}]})");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(Ip(*h), "None");
}

TEST_F(ServiceAllocatorTest, RequestedIpMustBeInRangeAndFree) {
  auto a = Create("a", R"({"clusterIP":"10.43.0.50","ports":[{"port":80}]})");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto dup = Create("b", R"({"clusterIP":"10.43.0.50","ports":[{"port":80}]})");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kInvalid);
  EXPECT_NE(
      dup.status().message().find(
          R"(spec.clusterIPs: Invalid value: []string{"10.43.0.50"}: failed to allocate IP 10.43.0.50: provided IP is already allocated)"),
      std::string::npos)
      << dup.status().message();
  auto out = Create("c", R"({"clusterIP":"10.0.0.1","ports":[{"port":80}]})");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("provided IP is not in the valid range. The range of "
                                        "valid IPs is 10.43.0.0/24"),
            std::string::npos)
      << out.status().message();
  auto bad = Create("d", R"({"clusterIP":"banana","ports":[{"port":80}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("must be a valid IP address"), std::string::npos);
  // Deleting releases the address at once.
  ASSERT_TRUE(objects_->Delete(Services(), "t", "a", {}).ok());
  EXPECT_TRUE(Create("e", R"({"clusterIP":"10.43.0.50","ports":[{"port":80}]})").ok());
}

TEST_F(ServiceAllocatorTest, ConcurrentCreatesNeverShareAnIp) {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<std::string> ips;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto s = Create(Name(Name("s", t) + "-", i), kPorts);
        ASSERT_TRUE(s.ok()) << s.status().ToString();
        std::lock_guard lock(mu);
        ips.push_back(Ip(*s));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> unique(ips.begin(), ips.end());
  EXPECT_EQ(unique.size(), 100u);
}

TEST_F(ServiceAllocatorTest, RestartDoesNotReuseLiveIps) {
  std::set<std::string> before;
  for (int i = 0; i < 50; ++i) before.insert(Ip(*Create(Name("a", i), kPorts)));
  Close();
  Open("10.43.0.0/24");
  // 253 usable addresses minus .1 and 50 live ones: the next 200 must all be new.
  for (int i = 0; i < 200; ++i) {
    auto s = Create(Name("b", i), kPorts);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(before.count(Ip(*s)), 0u) << Ip(*s);
  }
  auto full = Create("overflow", kPorts);
  // 250 live of 252 allocatable (.2-.254 = 253 minus none): a few are left, then full.
  for (int i = 0; full.ok() && i < 10; ++i) full = Create(Name("overflow", i), kPorts);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kInternal);
}

TEST_F(ServiceAllocatorTest, NodePortsAreAllocatedCheckedAndKeptOnUpdate) {
  auto a = Create(
      "a",
      R"({"type":"NodePort","ports":[{"name":"a","port":80},{"name":"b","port":81,"nodePort":30080}]})");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto a_doc = (*a)->Doc();
  const rapidjson::Value& ports = *api::FindPath(*a_doc, {"spec", "ports"});
  int64_t np = api::GetInt(ports[0], {"nodePort"});
  EXPECT_GE(np, 30000);
  EXPECT_LE(np, 32767);
  EXPECT_EQ(api::GetInt(ports[1], {"nodePort"}), 30080);
  auto taken = Create("b", R"({"type":"NodePort","ports":[{"port":80,"nodePort":30080}]})");
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.status().message().find(
                "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated"),
            std::string::npos)
      << taken.status().message();
  auto range = Create("c", R"({"type":"NodePort","ports":[{"port":80,"nodePort":8080}]})");
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.status().message().find("provided port is not in the valid range. The range of "
                                          "valid ports is 30000-32767"),
            std::string::npos);
  auto cluster_ip = Create("d", R"({"ports":[{"port":80,"nodePort":30081}]})");
  ASSERT_FALSE(cluster_ip.ok());
  // A PUT without clusterIP and nodePorts keeps them (kubectl replace).
  auto doc = api::ParseJson(
      R"({"metadata":{"name":"a"},"spec":{"type":"NodePort","ports":[{"name":"a","port":80},{"name":"b","port":81}]}})");
  bool created = false;
  auto updated = objects_->Update(Services(), "t", "a", "", std::move(doc).value(), {}, &created);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(Ip(*updated), Ip(*a));
  auto updated_doc = (*updated)->Doc();
  const rapidjson::Value& up = *api::FindPath(*updated_doc, {"spec", "ports"});
  EXPECT_EQ(api::GetInt(up[0], {"nodePort"}), np);
  EXPECT_EQ(api::GetInt(up[1], {"nodePort"}), 30080);
  // Back to ClusterIP: the node ports are released.
  auto back = objects_->Mutate(Services(), "t", "a", "",
                               [](rapidjson::Document& d) {
                                 api::SetString(api::EnsureObject(d, {"spec"}, d.GetAllocator()),
                                                "type", "ClusterIP", d.GetAllocator());
                                 return Status::OK();
                               },
                               {});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(Create("e", R"({"type":"NodePort","ports":[{"port":80,"nodePort":30080}]})").ok());
}

}  // namespace
}  // namespace tinyk8s::apiserver
