#include "api/fields.h"

#include <gtest/gtest.h>

#include <map>

namespace tinyk8s::api {
namespace {

TEST(FieldSelectorTest, Parses) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"", ""},
      {"metadata.name=x", "metadata.name=x"},
      {"metadata.name==x", "metadata.name=x"},
      {"status.phase!=Running,spec.nodeName=n1", "spec.nodeName=n1,status.phase!=Running"},
      {"involvedObject.namespace=", "involvedObject.namespace="},
      {"a=x\\,y\\=z\\\\", "a=x\\,y\\=z\\\\"},
      {"a=b,,c=d", "a=b,c=d"},
  };
  for (const Case& c : cases) {
    auto r = FieldSelector::Parse(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.status().message();
    EXPECT_EQ(r->ToString(), c.out);
  }
  auto escaped = FieldSelector::Parse("a=x\\,y");
  ASSERT_TRUE(escaped.ok());
  ASSERT_EQ(escaped->requirements().size(), 1u);
  EXPECT_EQ(escaped->requirements()[0].value, "x,y");
}

TEST(FieldSelectorTest, RejectsMalformed) {
  struct Case {
    const char* in;
    const char* msg;
  };
  const Case cases[] = {
      {"abc", "invalid selector: 'abc'; can't understand 'abc'"},
      {"a=b,c", "can't understand 'c'"},
      {"a=b=c", "invalid field selector: unescaped character in value: 61"},
      {"a=\\x", "invalid field selector: invalid escape sequence: \\x"},
      {"a=x\\", "invalid field selector: invalid escape sequence: \\"},
  };
  for (const Case& c : cases) {
    auto r = FieldSelector::Parse(c.in);
    ASSERT_FALSE(r.ok()) << c.in;
    EXPECT_EQ(r.status().code(), StatusCode::kBadRequest);
    EXPECT_NE(r.status().message().find(c.msg), std::string::npos) << r.status().message();
  }
}

TEST(FieldSelectorTest, Matches) {
  std::map<std::string, std::string> fields = {{"metadata.name", "p"}, {"spec.nodeName", ""}};
  auto get = [&](std::string_view f) -> std::optional<std::string> {
    auto it = fields.find(std::string(f));
    if (it == fields.end()) return std::nullopt;
    return it->second;
  };
  struct Case {
    const char* sel;
    bool want;
  };
  const Case cases[] = {
      {"", true},
      {"metadata.name=p", true},
      {"metadata.name=q", false},
      {"metadata.name!=q", true},
      {"spec.nodeName=", true},
      {"spec.nodeName!=", false},
      {"unknown=", true},  // unknown fields read as ""
      {"metadata.name=p,spec.nodeName=n", false},
  };
  for (const Case& c : cases) {
    auto sel = FieldSelector::Parse(c.sel);
    ASSERT_TRUE(sel.ok());
    EXPECT_EQ(sel->Matches(get), c.want) << c.sel;
  }
  EXPECT_EQ(FieldSelector::Parse("spec.nodeName=n1")->RequiresExactMatch("spec.nodeName"), "n1");
  EXPECT_FALSE(FieldSelector::Parse("spec.nodeName!=n1")->RequiresExactMatch("spec.nodeName"));
}

}  // namespace
}  // namespace tinyk8s::api
