// End-to-end: the fieldValidation parameter over raw HTTP for every body kind (JSON, YAML,
// protobuf, the three patch types, server-side apply). Without the parameter the server
// behaves like upstream's default, Warn: unknown and duplicate fields are dropped and each is
// reported in a `Warning: 299 - "..."` header. Unknown fields are never stored.
#include <gtest/gtest.h>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

const std::string kDaemonSets = "/apis/apps/v1/namespaces/fv/daemonsets";

// A DaemonSet with unknown fields at three depths and two duplicated known fields.
std::string BadDaemonSet(const std::string& name) {
  return R"({"apiVersion":"apps/v1","kind":"DaemonSet",)"
         R"("metadata":{"name":"dupe","name":")" +
         name +
         R"(","unknownMeta":1},)"
         R"("spec":{"minReadySeconds":1,"minReadySeconds":2,"unknown1":"x",)"
         R"("selector":{"matchLabels":{"app":"a"}},)"
         R"("template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[)"
         R"({"name":"c","image":"i","unknownNested":true}]}}}})";
}

const std::vector<std::string> kBadDaemonSetWarnings = {
    R"(299 - "duplicate field \"metadata.name\"")",
    R"(299 - "unknown field \"metadata.unknownMeta\"")",
    R"(299 - "duplicate field \"spec.minReadySeconds\"")",
    R"(299 - "unknown field \"spec.unknown1\"")",
    R"(299 - "unknown field \"spec.template.spec.containers[0].unknownNested\"")",
};

class FieldValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>();
    ASSERT_TRUE(cluster_->ok()) << "server did not start";
    auto ns = cluster_->Http("POST", "/api/v1/namespaces",
                             R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fv"}})");
    ASSERT_EQ(ns.status, 201) << ns.body;
  }
  void TearDown() override {
    if (cluster_) {
      EXPECT_EQ(cluster_->Stop(), 0);
    }
  }
  // The stored object; fails the test when it holds any of the unknown field names.
  std::string Stored(const std::string& target) {
    auto got = cluster_->Http("GET", target);
    EXPECT_EQ(got.status, 200) << got.body;
    for (const char* unknown : {"unknown", "foo"}) {
      EXPECT_EQ(got.body.find(unknown), std::string::npos) << got.body;
    }
    return got.body;
  }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(FieldValidationTest, CreateAndUpdateWarnByDefault) {
  auto created = cluster_->Http("POST", kDaemonSets, BadDaemonSet("a"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.warnings, kBadDaemonSetWarnings);
  EXPECT_NE(Stored(kDaemonSets + "/a").find("\"minReadySeconds\":2"), std::string::npos);

  // An empty value is the default too.
  auto empty = cluster_->Http("POST", kDaemonSets + "?fieldValidation=", BadDaemonSet("b"));
  ASSERT_EQ(empty.status, 201) << empty.body;
  EXPECT_EQ(empty.warnings, kBadDaemonSetWarnings);

  auto ignored = cluster_->Http("POST", kDaemonSets + "?fieldValidation=Ignore", BadDaemonSet("c"));
  ASSERT_EQ(ignored.status, 201) << ignored.body;
  EXPECT_TRUE(ignored.warnings.empty());
  Stored(kDaemonSets + "/c");

  auto strict = cluster_->Http("POST", kDaemonSets + "?fieldValidation=Strict", BadDaemonSet("d"));
  EXPECT_EQ(strict.status, 400);
  EXPECT_NE(strict.body.find("strict decoding error: duplicate field \\\"metadata.name\\\", "
                             "unknown field \\\"metadata.unknownMeta\\\""),
            std::string::npos)
      << strict.body;
  EXPECT_EQ(cluster_->Http("GET", kDaemonSets + "/d").status, 404);

  auto bogus = cluster_->Http("POST", kDaemonSets + "?fieldValidation=Loose", BadDaemonSet("e"));
  EXPECT_EQ(bogus.status, 400) << bogus.body;
  EXPECT_EQ(cluster_->Http("GET", kDaemonSets + "/e").status, 404);

  // PUT: the same default.
  std::string body = Stored(kDaemonSets + "/a");
  std::string rv = body.substr(body.find("\"resourceVersion\":\"") + 19);
  rv = rv.substr(0, rv.find('"'));
  std::string put_body = BadDaemonSet("a");
  put_body.replace(put_body.find("\"unknownMeta\":1"), 15,
                   "\"unknownMeta\":1,\"resourceVersion\":\"" + rv + "\"");
  auto put = cluster_->Http("PUT", kDaemonSets + "/a", put_body);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.warnings, kBadDaemonSetWarnings);
  Stored(kDaemonSets + "/a");
}

