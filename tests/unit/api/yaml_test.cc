#include "api/yaml.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/api/test_util.h"

namespace tinyk8s::api {
namespace {

using testing::Q;

TEST(YamlTest, ScalarTyping) {
  auto r = YamlToJson(
      "s: hello\nq: \"123\"\nsq: 'true'\ni: 42\nneg: -7\nhex: 0x1F\nf: 1.5\ne: 1e3\n"
      "b1: true\nb2: no\nb3: On\nn1: null\nn2: ~\nn3:\nver: 1.2.3\ntagged: !!str 5\n"
      "inf: .inf\nblock: |\n  line1\n  line2\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(ToJson(*r),
            Q("{'s':'hello','q':'123','sq':'true','i':42,'neg':-7,'hex':31,'f':1.5,'e':1000,"
              "'b1':true,'b2':false,'b3':true,'n1':null,'n2':null,'n3':null,'ver':'1.2.3',"
              "'tagged':'5','inf':'.inf',"
              "'block':'line1\\nline2\\n'}"));
}

TEST(YamlTest, HugeIntegersBecomeDoubles) {
  auto r = YamlToJson("big: 123456789012345678901234\n");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)["big"].IsDouble());
  EXPECT_DOUBLE_EQ((*r)["big"].GetDouble(), 1.2345678901234568e23);
}

TEST(YamlTest, StructuresAndAnchors) {
  auto r = YamlToJson(
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: &l {app: web}\nspec:\n"
      "  containers:\n  - name: c\n    image: nginx\n    ports: [{containerPort: 80}]\n"
      "  extra: *l\n  1: numeric-key\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(ToJson(*r),
            Q("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'app':'web'}},"
              "'spec':{'containers':[{'name':'c','image':'nginx','ports':[{'containerPort':80}]}],"
              "'extra':{'app':'web'},'1':'numeric-key'}}"));
}

TEST(YamlTest, MultiDocument) {
  auto r = YamlToJsonMulti("---\na: 1\n---\n---\nb: 2\n...\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(ToJson((*r)[0]), Q("{'a':1}"));
  EXPECT_EQ(ToJson((*r)[1]), Q("{'b':2}"));
  auto single = YamlToJson("a: 1\n---\nb: 2\n");
  ASSERT_FALSE(single.ok());
  EXPECT_EQ(single.status().code(), StatusCode::kBadRequest);
  auto empty = YamlToJson("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->IsNull());
}

TEST(YamlTest, ErrorsAreBadRequest) {
  for (const char* bad : {"a: [1, 2", "a: b: c", "- a\nb: c", "{a: 1", "a: *nope", "\t- x"}) {
    auto r = YamlToJson(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kBadRequest);
    EXPECT_EQ(r.status().message().rfind("error converting YAML to JSON", 0), 0u)
        << r.status().message();
  }
  EXPECT_FALSE(YamlToJson("{[1]: x}").ok());  // non-scalar key
}

TEST(YamlTest, StrayCommaDoesNotHang) {
  // yaml-cpp 0.7 loops forever on these without our guard.
  for (const char* s : {",", "'a',", "- a\n,", "--- ,", "[a],", "# c\n,", " ,"}) {
    auto r = YamlToJsonMulti(s);
    EXPECT_FALSE(r.ok()) << s;
  }
  EXPECT_TRUE(YamlToJsonMulti("---\n---\n---\n").ok());
  EXPECT_TRUE(YamlToJson("a: b,c\nd: [1, 2]\n").ok());
}

TEST(YamlTest, DeepNestingIsRejectedNotFatal) {
  (void)YamlToJson(std::string(100000, '['));
  (void)YamlToJson(std::string(100000, '{'));
  std::string block;
  for (int i = 0; i < 3000; ++i) block += std::string(i, ' ') + "- \n";
  (void)YamlToJson(block);
}

TEST(YamlTest, AliasBombIsBounded) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = c;
  }
  auto r = YamlToJson(bomb);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too many nodes"), std::string::npos);
}

TEST(YamlTest, NeverCrashesOnRandomOrTruncatedInput) {
  const std::string sample =
      "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: ds\nspec:\n  template:\n"
      "    spec:\n      containers:\n      - name: \"c\"\n        args: ['a', \"b\"]\n"
      "        env: &e [{name: X, value: '1'}]\n      initContainers: [{name: i, env: *e}]\n";
  for (size_t i = 0; i <= sample.size(); ++i) (void)YamlToJsonMulti(sample.substr(0, i));
  std::mt19937 rng(5);
  const std::string alphabet = "ab: -[]{},&*!|>'\"\n\t#%@`?~0.";
  for (int iter = 0; iter < 3000; ++iter) {
    std::string s(rng() % 30, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    (void)YamlToJson(s);
  }
}

TEST(YamlTest, JsonToYamlRoundTrips) {
  auto doc = testing::J("{'a':'true','b':true,'c':[1,'2',null],'d':{'e':'x: y'},'f':''}");
  std::string yaml = JsonToYaml(doc);
  auto back = YamlToJson(yaml);
  ASSERT_TRUE(back.ok()) << yaml;
  EXPECT_TRUE(JsonEqual(*back, doc)) << yaml << "\n" << ToJson(*back);
}

TEST(YamlTest, RepeatedKeysKeepTheLastValueAndAreReported) {
  std::vector<std::string> duplicates;
  auto doc = YamlToJson("a: 1\nm:\n  x: 1\n  x: 2\na: 3\nf: {k: 1, k: 2}\n", &duplicates);
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  EXPECT_EQ(ToJson(*doc), R"({"a":3,"m":{"x":2},"f":{"k":2}})");
  EXPECT_EQ(duplicates, (std::vector<std::string>{"line 4: key \"x\" already set in map",
                                                  "line 5: key \"a\" already set in map",
                                                  "line 6: key \"k\" already set in map"}));
  auto quiet = YamlToJson("a: 1\na: 2\n");
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(ToJson(*quiet), R"({"a":2})");
}

}  // namespace
}  // namespace tinyk8s::api
