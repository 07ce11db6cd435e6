// DNS wire format: parsing (compression, EDNS0, malformed input) and encoding (compression,
// truncation, OPT).
#include "dns/message.h"

#include <gtest/gtest.h>

#include <random>

namespace tinyk8s::dns {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int b : v) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST(MessageTest, ParsesSimpleQueryAndLowerCasesTheName) {
  auto packet = EncodeQuery(0x1234, "Web.Default.SVC.cluster.local.", rrtype::kA);
  auto q = ParseQuery(packet);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->header.id, 0x1234);
  EXPECT_TRUE(q->header.rd);
  EXPECT_EQ(q->question.name, "web.default.svc.cluster.local");
  EXPECT_FALSE(q->question.unusual);
  EXPECT_EQ(q->question.type, rrtype::kA);
  EXPECT_EQ(q->question.qclass, kClassIn);
  EXPECT_FALSE(q->edns.present);
  EXPECT_EQ(q->question_end, packet.size());
}

TEST(MessageTest, ParsesEdnsOpt) {
  auto packet = EncodeQuery(1, "a.b", rrtype::kA, true, 4096);
  auto q = ParseQuery(packet);
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->edns.present);
  EXPECT_EQ(q->edns.udp_size, 4096);
  EXPECT_EQ(q->edns.version, 0);
}

TEST(MessageTest, EdnsSizeBelow512CountsAs512) {
  auto q = ParseQuery(EncodeQuery(1, "a.b", rrtype::kA, true, 100));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->edns.udp_size, 512);
}

TEST(MessageTest, RejectsTwoOptRecords) {
  auto packet = EncodeQuery(1, "a.b", rrtype::kA, true, 1232);
  packet[11] = 2;  // arcount
  auto opt = Bytes({0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0});
  packet.insert(packet.end(), opt.begin(), opt.end());
  EXPECT_FALSE(ParseQuery(packet).ok());
}

TEST(MessageTest, FollowsBackwardCompressionPointers) {
  // Question "a.example" then an additional record whose name points at "example" (offset 14).
  std::vector<uint8_t> p = Bytes({0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1,  //
                                  1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
                                  // additional: name = "b" + pointer to 14, type TXT, class IN
                                  1, 'b', 0xC0, 14, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 1, 'x'});
  auto m = ParseMessage(p);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->additional.size(), 1u);
  EXPECT_EQ(m->additional[0].name, "b.example.");
  EXPECT_EQ(m->additional[0].data, "\"x\"");
}

TEST(MessageTest, RejectsPointerLoopsAndForwardPointers) {
  // The question name is a pointer to itself.
  auto self = Bytes({0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1});
  EXPECT_FALSE(ParseQuery(self).ok());
  // A forward pointer.
  auto forward = Bytes({0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 16, 0, 1, 0, 1, 1, 'a', 0});
  EXPECT_FALSE(ParseQuery(forward).ok());
}

TEST(MessageTest, RejectsTruncatedPackets) {
  auto packet = EncodeQuery(7, "web.default.svc.cluster.local", rrtype::kSrv, true, 1232);
  for (size_t n = 0; n < packet.size(); ++n) {
    std::vector<uint8_t> cut(packet.begin(), packet.begin() + n);
    auto q = ParseQuery(cut);
    // Every prefix is either rejected or (never) silently accepted with a question.
    EXPECT_FALSE(q.ok()) << "prefix of " << n << " bytes parsed";
  }
}

TEST(MessageTest, RejectsOverlongNamesAndResponses) {
  std::string name;
  for (int i = 0; i < 5; ++i) name += std::string(60, 'a') + ".";
  EXPECT_FALSE(ParseQuery(EncodeQuery(1, name, rrtype::kA)).ok());  // > 255 bytes
  auto response = EncodeQuery(1, "a.b", rrtype::kA);
  response[2] |= 0x80;  // QR
  EXPECT_FALSE(ParseQuery(response).ok());
}