// A body of thousands of unknown fields: pruned in linear time, warnings within upstream's
// header budget, nothing unknown stored.
TEST_F(FieldValidationTest, ManyUnknownFields) {
  std::string body = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"many"})";
  for (int i = 0; i < 20000; ++i)
    body += ",\"unknown" + std::to_string(i) + "\":" + std::to_string(i);
  body += "}";
  auto created = cluster_->Http("POST", "/api/v1/namespaces/fv/configmaps", body);
  ASSERT_EQ(created.status, 201) << created.body.substr(0, 300);
  EXPECT_GT(created.warnings.size(), 10u);
  EXPECT_LT(created.warnings.size(), 400u);
  EXPECT_EQ(created.warnings.front(), R"(299 - "unknown field \"unknown0\"")");
  Stored("/api/v1/namespaces/fv/configmaps/many");
}

TEST_F(FieldValidationTest, YamlAndProtobufBodies) {
  // Repeated YAML keys are reported with go-yaml's wording and line, before unknown fields.
  const std::string yaml =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yml\n  foo: 1\ndata:\n  k: v\n  k: w\n";
  const std::string configmaps = "/api/v1/namespaces/fv/configmaps";
  auto strict =
      cluster_->Http("POST", configmaps + "?fieldValidation=Strict", yaml, "application/yaml");
  EXPECT_EQ(strict.status, 400);
  EXPECT_NE(strict.body.find("ConfigMap in version \\\"v1\\\" cannot be handled as a ConfigMap: "
                             "strict decoding error: yaml: unmarshal errors:\\n  line 8: key "
                             "\\\"k\\\" already set in map, unknown field \\\"metadata.foo\\\""),
            std::string::npos)
      << strict.body;
  auto created = cluster_->Http("POST", configmaps, yaml, "application/yaml");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.warnings,
            (std::vector<std::string>{R"(299 - "line 8: key \"k\" already set in map")",
                                      R"(299 - "unknown field \"metadata.foo\"")"}));
  EXPECT_NE(Stored(configmaps + "/yml").find("\"data\":{\"k\":\"w\"}"), std::string::npos);

  // Protobuf has no names for unknown fields: an unknown field number is skipped silently, as
  // upstream's decoder does, and never stored.
  std::string meta = std::string("\x0a\x02pb", 4);       // ObjectMeta.name = "pb"
  std::string unknown = std::string("\xf8\x07\x01", 3);  // field 127, varint 1
  std::string ns = std::string("\x0a", 1) + static_cast<char>(meta.size()) + meta + unknown;
  std::string proto = std::string("k8s\0", 4) + "\x0a\x0f\x0a\x02v1\x12\x09Namespace" + "\x12" +
                      static_cast<char>(ns.size()) + ns;
  auto pb =
      cluster_->Http("POST", "/api/v1/namespaces", proto, "application/vnd.kubernetes.protobuf");
  ASSERT_EQ(pb.status, 201) << pb.body;
  EXPECT_TRUE(pb.warnings.empty());
  Stored("/api/v1/namespaces/pb");
}

