#include "api/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/unit/api/test_util.h"

namespace tinyk8s::api {
namespace {

using testing::J;
using testing::Q;

TEST(ParseJsonTest, AcceptsValidDocuments) {
  for (const char* text : {"{}", "[]", "null", "1", "\"s\"", " {\"a\": [1, 2.5, true]} \n",
                           "{\"big\": 123456789012345678901234567890}"}) {
    EXPECT_TRUE(ParseJson(text).ok()) << text;
  }
}

TEST(ParseJsonTest, RejectsMalformedInputWithOffset) {
  struct Case {
    std::string text;
    std::string want;  // substring of the message
  };
  const Case cases[] = {
      {"", "offset 0"},
      {"{", "offset 1"},
      {"{} x", "offset 3: invalid character after top-level value"},
      {"{}{}", "offset 2"},
      {"[1,]", "offset"},
      {"{'a' 1}", "offset"},
      {"nul", "offset"},
      {std::string("{}\0garbage", 10), "offset 2"},
      {std::string("\"a\0b\"", 5), "offset"},
      {"\"\xff\"", "offset"},
      {"NaN", "offset"},
  };
  for (const Case& c : cases) {
    auto r = ParseJson(Q(c.text));
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kBadRequest);
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << r.status().message();
  }
}

// rapidjson's full-precision path read a zero with a large exponent or many zeros after the
// point as garbage ("0e50" gave -1.5e-266, "-0e101" 3.2e147, "0." and 31 zeros 1.2e-240) or
// refused it ("0e400"); Go's decoder reads 0.
TEST(ParseJsonTest, LongZeroIsZero) {
  const std::string many_zeros = "0." + std::string(400, '0');
  for (const std::string& text : std::vector<std::string>{
           "0e50", "-0e101", "0.000e300", "0E+400", "-0.0e-400", "0e1", "-0e5",
           "0.0000000000000000000000000000000", many_zeros, "-" + many_zeros}) {
    auto r = ParseJson(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().message();
    ASSERT_TRUE(r->IsDouble()) << text;  // still a float: an integer field refuses it
    EXPECT_EQ(r->GetDouble(), 0.0) << text;
    EXPECT_EQ(std::signbit(r->GetDouble()), text[0] == '-') << text;
  }
  auto doc = ParseJson(Q("{'a':[1.0e50,10e50,0e99,-0e99],'s':'0e99','b':0.5e-3}"));
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  EXPECT_EQ(ToJson(*doc), Q("{'a':[1e50,1e51,0.0,-0.0],'s':'0e99','b':0.0005}"));
  // Malformed numbers stay malformed, at the same offset.
  for (const char* text :
       {"[00e50]", "[0e]", "[0.e5]", "[-e5]", "[0e50x]", "[0e0e99]", "0.0000000000000000000000."}) {
    auto bad = ParseJson(text);
    EXPECT_FALSE(bad.ok()) << text;
  }
  auto offset = ParseJson("[0e50 x]");
  ASSERT_FALSE(offset.ok());
  EXPECT_NE(offset.status().message().find("offset 6"), std::string::npos)
      << offset.status().message();
}

// Numbers are converted correctly rounded whatever their length: rapidjson's own conversion
// read "-1777" and 170 zeros "E280" (-1.777e449) as +8.5e242, indexing past its power table.
TEST(ParseJsonTest, LongNumbersConvertExactly) {
  auto huge = ParseJson("-1777" + std::string(170, '0') + "E280");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().message(),
            "json parse error at offset 0: Number too big to be stored in double.");
  auto big = ParseJson("[1777" + std::string(170, '0') + "E100]");
  ASSERT_TRUE(big.ok()) << big.status().message();
  EXPECT_EQ((*big)[0].GetDouble(), 1.777e273);
  auto tiny = ParseJson("[1e-400,-1e-400,4.9e-324]");
  ASSERT_TRUE(tiny.ok()) << tiny.status().message();
  EXPECT_EQ((*tiny)[0].GetDouble(), 0.0);
  EXPECT_TRUE(std::signbit((*tiny)[1].GetDouble()));
  EXPECT_EQ((*tiny)[2].GetDouble(), 4.9e-324);
  auto ints = ParseJson(
      "[-0,9223372036854775807,-9223372036854775808,18446744073709551615,"
      "18446744073709551616,0.1,2.5e3]");
  ASSERT_TRUE(ints.ok()) << ints.status().message();
  EXPECT_TRUE((*ints)[0].IsInt() && (*ints)[0].GetInt() == 0);
  EXPECT_EQ((*ints)[1].GetInt64(), INT64_MAX);
  EXPECT_EQ((*ints)[2].GetInt64(), INT64_MIN);
  EXPECT_EQ((*ints)[3].GetUint64(), UINT64_MAX);
  EXPECT_TRUE((*ints)[4].IsDouble());
  EXPECT_EQ((*ints)[5].GetDouble(), 0.1);
  EXPECT_EQ((*ints)[6].GetDouble(), 2500.0);
  auto offset = ParseJson("[1, 2e999]");
  ASSERT_FALSE(offset.ok());
  EXPECT_NE(offset.status().message().find("offset 4"), std::string::npos)
      << offset.status().message();
}

TEST(ParseJsonTest, LimitsNestingDepth) {
  std::string deep(kMaxJsonDepth + 1, '[');
  auto r = ParseJson(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("max depth"), std::string::npos);
  // Brackets inside strings do not count.
  std::string in_string = "\"" + std::string(kMaxJsonDepth + 5, '[') + "\"";
  EXPECT_TRUE(ParseJson(in_string).ok());
  // Exactly at the limit parses and serializes.
  std::string ok_depth = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  auto ok = ParseJson(ok_depth);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ToJson(*ok).size(), ok_depth.size());
}

