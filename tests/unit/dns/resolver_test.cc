// Record selection (behavior-spec DNS-1..12) on a ClusterView fed with Service, EndpointSlice,
// Namespace and Pod objects, as the informers would.
#include "dns/resolver.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "api/json.h"

namespace tinyk8s::dns {
namespace {

rapidjson::Document Json(const std::string& text) {
  auto d = api::ParseJson(text);
  EXPECT_TRUE(d.ok()) << text;
  return std::move(d).value();
}

std::string Ns(const std::string& name) { return R"({"metadata":{"name":")" + name + R"("}})"; }

std::string Svc(const std::string& name, const std::string& ip, const std::string& ports,
                const std::string& extra = "") {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"t"},"spec":{)" + extra +
         R"("clusterIP":")" + ip + R"(","ports":)" + ports + "}}";
}

// Endpoint JSON: ip, ready, optional hostname.
std::string Ep(const std::string& ip, bool ready, const std::string& hostname = "") {
  return R"({"addresses":[")" + ip + R"("],"conditions":{"ready":)" + (ready ? "true" : "false") +
         "}" + (hostname.empty() ? "" : R"(,"hostname":")" + hostname + "\"") + "}";
}

std::string Slice(const std::string& name, const std::string& svc, const std::string& endpoints,
                  const std::string& ports) {
  return R"({"metadata":{"name":")" + name +
         R"(","namespace":"t","labels":{"kubernetes.io/service-name":")" + svc +
         R"("}},"addressType":"IPv4","endpoints":[)" + endpoints + R"(],"ports":)" + ports + "}";
}

class ResolverTest : public ::testing::Test {
 protected:
  ResolverTest() : view_("cluster.local"), resolver_(view_, ResolverOptions{}) {
    view_.UpsertNamespace(Json(Ns("t")));
    view_.UpsertNamespace(Json(Ns("default")));
    view_.UpsertService(Json(Svc(
        "ds1-hl", "None", R"([{"name":"http","port":80,"protocol":"TCP","targetPort":"http"}])")));
    view_.UpsertEndpointSlice(Json(
        Slice("ds1-hl-abcde", "ds1-hl",
              Ep("10.128.0.5", true) + "," + Ep("10.128.1.5", true) + "," + Ep("10.128.2.5", true) +
                  "," + Ep("10.128.3.5", false) + "," + Ep("10.128.4.9", true, "web-0"),
              R"([{"name":"http","port":8080,"protocol":"TCP"}])")));
    view_.UpsertService(Json(Svc(
        "ds1", "10.43.0.10",
        R"([{"name":"http","port":80,"protocol":"TCP"},{"name":"dns","port":53,"protocol":"UDP"}])")));
    view_.UpsertEndpointSlice(Json(Slice("ds1-xyz", "ds1", Ep("10.128.0.5", true),
                                         R"([{"name":"http","port":8080,"protocol":"TCP"}])")));
    view_.UpsertService(Json(Svc("empty-hl", "None", R"([{"name":"http","port":80}])")));
  }