TEST_F(FieldValidationTest, PatchesWarnByDefault) {
  ASSERT_EQ(cluster_
                ->Http("POST", "/api/v1/namespaces/fv/configmaps",
                       R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p"}})")
                .status,
            201);
  const std::string item = "/api/v1/namespaces/fv/configmaps/p";
  struct Patch {
    std::string content_type, body;
  };
  const std::vector<Patch> patches = {
      {"application/merge-patch+json", R"({"data":{"a":"1"},"foo":1})"},
      {"application/strategic-merge-patch+json", R"({"data":{"b":"2"},"foo":1})"},
      {"application/json-patch+json", R"([{"op":"add","path":"/foo","value":1}])"},
  };
  for (const Patch& p : patches) {
    SCOPED_TRACE(p.content_type);
    auto warned = cluster_->Http("PATCH", item, p.body, p.content_type);
    ASSERT_EQ(warned.status, 200) << warned.body;
    EXPECT_EQ(warned.warnings, std::vector<std::string>{R"(299 - "unknown field \"foo\"")"});
    Stored(item);
    auto ignored =
        cluster_->Http("PATCH", item + "?fieldValidation=Ignore", p.body, p.content_type);
    ASSERT_EQ(ignored.status, 200) << ignored.body;
    EXPECT_TRUE(ignored.warnings.empty());
    // Upstream refuses a patched object that does not decode strictly as 422 Invalid on the
    // field "patch" (not 400 as for create and update).
    auto strict = cluster_->Http("PATCH", item + "?fieldValidation=Strict", p.body, p.content_type);
    EXPECT_EQ(strict.status, 422) << strict.body;
    EXPECT_NE(strict.body.find(R"("message":" \"\" is invalid: patch: Invalid value: \")"),
              std::string::npos)
        << strict.body;
    EXPECT_NE(strict.body.find("\": strict decoding error: unknown field \\\"foo\\\"\","
                               "\"reason\":\"Invalid\",\"details\":{\"causes\":[{"
                               "\"reason\":\"FieldValueInvalid\""),
              std::string::npos)
        << strict.body;
  }
  EXPECT_NE(Stored(item).find(R"("data":{"a":"1","b":"2"})"), std::string::npos);

  // Members repeated in the patch body itself.
  for (const char* type :
       {"application/merge-patch+json", "application/strategic-merge-patch+json"}) {
    SCOPED_TRACE(type);
    const std::string twice = R"({"data":{"c":"1","c":"2"}})";
    auto strict = cluster_->Http("PATCH", item + "?fieldValidation=Strict", twice, type);
    EXPECT_EQ(strict.status, 422) << strict.body;
    EXPECT_NE(strict.body.find("\": strict decoding error: duplicate field \\\"data.c\\\"\""),
              std::string::npos)
        << strict.body;
    auto warned = cluster_->Http("PATCH", item, twice, type);
    ASSERT_EQ(warned.status, 200) << warned.body;
    EXPECT_EQ(warned.warnings, std::vector<std::string>{R"(299 - "duplicate field \"data.c\"")"});
  }
  EXPECT_NE(Stored(item).find(R"("c":"2")"), std::string::npos);
}

// Server-side apply types the configuration first: undeclared fields and values of the wrong
// type are refused in every mode, in structured-merge-diff's words and with upstream's 500
// without a reason (its error is a plain Go error there); duplicates follow the mode.
TEST_F(FieldValidationTest, ServerSideApply) {
  const std::string item = kDaemonSets + "/s";
  const std::string apply = "application/apply-patch+yaml";
  const std::string good =
      R"({"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"s","namespace":"fv"},)"
      R"("spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":)"
      R"({"app":"a"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})";
  std::string unknown = good;
  unknown.replace(unknown.find("\"image\":\"i\""), 11, "\"image\":\"i\",\"foo\":1");
  for (std::string mode :
       {"", "&fieldValidation=Ignore", "&fieldValidation=Warn", "&fieldValidation=Strict"}) {
    SCOPED_TRACE(mode);
    auto refused = cluster_->Http("PATCH", item + "?fieldManager=m" + mode, unknown, apply);
    // Upstream returns structured-merge-diff's error as it is: 500 without a reason.
    EXPECT_EQ(refused.status, 500) << refused.body;
    EXPECT_EQ(refused.body.find("\"reason\""), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("failed to create typed patch object (fv/s; apps/v1, "
                                "Kind=DaemonSet): .spec.template.spec.containers[name=\\\"c\\\"]"
                                ".foo: field not declared in schema"),
              std::string::npos)
        << refused.body;
    EXPECT_EQ(cluster_->Http("GET", item).status, 404);
  }

  // Values of the wrong type, in structured-merge-diff's words; kubectl shows the message.
  std::string wrong = good;
  wrong.replace(wrong.find("\"selector\""), 0, R"("minReadySeconds":"5",)");
  auto typed = cluster_->Http("PATCH", item + "?fieldManager=m", wrong, apply);
  EXPECT_EQ(typed.status, 500) << typed.body;
  EXPECT_NE(typed.body.find(R"("message":"failed to create typed patch object (fv/s; apps/v1, )"
                            R"(Kind=DaemonSet): .spec.minReadySeconds: expected numeric (int or )"
                            R"(float), got string","code":500})"),
            std::string::npos)
      << typed.body;
  if (TestCluster::KubectlAvailable("1.32")) {
    auto applied =
        cluster_->Kubectl({"apply", "--server-side", "--field-manager=m", "-f", "-"}, wrong);
    EXPECT_EQ(applied.exit_code, 1);
    EXPECT_NE(applied.err.find("Error from server: failed to create typed patch object (fv/s; "
                               "apps/v1, Kind=DaemonSet): .spec.minReadySeconds: expected numeric "
                               "(int or float), got string\n"),
              std::string::npos)
        << applied.err;
  }
  EXPECT_EQ(cluster_->Http("GET", item).status, 404);

  // The body is YAML (here in flow style, on one line): repeated keys by line.
  std::string duplicate = good;
  duplicate.replace(duplicate.find("\"image\":\"i\""), 11, "\"image\":\"x\",\"image\":\"i\"");
  auto strict =
      cluster_->Http("PATCH", item + "?fieldManager=m&fieldValidation=Strict", duplicate, apply);
  EXPECT_EQ(strict.status, 400) << strict.body;
  EXPECT_NE(strict.body.find("error strict decoding YAML: error converting YAML to JSON: yaml: "
                             "unmarshal errors:\\n  line 1: key \\\"image\\\" already set in map"),
            std::string::npos)
      << strict.body;
  EXPECT_EQ(cluster_->Http("GET", item).status, 404);
  auto warned = cluster_->Http("PATCH", item + "?fieldManager=m", duplicate, apply);
  ASSERT_EQ(warned.status, 201) << warned.body;
  EXPECT_EQ(warned.warnings,
            std::vector<std::string>{R"(299 - "line 1: key \"image\" already set in map")"});
  auto ignored =
      cluster_->Http("PATCH", item + "?fieldManager=m&fieldValidation=Ignore", duplicate, apply);
  ASSERT_EQ(ignored.status, 200) << ignored.body;
  EXPECT_TRUE(ignored.warnings.empty());
  EXPECT_NE(Stored(item).find("\"image\":\"i\""), std::string::npos);
}