TEST(ParseJsonTest, NeverCrashesOnRandomOrTruncatedInput) {
  std::mt19937 rng(42);
  const std::string sample =
      Q("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'x','labels':{'a':'b'}},"
        "'spec':{'containers':[{'name':'c','image':'i','ports':[{'containerPort':80}]}]},"
        "'n':-1.5e3,'u':'\\u00e9\\n'}");
  for (size_t i = 0; i <= sample.size(); ++i) (void)ParseJson(sample.substr(0, i));
  const std::string alphabet = "{}[]\",:0123456789.eE+-truefalsn \\u";
  for (int iter = 0; iter < 3000; ++iter) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    auto r = ParseJson(s);
    if (r.ok()) (void)ToJson(*r);
  }
  for (int iter = 0; iter < 500; ++iter) {
    std::string s = sample;
    s[rng() % s.size()] = static_cast<char>(rng() % 256);
    (void)ParseJson(s);
  }
}

TEST(JsonPathTest, FindAndGetters) {
  auto doc = J("{'metadata':{'name':'n','generation':3,'flag':true,'labels':{'a':'b'}},'s':'x'}");
  EXPECT_EQ(GetString(doc, {"metadata", "name"}), "n");
  EXPECT_EQ(GetString(doc, {"metadata", "missing"}, "fb"), "fb");
  EXPECT_EQ(GetString(doc, {"s", "deeper"}, "fb"), "fb");             // crossing a non-object
  EXPECT_EQ(GetString(doc, {"metadata", "generation"}, "fb"), "fb");  // wrong type
  EXPECT_EQ(GetInt(doc, {"metadata", "generation"}), 3);
  EXPECT_EQ(GetInt(doc, {"metadata", "name"}, -1), -1);
  EXPECT_TRUE(GetBool(doc, {"metadata", "flag"}));
  EXPECT_FALSE(GetBool(doc, {"metadata", "nope"}));
  EXPECT_EQ(FindPath(doc, {}), &doc);
  EXPECT_EQ(FindPath(doc, {"metadata", "labels", "a", "b"}), nullptr);
  ASSERT_NE(FindPath(doc, {"metadata", "labels"}), nullptr);
}

TEST(JsonPathTest, Setters) {
  auto doc = J("{'metadata':{'name':'n'},'spec':5}");
  auto& a = doc.GetAllocator();
  rapidjson::Value& labels = EnsureObject(doc, {"metadata", "labels"}, a);
  SetString(labels, "app", "web", a);
  SetString(labels, "app", "db", a);                                    // overwrite in place
  rapidjson::Value& spec = EnsureObject(doc, {"spec", "template"}, a);  // replaces the 5
  SetInt(spec, "replicas", 2, a);
  SetBool(spec, "paused", true, a);
  EXPECT_EQ(ToJson(doc), Q("{'metadata':{'name':'n','labels':{'app':'db'}},"
                           "'spec':{'template':{'replicas':2,'paused':true}}}"));
  EXPECT_TRUE(RemoveMember(doc["metadata"], "name"));
  EXPECT_FALSE(RemoveMember(doc["metadata"], "name"));
  EXPECT_EQ(ToJson(doc["metadata"]), Q("{'labels':{'app':'db'}}"));
  rapidjson::Value scalar(3);
  EnsureObject(scalar, {"x"}, a);
  EXPECT_EQ(ToJson(scalar), Q("{'x':{}}"));
}

TEST(JsonEqualTest, DeepAndOrderInsensitive) {
  EXPECT_TRUE(JsonEqual(J("{'a':1,'b':[1,{'c':null}]}"), J("{'b':[1,{'c':null}],'a':1}")));
  EXPECT_TRUE(JsonEqual(J("1"), J("1.0")));
  EXPECT_FALSE(JsonEqual(J("[1,2]"), J("[2,1]")));
  EXPECT_FALSE(JsonEqual(J("{'a':1}"), J("{'a':1,'b':2}")));
  EXPECT_FALSE(JsonEqual(J("{'a':'1'}"), J("{'a':1}")));
  EXPECT_FALSE(JsonEqual(J("true"), J("false")));
  EXPECT_EQ(ToJsonSorted(J("{'b':{'d':1,'c':2},'a':[{'z':1,'y':2}]}")),
            Q("{'a':[{'y':2,'z':1}],'b':{'c':2,'d':1}}"));
}

}  // namespace
}  // namespace tinyk8s::api
