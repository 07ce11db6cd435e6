#include "api/labels.h"

#include <gtest/gtest.h>

#include "tests/unit/api/test_util.h"

namespace tinyk8s::api {
namespace {

using testing::J;

TEST(LabelSelectorTest, ParsesAndRendersCanonically) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"", ""},
      {"a=b", "a=b"},
      {"a==b", "a==b"},
      {"a!=b", "a!=b"},
      {" a = b , c != d ", "a=b,c!=d"},
      {"z=1,a=2", "a=2,z=1"},  // sorted by key like upstream
      {"env in (prod, dev)", "env in (dev,prod)"},
      {"env notin (x)", "env notin (x)"},
      {"a", "a"},
      {"!a", "!a"},
      {"a,!b", "a,!b"},
      {"a=", "a="},
      {"a in ()", "a in ()"},
      {"a in (x,,y)", "a in (,x,y)"},
      {"in=notin", "in=notin"},
      {"x>1,y<10", "x>1,y<10"},
      {"example.com/app=web", "example.com/app=web"},
  };
  for (const Case& c : cases) {
    auto r = LabelSelector::Parse(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.status().message();
    EXPECT_EQ(r->ToString(), c.out) << c.in;
  }
}

TEST(LabelSelectorTest, RejectsBadSyntaxWithUpstreamMessages) {
  struct Case {
    const char* in;
    const char* msg;
  };
  const Case cases[] = {
      {"a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"},
      {"a=b,", "found '', expected: identifier after ','"},
      {",a", "found ',', expected: !, identifier, or 'end of string'"},
      {"a in b", "unable to parse requirement: found 'b' expected: '('"},
      {"a in (b", "unable to parse requirement: found '', expected: ',' or ')'"},
      {"a=b c", "found 'c', expected: ',' or 'end of string'"},
      {"a>x", "for 'Gt', 'Lt' operators, the value must be an integer"},
      {"a=(", "unable to parse requirement: found '(', expected: identifier"},
      {"!a=b", "found '=', expected: ',' or 'end of string'"},
      {"a/b/c=d", "unable to parse requirement: key: Invalid value: \"a/b/c\": a qualified name"},
      {"-a=b", "name part must consist of alphanumeric characters"},
      {"a=-b", "values[0][a]: Invalid value: \"-b\": a valid label must be an empty string"},
  };
  for (const Case& c : cases) {
    auto r = LabelSelector::Parse(c.in);
    ASSERT_FALSE(r.ok()) << c.in;
    EXPECT_EQ(r.status().code(), StatusCode::kBadRequest);
    EXPECT_NE(r.status().message().find(c.msg), std::string::npos)
        << c.in << " -> " << r.status().message();
  }
}

TEST(LabelSelectorTest, Matches) {
  std::map<std::string, std::string> labels = {{"app", "web"}, {"tier", "front"}, {"n", "5"}};
  struct Case {
    const char* sel;
    bool want;
  };
  const Case cases[] = {
      {"", true},
      {"app=web", true},
      {"app=db", false},
      {"app!=db", true},
      {"missing!=x", true},
      {"app in (db,web)", true},
      {"app notin (web)", false},
      {"missing notin (x)", true},
      {"app", true},
      {"missing", false},
      {"!missing", true},
      {"!app", false},
      {"n>4", true},
      {"n>5", false},
      {"n<6", true},
      {"app>1", false},
      {"app=web,tier=back", false},
      {"missing=", false},
  };
  for (const Case& c : cases) {
    auto sel = LabelSelector::Parse(c.sel);
    ASSERT_TRUE(sel.ok()) << c.sel;
    EXPECT_EQ(sel->Matches(labels), c.want) << c.sel;
  }
  auto obj = J("{'app':'web','weird':5}");
  EXPECT_TRUE(LabelSelector::Parse("app=web,!weird")->Matches(&obj));  // non-strings ignored
  EXPECT_FALSE(LabelSelector::Parse("app")->Matches(nullptr));
  EXPECT_TRUE(LabelSelector::Parse("!app")->Matches(nullptr));
}