// A value of the wrong JSON type anywhere in the schema (here deep in a pod's dnsConfig, and in
// a DaemonSet's pod template) is refused whatever the field validation mode, in the words of
// upstream's decoder as kubectl 1.32 prints them; nothing is stored.
TEST_F(FieldValidationTest, WrongTypesAreRefusedInTheDecodersWords) {
  if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 not installed";
  const std::string pod = R"(apiVersion: v1
kind: Pod
metadata: {name: web, namespace: fv}
spec:
  containers: [{name: c, image: i}]
  dnsConfig: {nameservers: "1.2.3.4"}
)";
  auto applied = cluster_->Kubectl({"apply", "-f", "-"}, pod);
  EXPECT_EQ(applied.exit_code, 1);
  EXPECT_EQ(applied.err,
            "Error from server (BadRequest): error when creating \"STDIN\": Pod in version \"v1\" "
            "cannot be handled as a Pod: json: cannot unmarshal string into Go struct field "
            "PodDNSConfig.spec.dnsConfig.nameservers of type []string\n");
  EXPECT_EQ(cluster_->Http("GET", "/api/v1/namespaces/fv/pods/web").status, 404);

  const std::string ds = R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: fv}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers: [{name: c, image: i}]
      dnsConfig: {options: [{name: ndots, value: "2"}, {name: 1}]}
)";
  applied = cluster_->Kubectl({"apply", "--validate=false", "-f", "-"}, ds);
  EXPECT_EQ(applied.exit_code, 1);
  EXPECT_EQ(applied.err,
            "Error from server (BadRequest): error when creating \"STDIN\": DaemonSet in version "
            "\"v1\" cannot be handled as a DaemonSet: json: cannot unmarshal number into Go struct "
            "field PodDNSConfigOption.spec.template.spec.dnsConfig.options.name of type string\n");
  EXPECT_EQ(cluster_->Http("GET", kDaemonSets + "/agent").status, 404);
}