  // Resolve and render "RCODE|AA|answers...|authority types|additional..." compactly.
  Answer Ask(const std::string& name, uint16_t type) const {
    Question q;
    q.name = name;
    q.type = type;
    q.qclass = kClassIn;
    return resolver_.Resolve(q);
  }
  static std::vector<std::string> Ips(const Answer& a) {
    std::vector<std::string> out;
    for (const auto& r : a.answer) {
      if (r.type == rrtype::kA) {
        out.push_back(std::to_string(r.ip[0]) + "." + std::to_string(r.ip[1]) + "." +
                      std::to_string(r.ip[2]) + "." + std::to_string(r.ip[3]));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<std::string> Srvs(const Answer& a) {
    std::vector<std::string> out;
    for (const auto& r : a.answer) {
      out.push_back(std::to_string(r.priority) + " " + std::to_string(r.weight) + " " +
                    std::to_string(r.port) + " " + r.target);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  ClusterView view_;
  Resolver resolver_;
};

using Strings = std::vector<std::string>;

TEST_F(ResolverTest, HeadlessServiceAnswersEveryReadyEndpoint) {
  Answer a = Ask("ds1-hl.t.svc.cluster.local", rrtype::kA);
  EXPECT_EQ(a.rcode, Rcode::kNoError);
  EXPECT_TRUE(a.authoritative);
  EXPECT_EQ(Ips(a), (Strings{"10.128.0.5", "10.128.1.5", "10.128.2.5", "10.128.4.9"}));
  EXPECT_EQ(a.answer[0].ttl, 5u);
  EXPECT_TRUE(a.authority.empty());
}

TEST_F(ResolverTest, HeadlessSrvUsesEndpointPortsAndNames) {
  Answer a = Ask("_http._tcp.ds1-hl.t.svc.cluster.local", rrtype::kSrv);
  EXPECT_EQ(Srvs(a), (Strings{"0 25 8080 10-128-0-5.ds1-hl.t.svc.cluster.local",
                              "0 25 8080 10-128-1-5.ds1-hl.t.svc.cluster.local",
                              "0 25 8080 10-128-2-5.ds1-hl.t.svc.cluster.local",
                              "0 25 8080 web-0.ds1-hl.t.svc.cluster.local"}));
  ASSERT_EQ(a.additional.size(), 4u);
  EXPECT_EQ(a.additional[0].type, rrtype::kA);
}

TEST_F(ResolverTest, EndpointNamesResolve) {
  EXPECT_EQ(Ips(Ask("10-128-1-5.ds1-hl.t.svc.cluster.local", rrtype::kA)), (Strings{"10.128.1.5"}));
  EXPECT_EQ(Ips(Ask("web-0.ds1-hl.t.svc.cluster.local", rrtype::kA)), (Strings{"10.128.4.9"}));
  // A not-ready endpoint has no name.
  EXPECT_EQ(Ask("10-128-3-5.ds1-hl.t.svc.cluster.local", rrtype::kA).rcode, Rcode::kNxDomain);
}

TEST_F(ResolverTest, ClusterIpServiceAnswersItsIpAndServicePortSrv) {
  EXPECT_EQ(Ips(Ask("ds1.t.svc.cluster.local", rrtype::kA)), (Strings{"10.43.0.10"}));
  EXPECT_EQ(Srvs(Ask("_http._tcp.ds1.t.svc.cluster.local", rrtype::kSrv)),
            (Strings{"0 100 80 ds1.t.svc.cluster.local"}));
  EXPECT_EQ(Srvs(Ask("_dns._udp.ds1.t.svc.cluster.local", rrtype::kSrv)),
            (Strings{"0 100 53 ds1.t.svc.cluster.local"}));
  // Wrong protocol or unknown port name: NXDOMAIN like CoreDNS.
  EXPECT_EQ(Ask("_dns._tcp.ds1.t.svc.cluster.local", rrtype::kSrv).rcode, Rcode::kNxDomain);
  // Endpoint names also work under a ClusterIP service.
  EXPECT_EQ(Ips(Ask("10-128-0-5.ds1.t.svc.cluster.local", rrtype::kA)), (Strings{"10.128.0.5"}));
}

TEST_F(ResolverTest, NxDomainVersusNoData) {
  Answer aaaa = Ask("ds1-hl.t.svc.cluster.local", rrtype::kAaaa);
  EXPECT_EQ(aaaa.rcode, Rcode::kNoError);
  EXPECT_TRUE(aaaa.answer.empty());
  ASSERT_EQ(aaaa.authority.size(), 1u);
  EXPECT_EQ(aaaa.authority[0].type, rrtype::kSoa);
  EXPECT_EQ(aaaa.authority[0].name, "cluster.local");
  EXPECT_EQ(aaaa.authority[0].target, "ns.dns.cluster.local");
  EXPECT_EQ(aaaa.authority[0].minimum, 5u);
  EXPECT_EQ(Ask("ds1.t.svc.cluster.local", rrtype::kTxt).rcode, Rcode::kNoError);
  EXPECT_EQ(Ask("t.svc.cluster.local", rrtype::kA).rcode, Rcode::kNoError);
  EXPECT_EQ(Ask("svc.cluster.local", rrtype::kA).rcode, Rcode::kNoError);

  Answer nx = Ask("nope.t.svc.cluster.local", rrtype::kA);
  EXPECT_EQ(nx.rcode, Rcode::kNxDomain);
  EXPECT_TRUE(nx.authoritative);
  ASSERT_EQ(nx.authority.size(), 1u);
  EXPECT_EQ(nx.authority[0].type, rrtype::kSoa);
  EXPECT_EQ(Ask("ds1.nons.svc.cluster.local", rrtype::kA).rcode, Rcode::kNxDomain);
  EXPECT_EQ(Ask("nons.svc.cluster.local", rrtype::kA).rcode, Rcode::kNxDomain);
  EXPECT_EQ(Ask("x.y.ds1.t.svc.cluster.local", rrtype::kA).rcode, Rcode::kNxDomain);
  EXPECT_EQ(Ask("foo.cluster.local", rrtype::kA).rcode, Rcode::kNxDomain);
  // A headless service without ready endpoints does not exist (DNS-4).
  EXPECT_EQ(Ask("empty-hl.t.svc.cluster.local", rrtype::kA).rcode, Rcode::kNxDomain);
}

TEST_F(ResolverTest, RecordsFollowSliceChanges) {
  view_.UpsertEndpointSlice(Json(Slice("ds1-hl-abcde", "ds1-hl", Ep("10.128.0.5", true),
                                       R"([{"name":"http","port":8080,"protocol":"TCP"}])")));
  EXPECT_EQ(Ips(Ask("ds1-hl.t.svc.cluster.local", rrtype::kA)), (Strings{"10.128.0.5"}));
  view_.DeleteEndpointSlice(Json(Slice("ds1-hl-abcde", "ds1-hl", "", "[]")));
  EXPECT_EQ(Ask("ds1-hl.t.svc.cluster.local", rrtype::kA).rcode, Rcode::kNxDomain);
  view_.DeleteService(Json(Svc("ds1", "10.43.0.10", "[]")));
  EXPECT_EQ(Ask("ds1.t.svc.cluster.local", rrtype::kA).rcode, Rcode::kNxDomain);
  EXPECT_EQ(Ask("10.0.43.10.in-addr.arpa", rrtype::kPtr).rcode, Rcode::kNxDomain);
}

TEST_F(ResolverTest, PtrForClusterIpAndEndpoints) {
  Answer svc = Ask("10.0.43.10.in-addr.arpa", rrtype::kPtr);
  ASSERT_EQ(svc.answer.size(), 1u);
  EXPECT_EQ(svc.answer[0].target, "ds1.t.svc.cluster.local");
  EXPECT_TRUE(svc.authoritative);
  Answer ep = Ask("5.1.128.10.in-addr.arpa", rrtype::kPtr);
  ASSERT_EQ(ep.answer.size(), 1u);
  EXPECT_EQ(ep.answer[0].target, "10-128-1-5.ds1-hl.t.svc.cluster.local");
  // An IP in two services' endpoints has two names.
  EXPECT_EQ(Ask("5.0.128.10.in-addr.arpa", rrtype::kPtr).answer.size(), 2u);
  EXPECT_EQ(Ask("9.9.9.9.in-addr.arpa", rrtype::kPtr).rcode, Rcode::kNxDomain);
  EXPECT_EQ(Ask("10.0.43.10.in-addr.arpa", rrtype::kA).rcode, Rcode::kNoError);
}

TEST_F(ResolverTest, PodRecordsAndVersion) {
  EXPECT_EQ(Ips(Ask("10-128-7-7.t.pod.cluster.local", rrtype::kA)), (Strings{"10.128.7.7"}));
  EXPECT_EQ(Ask("10-128-7.t.pod.cluster.local", rrtype::kA).rcode, Rcode::kNxDomain);
  EXPECT_EQ(Ask("10-128-7-7.nons.pod.cluster.local", rrtype::kA).rcode, Rcode::kNxDomain);
  Answer v = Ask("dns-version.cluster.local", rrtype::kTxt);
  ASSERT_EQ(v.answer.size(), 1u);
  EXPECT_EQ(v.answer[0].text, "1.1.0");
  Answer soa = Ask("cluster.local", rrtype::kSoa);
  ASSERT_EQ(soa.answer.size(), 1u);
  EXPECT_EQ(soa.answer[0].type, rrtype::kSoa);
}

TEST_F(ResolverTest, VerifiedPodsNeedAPodWithThatIp) {
  ResolverOptions o;
  o.pods = PodMode::kVerified;
  Resolver verified(view_, o);
  Question q{"10-128-7-7.t.pod.cluster.local", false, rrtype::kA, kClassIn};
  EXPECT_EQ(verified.Resolve(q).rcode, Rcode::kNxDomain);
  view_.UpsertPod(
      Json(R"({"metadata":{"name":"p","namespace":"t"},"status":{"podIP":"10.128.7.7"}})"));
  EXPECT_EQ(verified.Resolve(q).rcode, Rcode::kNoError);
  view_.DeletePod(Json(R"({"metadata":{"name":"p","namespace":"t"}})"));
  EXPECT_EQ(verified.Resolve(q).rcode, Rcode::kNxDomain);
}

TEST_F(ResolverTest, OtherNamesAreRefusedOrForwarded) {
  Answer a = Ask("example.com", rrtype::kA);
  EXPECT_EQ(a.rcode, Rcode::kRefused);
  EXPECT_FALSE(a.forward);
  ResolverOptions o;
  o.forward = true;
  Resolver forwarding(view_, o);
  Question q{"example.com", false, rrtype::kA, kClassIn};
  EXPECT_TRUE(forwarding.Resolve(q).forward);
  Question ptr{"4.3.2.1.in-addr.arpa", false, rrtype::kPtr, kClassIn};
  EXPECT_TRUE(forwarding.Resolve(ptr).forward);
}

TEST_F(ResolverTest, ExternalNameIsACname) {
  view_.UpsertService(Json(
      R"({"metadata":{"name":"ext","namespace":"t"},"spec":{"type":"ExternalName","externalName":"Example.COM"}})"));
  Answer a = Ask("ext.t.svc.cluster.local", rrtype::kA);
  ASSERT_EQ(a.answer.size(), 1u);
  EXPECT_EQ(a.answer[0].type, rrtype::kCname);
  EXPECT_EQ(a.answer[0].target, "example.com");
}

TEST_F(ResolverTest, PublishNotReadyIsUpToTheSlice) {
  // DNS only trusts the slice's ready condition (the controller sets it for EPS-3 / DNS-13).
  view_.UpsertEndpointSlice(Json(Slice("empty-hl-1", "empty-hl", Ep("10.1.1.1", true),
                                       R"([{"name":"http","port":80,"protocol":"TCP"}])")));
  EXPECT_EQ(Ips(Ask("empty-hl.t.svc.cluster.local", rrtype::kA)), (Strings{"10.1.1.1"}));
}

}  // namespace
}  // namespace tinyk8s::dns