TEST(MessageTest, MarksUnusualLabels) {
  auto packet = Bytes({0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', '.', 'b', 0, 0, 1, 0, 1});
  auto q = ParseQuery(packet);
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->question.unusual);
  EXPECT_EQ(q->question.name, "a\\046b");
}

TEST(MessageTest, QdcountOtherThanOneParsesWithoutQuestion) {
  auto packet = Bytes({0, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  auto q = ParseQuery(packet);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->header.qdcount, 0);
  EXPECT_TRUE(q->question.name.empty());
}

TEST(MessageTest, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  for (int i = 0; i < 200000; ++i) {
    size_t n = rng() % 80;
    std::vector<uint8_t> p(n);
    for (auto& b : p) b = static_cast<uint8_t>(rng());
    if (n > 5 && i % 2 == 0) p[5] = 1, p[4] = 0, p[2] &= 0x7f;  // look like a query
    auto q = ParseQuery(p);
    if (q.ok()) {
      Response r;
      r.answer.push_back(Record::A("", 5, {1, 2, 3, 4}));
      auto out = EncodeResponse(p, *q, r, 512);
      EXPECT_TRUE(ParseMessage(out).ok());
    }
    (void)ParseMessage(p);
  }
}

TEST(MessageTest, MutatedQueriesNeverCrash) {
  std::mt19937 rng(7);
  auto base = EncodeQuery(3, "_http._tcp.web.default.svc.cluster.local", rrtype::kSrv, true, 1232);
  for (int i = 0; i < 100000; ++i) {
    auto p = base;
    for (int k = 0; k < 3; ++k) p[rng() % p.size()] = static_cast<uint8_t>(rng());
    auto q = ParseQuery(p);
    if (q.ok()) {
      Response r;
      r.edns = q->edns.present;
      r.answer.push_back(Record::Srv("", 5, 0, 100, 80, "web.default.svc.cluster.local"));
      auto out = EncodeResponse(p, *q, r, 512);
      EXPECT_TRUE(ParseMessage(out).ok());
    }
  }
}

Query MustParse(const std::vector<uint8_t>& p) {
  auto q = ParseQuery(p);
  EXPECT_TRUE(q.ok());
  return *q;
}

TEST(MessageTest, EncodesAnswerWithCompressionAndEchoesQuestionCase) {
  auto packet = EncodeQuery(0xBEEF, "_HTTP._tcp.web.default.svc.cluster.local", rrtype::kSrv);
  Query q = MustParse(packet);
  Response r;
  r.header.id = q.header.id;
  r.header.aa = true;
  r.answer.push_back(Record::Srv("", 5, 0, 50, 8080, "10-1-0-1.web.default.svc.cluster.local"));
  r.answer.push_back(Record::Srv("", 5, 0, 50, 8080, "10-1-0-2.web.default.svc.cluster.local"));
  r.additional.push_back(Record::A("10-1-0-1.web.default.svc.cluster.local", 5, {10, 1, 0, 1}));
  r.additional.push_back(Record::A("10-1-0-2.web.default.svc.cluster.local", 5, {10, 1, 0, 2}));
  auto out = EncodeResponse(packet, q, r, 512);
  auto m = ParseMessage(out);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->header.id, 0xBEEF);
  EXPECT_TRUE(m->header.qr);
  EXPECT_TRUE(m->header.aa);
  ASSERT_EQ(m->answer.size(), 2u);
  EXPECT_EQ(m->answer[0].name, "_http._tcp.web.default.svc.cluster.local.");
  EXPECT_EQ(m->answer[0].data, "0 50 8080 10-1-0-1.web.default.svc.cluster.local.");
  ASSERT_EQ(m->additional.size(), 2u);
  EXPECT_EQ(m->additional[1].name, "10-1-0-2.web.default.svc.cluster.local.");
  EXPECT_EQ(m->additional[1].data, "10.1.0.2");
  // The echoed question keeps the client's letter case (0x20 randomisation).
  EXPECT_EQ(std::string(out.begin() + 13, out.begin() + 18), "_HTTP");
  // Owner and additional names are compressed (SRV targets may not be, RFC 2782): spelled out,
  // the message would be about 280 bytes.
  EXPECT_LT(out.size(), 220u);
}

TEST(MessageTest, TruncatesAnswersThatDoNotFitAndKeepsOpt) {
  auto packet = EncodeQuery(1, "web.default.svc.cluster.local", rrtype::kA, true, 512);
  Query q = MustParse(packet);
  Response r;
  r.edns = true;
  for (int i = 0; i < 100; ++i) {
    r.answer.push_back(Record::A("", 5, {10, 0, 0, static_cast<uint8_t>(i)}));
  }
  auto out = EncodeResponse(packet, q, r, 512);
  EXPECT_LE(out.size(), 512u);
  auto m = ParseMessage(out);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->header.tc);
  EXPECT_LT(m->answer.size(), 100u);
  EXPECT_TRUE(m->edns.present);
  // Over TCP everything fits.
  auto full = ParseMessage(EncodeResponse(packet, q, r, kMaxMessageSize));
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE(full->header.tc);
  EXPECT_EQ(full->answer.size(), 100u);
}

TEST(MessageTest, AdditionalRecordsThatDoNotFitAreDroppedWithoutTc) {
  auto packet = EncodeQuery(1, "x.cluster.local", rrtype::kSrv);
  Query q = MustParse(packet);
  Response r;
  r.answer.push_back(Record::Srv("", 5, 0, 100, 80, "x.cluster.local"));
  for (int i = 0; i < 60; ++i) {
    r.additional.push_back(
        Record::A("host" + std::to_string(i) + ".x.cluster.local", 5, {10, 0, 0, 1}));
  }
  auto m = ParseMessage(EncodeResponse(packet, q, r, 512));
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->header.tc);
  EXPECT_EQ(m->answer.size(), 1u);
  EXPECT_LT(m->additional.size(), 60u);
}

TEST(MessageTest, EncodesSoaTxtPtrAndExtendedRcode) {
  auto packet = EncodeQuery(1, "nope.cluster.local", rrtype::kA, true, 1232);
  Query q = MustParse(packet);
  Response r;
  r.rcode = Rcode::kBadVers;
  r.edns = true;
  Record soa;
  soa.name = "cluster.local";
  soa.type = rrtype::kSoa;
  soa.ttl = 5;
  soa.target = "ns.dns.cluster.local";
  soa.text = "hostmaster.cluster.local";
  soa.serial = 42;
  soa.refresh = 7200;
  soa.retry = 1800;
  soa.expire = 86400;
  soa.minimum = 5;
  r.authority.push_back(soa);
  r.answer.push_back(Record::Txt("", 5, "1.1.0"));
  r.answer.push_back(Record::Ptr("", 5, "web.default.svc.cluster.local"));
  auto m = ParseMessage(EncodeResponse(packet, q, r, 1232));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->header.rcode, 16);
  ASSERT_EQ(m->authority.size(), 1u);
  EXPECT_EQ(m->authority[0].data,
            "ns.dns.cluster.local. hostmaster.cluster.local. 42 7200 1800 86400 5");
  EXPECT_EQ(m->answer[0].data, "\"1.1.0\"");
  EXPECT_EQ(m->answer[1].data, "web.default.svc.cluster.local.");
}

}  // namespace
}  // namespace tinyk8s::dns
