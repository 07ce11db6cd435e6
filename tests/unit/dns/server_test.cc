// DnsServer on loopback: UDP and TCP answers, truncation with TCP fallback, malformed packets,
// forwarding, and records following informer events (FakeClient).
#include "dns/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "api/json.h"
#include "dns/dns_main.h"
#include "tests/fakes/fake_client.h"
#include "tests/unit/eventually.h"

namespace tinyk8s::dns {
namespace {

// UdpExchange sends one packet and waits up to `ms` for an answer (empty on timeout).
std::vector<uint8_t> UdpExchange(uint16_t port, const std::vector<uint8_t>& query, int ms = 2000) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  std::vector<uint8_t> buf(65535);
  ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  ::close(fd);
  buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return buf;
}

std::vector<uint8_t> TcpExchange(uint16_t port, const std::vector<uint8_t>& query) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  std::vector<uint8_t> msg = {static_cast<uint8_t>(query.size() >> 8),
                              static_cast<uint8_t>(query.size())};
  msg.insert(msg.end(), query.begin(), query.end());
  ::send(fd, msg.data(), msg.size(), 0);
  uint8_t len[2];
  std::vector<uint8_t> out;
  if (::recv(fd, len, 2, MSG_WAITALL) == 2) {
    out.resize(len[0] << 8 | len[1]);
    if (::recv(fd, out.data(), out.size(), MSG_WAITALL) != static_cast<ssize_t>(out.size())) {
      out.clear();
    }
  }
  ::close(fd);
  return out;
}

rapidjson::Document Json(const std::string& text) { return api::ParseJson(text).value(); }

class DnsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    view_.UpsertNamespace(Json(R"({"metadata":{"name":"t"}})"));
    view_.UpsertService(Json(
        R"({"metadata":{"name":"big","namespace":"t"},"spec":{"clusterIP":"None","ports":[{"name":"http","port":80}]}})"));
    std::string eps;
    for (int i = 0; i < 60; ++i) {
      if (!eps.empty()) eps += ",";
      eps += R"({"addresses":["10.1.0.)" + std::to_string(i) + R"("],"conditions":{"ready":true}})";
    }
    view_.UpsertEndpointSlice(Json(
        R"({"metadata":{"name":"big-1","namespace":"t","labels":{"kubernetes.io/service-name":"big"}},"addressType":"IPv4","ports":[{"name":"http","port":80,"protocol":"TCP"}],"endpoints":[)" +
        eps + "]}"));
    DnsServerOptions o;
    o.port = 0;
    server_ = std::make_unique<DnsServer>(resolver_, o);
    ASSERT_TRUE(server_->Start().ok());
  }

  ClusterView view_{"cluster.local"};
  Resolver resolver_{view_, ResolverOptions{}};
  std::unique_ptr<DnsServer> server_;
};

TEST_F(DnsServerTest, AnswersOverUdpAndTcp) {
  auto q = EncodeQuery(77, "10-1-0-3.big.t.svc.cluster.local", rrtype::kA);
  for (bool tcp : {false, true}) {
    auto r = tcp ? TcpExchange(server_->port(), q) : UdpExchange(server_->port(), q);
    auto m = ParseMessage(r);
    ASSERT_TRUE(m.ok()) << (tcp ? "tcp" : "udp");
    EXPECT_EQ(m->header.id, 77);
    EXPECT_TRUE(m->header.aa);
    ASSERT_EQ(m->answer.size(), 1u);
    EXPECT_EQ(m->answer[0].data, "10.1.0.3");
  }
}

TEST_F(DnsServerTest, LargeAnswersTruncateOverUdpAndFitOverTcp) {
  auto q = EncodeQuery(1, "_http._tcp.big.t.svc.cluster.local", rrtype::kSrv);
  auto udp = ParseMessage(UdpExchange(server_->port(), q));
  ASSERT_TRUE(udp.ok());
  EXPECT_TRUE(udp->header.tc);
  auto tcp = ParseMessage(TcpExchange(server_->port(), q));
  ASSERT_TRUE(tcp.ok());
  EXPECT_FALSE(tcp->header.tc);
  EXPECT_EQ(tcp->answer.size(), 60u);
  EXPECT_EQ(tcp->additional.size(), 60u);
  // With a large EDNS0 buffer the A answer (60 x 16 bytes) fits in one datagram.
  auto big = ParseMessage(UdpExchange(
      server_->port(), EncodeQuery(2, "big.t.svc.cluster.local", rrtype::kA, true, 4096)));
  ASSERT_TRUE(big.ok());
  EXPECT_FALSE(big->header.tc);
  EXPECT_EQ(big->answer.size(), 60u);
  EXPECT_EQ(big->edns.udp_size, 1232);
}

