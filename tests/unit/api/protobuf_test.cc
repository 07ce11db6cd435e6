// Protobuf request bodies decoded through the schema table: hand-built messages (as kubectl
// 1.32's typed client sends them), every special type, and random/truncated input.
#include "api/schema/protobuf.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/api/test_util.h"

namespace tinyk8s::api::schema {
namespace {

using testing::Canon;

// Minimal protobuf writer for building test messages.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}
std::string Key(int number, int wire) {
  return Varint((static_cast<uint64_t>(number) << 3) | wire);
}
std::string Bytes(int number, const std::string& data) {
  return Key(number, 2) + Varint(data.size()) + data;
}
std::string Int(int number, int64_t v) { return Key(number, 0) + Varint(static_cast<uint64_t>(v)); }
std::string MapEntry(int number, const std::string& k, const std::string& value_field) {
  return Bytes(number, Bytes(1, k) + value_field);
}

std::string Envelope(const std::string& api_version, const std::string& kind,
                     const std::string& raw) {
  return std::string(kProtobufMagic) + Bytes(1, Bytes(1, api_version) + Bytes(2, kind)) +
         Bytes(2, raw) + Bytes(4, "");
}

std::string Decode(const std::string& body) {
  auto doc = DecodeProtobufObject(body, BuiltinSchemas());
  if (!doc.ok()) return "ERROR: " + doc.status().message();
  return ToJsonSorted(*doc);
}

TEST(ProtobufTest, KubectlCreateNamespace) {
  // kubectl 1.32 `create namespace monitoring`: ObjectMeta with name (non-pointer empty fields
  // written too), an empty creationTimestamp, empty spec and status.
  std::string meta = Bytes(1, "monitoring") + Bytes(2, "") + Bytes(3, "") + Bytes(5, "") +
                     Bytes(6, "") + Int(7, 0) + Bytes(8, "");
  std::string ns = Bytes(1, meta) + Bytes(2, "") + Bytes(3, Bytes(1, ""));
  EXPECT_EQ(Decode(Envelope("v1", "Namespace", ns)),
            Canon("{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'monitoring'},"
                  "'spec':{},'status':{}}"));
}

// A time past what a nanosecond time point holds (year 2411 here) is refused, not overflowed
// (found by fuzzing: UBSan signed overflow in the conversion).
TEST(ProtobufTest, TimesPastTheRepresentableRangeAreRefused) {
  std::string meta = Bytes(1, "p") + Bytes(8, Int(1, 13941733373));
  auto r = DecodeProtobufObject(Envelope("v1", "ConfigMap", Bytes(1, meta)), BuiltinSchemas());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("time out of range"), std::string::npos)
      << r.status().message();
}

TEST(ProtobufTest, MetadataMapsListsAndTimes) {
  std::string owner =
      Bytes(1, "DaemonSet") + Bytes(3, "ds") + Bytes(4, "u1") + Bytes(5, "apps/v1") + Int(6, 1);
  std::string meta = Bytes(1, "p") + Bytes(3, "ns") + Int(7, 3) + Bytes(8, Int(1, 1700000000)) +
                     MapEntry(11, "app", Bytes(2, "web")) + MapEntry(11, "tier", Bytes(2, "")) +
                     MapEntry(12, "a", Bytes(2, "b")) + Bytes(13, owner) + Bytes(14, "f1") +
                     Bytes(14, "f2");
  std::string container =
      Bytes(1, "c") + Bytes(2, "nginx") + Bytes(4, "-v") + Bytes(4, "") +
      Bytes(6, Int(3, 80) + Bytes(4, "TCP")) +
      Bytes(8, MapEntry(1, "cpu", Bytes(2, Bytes(1, "100m")))) +
      Bytes(10, Bytes(1, Bytes(2, Bytes(2, Int(1, 0) + Int(2, 8080)))) + Int(2, 5));
  std::string volume = Bytes(1, "data") + Bytes(2, Bytes(2, Bytes(1, "Memory")));
  std::string spec = Bytes(1, volume) + Bytes(2, container) + Int(4, 30) + Int(11, 1) +
                     MapEntry(7, "disk", Bytes(2, "ssd"));
  EXPECT_EQ(
      Decode(Envelope("v1", "Pod", Bytes(1, meta) + Bytes(2, spec))),
      Canon(
          "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'ns',"
          "'generation':3,'creationTimestamp':'2023-11-14T22:13:20Z',"
          "'labels':{'app':'web','tier':''},'annotations':{'a':'b'},"
          "'ownerReferences':[{'kind':'DaemonSet','name':'ds','uid':'u1',"
          "'apiVersion':'apps/v1','controller':true}],'finalizers':['f1','f2']},"
          "'spec':{'volumes':[{'name':'data','emptyDir':{'medium':'Memory'}}],"
          "'containers':[{'name':'c','image':'nginx','args':['-v',''],"
          "'ports':[{'containerPort':80,'protocol':'TCP'}],"
          "'resources':{'limits':{'cpu':'100m'}},"
          "'livenessProbe':{'httpGet':{'port':8080},'initialDelaySeconds':5}}],"
          "'terminationGracePeriodSeconds':30,'hostNetwork':true,'nodeSelector':{'disk':'ssd'}}}"));
}

TEST(ProtobufTest, SpecialTypes) {
  // DaemonSet: intstr as string, negative int32, pointer zero kept, raw extension.
  std::string ru = Bytes(1, Int(1, 1) + Bytes(3, "25%")) + Bytes(2, Int(1, 0) + Int(2, 0));
  std::string spec = Bytes(3, Bytes(1, "RollingUpdate") + Bytes(2, ru)) + Int(4, -1) + Int(6, 0);
  EXPECT_EQ(Decode(Envelope("apps/v1", "DaemonSet", Bytes(2, spec))),
            Canon("{'apiVersion':'apps/v1','kind':'DaemonSet','spec':{'updateStrategy':{"
                  "'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':'25%','maxSurge':0}},"
                  "'minReadySeconds':-1,'revisionHistoryLimit':0}}"));
  std::string cr = Bytes(1, Bytes(1, "r1")) + Bytes(2, Bytes(1, R"({"spec":{"a":1}})")) + Int(3, 2);
  EXPECT_EQ(Decode(Envelope("apps/v1", "ControllerRevision", cr)),
            Canon("{'apiVersion':'apps/v1','kind':'ControllerRevision','metadata':{'name':'r1'},"
                  "'data':{'spec':{'a':1}},'revision':2}"));
  // MicroTime and bytes (ConfigMap binaryData).
  std::string lease =
      Bytes(2, Bytes(1, "holder") + Bytes(3, Int(1, 1700000000) + Int(2, 123456000)));
  EXPECT_EQ(Decode(Envelope("coordination.k8s.io/v1", "Lease", lease)),
            Canon("{'apiVersion':'coordination.k8s.io/v1','kind':'Lease','spec':{"
                  "'holderIdentity':'holder','acquireTime':'2023-11-14T22:13:20.123456Z'}}"));
  std::string cm = MapEntry(3, "bin", Bytes(2, std::string("\x00\x01", 2)));
  EXPECT_EQ(Decode(Envelope("v1", "ConfigMap", cm)),
            Canon("{'apiVersion':'v1','kind':'ConfigMap','binaryData':{'bin':'AAE='}}"));
}

TEST(ProtobufTest, MapOfStringLists) {
  // SelfSubjectReview status.userInfo.extra: map<string, ExtraValue{repeated string items = 1}>;
  // an entry without a value is an empty list.
  std::string user = Bytes(1, "bob") +
                     MapEntry(4, "scopes", Bytes(2, Bytes(1, "a") + Bytes(1, "b"))) +
                     MapEntry(4, "none", "") + MapEntry(4, "empty", Bytes(2, ""));
  EXPECT_EQ(
      Decode(Envelope("authentication.k8s.io/v1", "SelfSubjectReview", Bytes(2, Bytes(1, user)))),
      Canon("{'apiVersion':'authentication.k8s.io/v1','kind':'SelfSubjectReview',"
            "'status':{'userInfo':{'username':'bob','extra':{'scopes':['a','b'],"
            "'none':[],'empty':[]}}}}"));
  // kubectl auth whoami (1.32) sends an empty review.
  EXPECT_EQ(Decode(Envelope("authentication.k8s.io/v1", "SelfSubjectReview",
                            Bytes(1, "") + Bytes(2, ""))),
            Canon("{'apiVersion':'authentication.k8s.io/v1','kind':'SelfSubjectReview',"
                  "'metadata':{},'status':{}}"));
  // A list value that is not a message is malformed.
  EXPECT_EQ(Decode(Envelope("authentication.k8s.io/v1", "SelfSubjectReview",
                            Bytes(2, Bytes(1, MapEntry(4, "k", Int(2, 5))))))
                .rfind("ERROR", 0),
            0u);
}

TEST(ProtobufTest, UnknownFieldNumbersAreSkipped) {
  std::string ns = Bytes(1, Bytes(1, "x") + Int(99, 5) + Bytes(98, "zz")) + Key(50, 5) + "abcd" +
                   Key(51, 1) + "abcdefgh";
  EXPECT_EQ(Decode(Envelope("v1", "Namespace", ns)),
            Canon("{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'x'}}"));
}

TEST(ProtobufTest, Errors) {
  EXPECT_EQ(Decode("{}").rfind("ERROR: provided object is not", 0), 0u);
  EXPECT_EQ(Decode(Envelope("v1", "Nope", "")).rfind("ERROR: no kind \"Nope\"", 0), 0u);
  EXPECT_EQ(Decode(Envelope("v1", "Namespace", Bytes(1, Int(1, 5)))).rfind("ERROR: unable", 0), 0u);
  EXPECT_EQ(Decode(Envelope("v1", "Namespace", Bytes(1, Bytes(1, "\xff")))).rfind("ERROR", 0), 0u);
  std::string enc = std::string(kProtobufMagic) + Bytes(1, Bytes(1, "v1") + Bytes(2, "Namespace")) +
                    Bytes(3, "gzip");
  EXPECT_EQ(Decode(enc).rfind("ERROR: unable to decode protobuf body: unsupported", 0), 0u);
  // Group wire types and field number 0 are malformed.
  EXPECT_EQ(Decode(Envelope("v1", "Namespace", Key(1, 3))).rfind("ERROR", 0), 0u);
  EXPECT_EQ(Decode(Envelope("v1", "Namespace", std::string("\x00\x01", 2))).rfind("ERROR", 0), 0u);
}

TEST(ProtobufTest, TruncatedAndRandomInputNeverCrash) {
  std::string meta = Bytes(1, "n") + MapEntry(11, "a", Bytes(2, "b")) + Bytes(8, Int(1, 5));
  std::string container = Bytes(1, "c") + Bytes(6, Int(3, 80)) + Bytes(4, "x");
  std::string full =
      Envelope("v1", "Pod", Bytes(1, meta) + Bytes(2, Bytes(2, container) + Int(4, 30)));
  ASSERT_EQ(Decode(full).rfind("ERROR", 0), std::string::npos);
  for (size_t n = 0; n < full.size(); ++n) {
    auto r = DecodeProtobufObject(full.substr(0, n), BuiltinSchemas());
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kBadRequest);
    }
  }
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string body = full;
    int flips = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < flips; ++k) body[4 + rng() % (body.size() - 4)] = static_cast<char>(rng());
    auto r = DecodeProtobufObject(body, BuiltinSchemas());
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kBadRequest);
    }
  }
  for (int i = 0; i < 5000; ++i) {
    std::string body(kProtobufMagic);
    size_t len = rng() % 64;
    for (size_t k = 0; k < len; ++k) body += static_cast<char>(rng());
    (void)DecodeProtobufObject(body, BuiltinSchemas());
  }
}

}  // namespace
}  // namespace tinyk8s::api::schema
