#include "node/pod_dns.h"

#include <gtest/gtest.h>

#include "api/json.h"

namespace tinyk8s::node {
namespace {

using Strings = std::vector<std::string>;

struct DnsCase {
  const char* name;
  const char* pod;  // JSON
  NodeDnsSettings node;
  ResolvConf want;
};

NodeDnsSettings Cluster() {
  NodeDnsSettings s;
  s.cluster_dns = {"10.43.0.10"};
  return s;
}

NodeDnsSettings ClusterWithHost() {
  NodeDnsSettings s = Cluster();
  s.has_host_resolver = true;
  s.host = {{"192.168.1.1", "192.168.1.2"}, {"corp.example", "lan"}, {"edns0", "ndots:2"}};
  return s;
}

NodeDnsSettings NoClusterDns() {
  NodeDnsSettings s;
  s.cluster_dns = {};
  return s;
}

const ResolvConf kClusterDefault = {
    {"10.43.0.10"}, {"web.svc.cluster.local", "svc.cluster.local", "cluster.local"}, {"ndots:5"}};

class PodDnsTest : public ::testing::TestWithParam<DnsCase> {};

TEST_P(PodDnsTest, ComputesResolvConf) {
  const DnsCase& c = GetParam();
  auto pod = api::ParseJson(c.pod);
  ASSERT_TRUE(pod.ok()) << pod.status().message();
  ResolvConf got = PodResolvConf(*pod, c.node);
  EXPECT_EQ(got.nameservers, c.want.nameservers);
  EXPECT_EQ(got.searches, c.want.searches);
  EXPECT_EQ(got.options, c.want.options);
}

INSTANTIATE_TEST_SUITE_P(
    Policies, PodDnsTest,
    ::testing::Values(
        DnsCase{"DefaultPolicyIsClusterFirst", R"({"metadata":{"namespace":"web"},"spec":{}})",
                Cluster(), kClusterDefault},
        DnsCase{"ClusterFirst",
                R"({"metadata":{"namespace":"web"},"spec":{"dnsPolicy":"ClusterFirst"}})",
                Cluster(), kClusterDefault},
        // The kubelet's search path does not depend on hostname or subdomain.
        DnsCase{"HostnameAndSubdomainAddNoSearch",
                R"({"metadata":{"namespace":"web"},"spec":{"hostname":"web-0",)"
                R"("subdomain":"sub"}})",
                Cluster(), kClusterDefault},
        DnsCase{
            "ClusterFirstAppendsHostSearchesNotHostServersOrOptions",
            R"({"metadata":{"namespace":"web"},"spec":{"dnsPolicy":"ClusterFirst"}})",
            ClusterWithHost(),
            {{"10.43.0.10"},
             {"web.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lan"},
             {"ndots:5"}}},
        DnsCase{"ClusterFirstOnHostNetworkFallsBackToDefault",
                R"({"metadata":{"namespace":"web"},"spec":{"hostNetwork":true}})",
                ClusterWithHost(),
                {{"192.168.1.1", "192.168.1.2"}, {"corp.example", "lan"}, {"edns0", "ndots:2"}}},
        DnsCase{"ClusterFirstWithHostNet",
                R"({"metadata":{"namespace":"web"},"spec":{"hostNetwork":true,)"
                R"("dnsPolicy":"ClusterFirstWithHostNet"}})",
                Cluster(), kClusterDefault},
        DnsCase{"ClusterFirstWithoutClusterDnsFallsBackToDefault",
                R"({"metadata":{"namespace":"web"},"spec":{}})",
                NoClusterDns(),
                {{"127.0.0.1"}, {"."}, {}}},
        DnsCase{"DefaultWithoutHostResolver",
                R"({"metadata":{"namespace":"web"},"spec":{"dnsPolicy":"Default"}})",
                Cluster(),
                {{"127.0.0.1"}, {"."}, {}}},
        DnsCase{"DefaultUsesHostResolver",
                R"({"metadata":{"namespace":"web"},"spec":{"dnsPolicy":"Default"}})",
                ClusterWithHost(),
                {{"192.168.1.1", "192.168.1.2"}, {"corp.example", "lan"}, {"edns0", "ndots:2"}}},
        DnsCase{"NoneWithoutDnsConfigIsEmpty",
                R"({"metadata":{"namespace":"web"},"spec":{"dnsPolicy":"None"}})",
                ClusterWithHost(),
                {{}, {}, {}}},
        DnsCase{"NoneTakesOnlyDnsConfig",
                R"({"metadata":{"namespace":"web"},"spec":{"dnsPolicy":"None","dnsConfig":{)"
                R"("nameservers":["1.2.3.4"],"searches":["ns1.svc.cluster-domain.example"],)"
                R"("options":[{"name":"ndots","value":"2"},{"name":"edns0"}]}}})",
                ClusterWithHost(),
                {{"1.2.3.4"}, {"ns1.svc.cluster-domain.example"}, {"ndots:2", "edns0"}}},
        DnsCase{"DnsConfigIsMergedWithoutDuplicatesAndOptionsOverride",
                R"({"metadata":{"namespace":"web"},"spec":{"dnsConfig":{)"
                R"("nameservers":["10.43.0.10","8.8.8.8"],"searches":["cluster.local","my.dns"],)"
                R"("options":[{"name":"ndots","value":"1"},{"name":"single-request"}]}}})",
                Cluster(),
                {{"10.43.0.10", "8.8.8.8"},
                 {"web.svc.cluster.local", "svc.cluster.local", "cluster.local", "my.dns"},
                 {"ndots:1", "single-request"}}},
        DnsCase{"AtMostThreeNameservers",
                R"({"metadata":{"namespace":"web"},"spec":{"dnsConfig":{)"
                R"("nameservers":["1.1.1.1","2.2.2.2","3.3.3.3"]}}})",
                Cluster(),
                {{"10.43.0.10", "1.1.1.1", "2.2.2.2"},
                 {"web.svc.cluster.local", "svc.cluster.local", "cluster.local"},
                 {"ndots:5"}}},
        DnsCase{"EmptyClusterDomainKeepsOnlyHostSearches",
                R"({"metadata":{"namespace":"web"},"spec":{}})",
                [] {
                  NodeDnsSettings s = ClusterWithHost();
                  s.cluster_domain = "";
                  return s;
                }(),
                {{"10.43.0.10"}, {"corp.example", "lan"}, {"ndots:5"}}}),
    [](const ::testing::TestParamInfo<DnsCase>& info) { return std::string(info.param.name); });

std::string PodWithSearches(const Strings& searches) {
  std::string list;
  for (const auto& s : searches) list += (list.empty() ? "\"" : ",\"") + s + "\"";
  return R"({"metadata":{"namespace":"web"},"spec":{"dnsPolicy":"None","dnsConfig":{"searches":[)" +
         list + "]}}}";
}

TEST(PodDnsLimitsTest, AtMost32SearchDomains) {
  Strings searches;
  for (int i = 0; i < 40; ++i) searches.push_back("d" + std::to_string(i) + ".example");
  auto pod = api::ParseJson(PodWithSearches(searches));
  ASSERT_TRUE(pod.ok());
  ResolvConf got = PodResolvConf(*pod, Cluster());
  ASSERT_EQ(got.searches.size(), kMaxDnsSearchPaths);
  EXPECT_EQ(got.searches.front(), "d0.example");
  EXPECT_EQ(got.searches.back(), "d31.example");
}

TEST(PodDnsLimitsTest, SearchLineCutFromTheEndTo2048Characters) {
  // 10 domains of 250 characters: 2,509 characters on one line; 8 of them take 2,007.
  Strings searches;
  for (int i = 0; i < 10; ++i) searches.push_back(std::string(248, 'a' + i) + ".x");
  auto pod = api::ParseJson(PodWithSearches(searches));
  ASSERT_TRUE(pod.ok());
  ResolvConf got = PodResolvConf(*pod, Cluster());
  ASSERT_EQ(got.searches.size(), 8u);
  EXPECT_EQ(got.searches.front(), searches.front());
  EXPECT_EQ(got.searches.back(), searches[7]);
}

TEST(PodDnsLimitsTest, OverlongSearchDomainIsDropped) {
  auto pod = api::ParseJson(PodWithSearches({std::string(254, 'a'), "ok.example"}));
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(PodResolvConf(*pod, Cluster()).searches, Strings{"ok.example"});
}

TEST(ResolvConfTest, ParsesAndFormats) {
  ResolvConf conf = ParseResolvConf(
      "# generated\n"
      "nameserver 192.168.1.1\n"
      "search old.example\n"
      "search corp.example. lan .  ; trailing comment\n"
      "nameserver 192.168.1.2 # second\n"
      "options ndots:2 edns0\n"
      "options ndots:3\n"
      "domain ignored.example\n");
  EXPECT_EQ(conf.nameservers, (Strings{"192.168.1.1", "192.168.1.2"}));
  EXPECT_EQ(conf.searches, (Strings{"corp.example", "lan"}));
  EXPECT_EQ(conf.options, (Strings{"ndots:3", "edns0"}));
  EXPECT_EQ(FormatResolvConf(conf),
            "nameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch corp.example lan\n"
            "options ndots:3 edns0\n");
  EXPECT_EQ(FormatResolvConf({}), "");
}

}  // namespace
}  // namespace tinyk8s::node