TEST(LabelSelectorTest, FromJson) {
  auto r = LabelSelector::FromJson(
      J("{'matchLabels':{'b':'2','a':'1'},'matchExpressions':[{'key':'c','operator':'In',"
        "'values':['y','x']},{'key':'d','operator':'DoesNotExist'}]}"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->ToString(), "a=1,b=2,c in (x,y),!d");
  EXPECT_TRUE(r->Matches({{"a", "1"}, {"b", "2"}, {"c", "x"}}));
  std::string v;
  EXPECT_TRUE(r->RequiresExactMatch("a", &v));
  EXPECT_EQ(v, "1");

  auto empty = LabelSelector::FromJson(J("{}"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->Empty());
  EXPECT_TRUE(empty->Matches(std::map<std::string, std::string>{}));

  auto null = LabelSelector::FromJson(J("null"));
  ASSERT_TRUE(null.ok());
  EXPECT_TRUE(null->MatchesNothing());
  EXPECT_FALSE(null->Matches(std::map<std::string, std::string>{}));
  auto missing = LabelSelector::FromJson(static_cast<const rapidjson::Value*>(nullptr));
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->MatchesNothing());

  auto bad_op = LabelSelector::FromJson(J("{'matchExpressions':[{'key':'a','operator':'Eq'}]}"));
  ASSERT_FALSE(bad_op.ok());
  EXPECT_EQ(bad_op.status().code(), StatusCode::kInvalid);
  EXPECT_EQ(bad_op.status().message(), "\"Eq\" is not a valid label selector operator");
  auto no_values =
      LabelSelector::FromJson(J("{'matchExpressions':[{'key':'a','operator':'In','values':[]}]}"));
  ASSERT_FALSE(no_values.ok());
  EXPECT_NE(no_values.status().message().find("values set can't be empty"), std::string::npos);
  auto exists_values = LabelSelector::FromJson(
      J("{'matchExpressions':[{'key':'a','operator':'Exists','values':['x']}]}"));
  EXPECT_FALSE(exists_values.ok());
  EXPECT_FALSE(LabelSelector::FromJson(J("{'matchLabels':{'a':1}}")).ok());
  EXPECT_FALSE(LabelSelector::FromJson(J("[]")).ok());
}

TEST(LabelValidationTest, KeysAndValues) {
  EXPECT_TRUE(ValidateLabelKey("app").empty());
  EXPECT_TRUE(ValidateLabelKey("kubernetes.io/hostname").empty());
  auto empty = ValidateLabelKey("");
  ASSERT_EQ(empty.size(), 2u);
  EXPECT_EQ(empty[0], "name part must be non-empty");
  EXPECT_EQ(empty[1],
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
            "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  auto prefix = ValidateLabelKey("/a");
  ASSERT_EQ(prefix.size(), 1u);
  EXPECT_EQ(prefix[0], "prefix part must be non-empty");
  auto bad_prefix = ValidateLabelKey("Bad_Prefix/a");
  ASSERT_EQ(bad_prefix.size(), 1u);
  EXPECT_EQ(bad_prefix[0].rfind("prefix part a lowercase RFC 1123 subdomain", 0), 0u);
  EXPECT_EQ(ValidateLabelKey(std::string(64, 'a'))[0],
            "name part must be no more than 63 characters");

  EXPECT_TRUE(ValidateLabelValue("").empty());
  EXPECT_TRUE(ValidateLabelValue("v1.2_x-y").empty());
  auto bad = ValidateLabelValue("-x");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0],
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  "
            "or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_EQ(ValidateLabelValue(std::string(64, 'a')).size(), 1u);

  auto errs = ValidateLabels(J("{'ok':'v','-bad':'v','k':'-v'}"), "metadata.labels");
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0].field, "metadata.labels");
  EXPECT_EQ(errs[0].message.rfind("Invalid value: \"-bad\": name part", 0), 0u);
}

}  // namespace
}  // namespace tinyk8s::api