// A patch whose result holds a value of the wrong type is refused as upstream's patch handler
// does, as kubectl 1.32 prints it: 422 Invalid on the field "patch", whose value is the patched
// object (JSON and merge patches) or the patch as a Go map (strategic merge); nothing is stored.
TEST_F(FieldValidationTest, PatchesToTheWrongTypeAreInvalid) {
  if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 not installed";
  const std::string item = "/api/v1/namespaces/fv/configmaps/cm";
  ASSERT_EQ(cluster_
                ->Http("POST", "/api/v1/namespaces/fv/configmaps",
                       R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},)"
                       R"("data":{"a":"1"}})")
                .status,
            201);
  struct Case {
    std::string type, patch;
  };
  for (const Case& c : std::vector<Case>{{"json", R"([{"op":"add","path":"/data/b","value":2}])"},
                                         {"merge", R"({"data":{"b":2}})"}}) {
    SCOPED_TRACE(c.type);
    auto patched = cluster_->Kubectl(
        {"patch", "configmap", "cm", "-n", "fv", "--type=" + c.type, "-p", c.patch});
    EXPECT_EQ(patched.exit_code, 1);
    const std::string head = "The request is invalid: patch: Invalid value: \"{";
    const std::string tail =
        "}\": json: cannot unmarshal number into Go struct field ConfigMap.data of type string\n";
    EXPECT_EQ(patched.err.substr(0, head.size()), head) << patched.err;
    ASSERT_GE(patched.err.size(), tail.size()) << patched.err;
    EXPECT_EQ(patched.err.substr(patched.err.size() - tail.size()), tail) << patched.err;
    EXPECT_NE(patched.err.find(R"(\"data\":{\"a\":\"1\",\"b\":2})"), std::string::npos)
        << patched.err;
  }
  auto raw = cluster_->Http("PATCH", item, R"({"data":{"b":2}})", "application/merge-patch+json");
  EXPECT_EQ(raw.status, 422) << raw.body;
  EXPECT_NE(
      raw.body.find(R"("reason":"Invalid","details":{"causes":[{"reason":"FieldValueInvalid",)"
                    R"("message":"Invalid value: \"{)"),
      std::string::npos)
      << raw.body;
  EXPECT_NE(raw.body.find(R"(,"field":"patch"}]},"code":422})"), std::string::npos) << raw.body;

  auto strategic =
      cluster_->Kubectl({"patch", "configmap", "cm", "-n", "fv", "--type=strategic", "-p",
                         R"({"data":{"b":2,"c":"x y"},"metadata":{"labels":{"l":"v"}}})"});
  EXPECT_EQ(strategic.exit_code, 1);
  EXPECT_EQ(strategic.err,
            "The request is invalid: patch: Invalid value: \"map[data:map[b:2 c:x y] "
            "metadata:map[labels:map[l:v]]]\": cannot convert int64 to string\n");
  // Under Strict unknown fields are refused the same way, sorted as upstream's converter
  // reports them (and warned in that order under Warn, kubectl patch's default).
  const std::string unknown = R"({"zz":1,"data":{"b":"2"},"foo":{"x":1}})";
  auto strict = cluster_->Http("PATCH", item + "?fieldValidation=Strict", unknown,
                               "application/strategic-merge-patch+json");
  EXPECT_EQ(strict.status, 422) << strict.body;
  EXPECT_NE(strict.body.find(R"("message":" \"\" is invalid: patch: Invalid value: \"map[data:)"
                             R"(map[b:2] foo:map[x:1] zz:1]\": strict decoding error: unknown )"
                             R"(field \"foo\", unknown field \"zz\"")"),
            std::string::npos)
      << strict.body;
  EXPECT_EQ(Stored(item).find("\"b\""), std::string::npos);
  EXPECT_EQ(Stored(item).find("labels"), std::string::npos);
  auto warned = cluster_->Kubectl(
      {"patch", "configmap", "cm", "-n", "fv", "--type=strategic", "-p", unknown});
  EXPECT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_EQ(warned.err, "Warning: unknown field \"foo\"\nWarning: unknown field \"zz\"\n");
  EXPECT_NE(Stored(item).find(R"("data":{"a":"1","b":"2"})"), std::string::npos);
}

}  // namespace
}  // namespace tinyk8s::testing