TEST_F(DnsServerTest, MalformedPacketsAreDroppedAndServingContinues) {
  std::mt19937 rng(1);
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> junk(rng() % 100);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    ::sendto(fd, junk.data(), junk.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  ::close(fd);
  // A bare 3-byte datagram gets no answer at all.
  EXPECT_TRUE(UdpExchange(server_->port(), {1, 2, 3}, 200).empty());
  auto m = ParseMessage(
      UdpExchange(server_->port(), EncodeQuery(9, "big.t.svc.cluster.local", rrtype::kAaaa)));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->header.rcode, 0);
  EXPECT_TRUE(m->answer.empty());
  ASSERT_EQ(m->authority.size(), 1u);
}

TEST_F(DnsServerTest, RcodesForUnsupportedRequests) {
  auto refused = ParseMessage(UdpExchange(server_->port(), EncodeQuery(3, "example.com", 1)));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->header.rcode, static_cast<int>(Rcode::kRefused));
  auto notimp_q = EncodeQuery(4, "big.t.svc.cluster.local", 1);
  notimp_q[2] |= 2 << 3;  // opcode STATUS
  auto notimp = ParseMessage(UdpExchange(server_->port(), notimp_q));
  ASSERT_TRUE(notimp.ok());
  EXPECT_EQ(notimp->header.rcode, static_cast<int>(Rcode::kNotImp));
  auto badvers_q = EncodeQuery(5, "big.t.svc.cluster.local", 1, true, 1232);
  badvers_q[badvers_q.size() - 5] = 1;  // EDNS version 1
  auto badvers = ParseMessage(UdpExchange(server_->port(), badvers_q));
  ASSERT_TRUE(badvers.ok());
  EXPECT_EQ(badvers->header.rcode, 16);
}

TEST_F(DnsServerTest, ForwardsOtherNamesToTheUpstream) {
  // Our own server, answering REFUSED for example.com, plays the upstream: the forwarded answer
  // must come back with the client's ID.
  DnsServerOptions o;
  o.port = 0;
  o.upstream = "127.0.0.1:" + std::to_string(server_->port());
  ResolverOptions ro;
  ro.forward = true;
  Resolver forwarding(view_, ro);
  DnsServer front(forwarding, o);
  ASSERT_TRUE(front.Start().ok());
  auto m = ParseMessage(UdpExchange(front.port(), EncodeQuery(0x4242, "example.com", 1)));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->header.id, 0x4242);
  EXPECT_EQ(m->header.rcode, static_cast<int>(Rcode::kRefused));
  auto t = ParseMessage(TcpExchange(front.port(), EncodeQuery(0x4343, "example.com", 1)));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->header.id, 0x4343);
  EXPECT_GE(server_->QueriesForTest(), 2u);
  // A silent upstream gives SERVFAIL.
  DnsServerOptions dead = o;
  dead.upstream = "127.0.0.1:9";
  dead.forward_timeout = std::chrono::milliseconds(200);
  DnsServer front2(forwarding, dead);
  ASSERT_TRUE(front2.Start().ok());
  auto sf = ParseMessage(UdpExchange(front2.port(), EncodeQuery(6, "example.com", 1)));
  ASSERT_TRUE(sf.ok());
  EXPECT_EQ(sf->header.rcode, static_cast<int>(Rcode::kServFail));
}

template <typename F>
bool Eventually(F f) {
  return tinyk8s::testing::Eventually(f, std::chrono::seconds(4), std::chrono::milliseconds(20));
}

TEST(DnsInformerTest, RecordsFollowTheApiThroughInformers) {
  testing::FakeClient fake;
  fake.Add(client::resources::Namespaces(), R"({"metadata":{"name":"t"}})");
  fake.Add(
      client::resources::Services(),
      R"({"metadata":{"name":"web","namespace":"t"},"spec":{"clusterIP":"10.43.0.9","ports":[{"name":"http","port":80,"protocol":"TCP"}]}})");
  ClusterView view("cluster.local");
  client::SharedInformerFactory informers(fake);
  FeedView(informers, view, PodMode::kInsecure);
  informers.Start();
  ASSERT_TRUE(informers.WaitForCacheSync(std::chrono::seconds(10)));
  Resolver resolver(view, ResolverOptions{});
  Question q{"web.t.svc.cluster.local", false, rrtype::kA, kClassIn};
  EXPECT_EQ(resolver.Resolve(q).answer.size(), 1u);
  ASSERT_TRUE(fake.Delete(client::resources::Services(), "t", "web").ok());
  EXPECT_TRUE(Eventually([&] { return resolver.Resolve(q).rcode == Rcode::kNxDomain; }));
  informers.Shutdown();
}

}  // namespace
}  // namespace tinyk8s::dns
