#include "api/names.h"

#include <gtest/gtest.h>

#include <set>

namespace tinyk8s::api {
namespace {

TEST(NamesTest, Dns1123Subdomain) {
  EXPECT_TRUE(IsDns1123Subdomain("example.com").empty());
  EXPECT_TRUE(IsDns1123Subdomain("a").empty());
  EXPECT_TRUE(IsDns1123Subdomain("my-pod-1").empty());
  for (const char* bad : {"", "A", "a_b", "-a", "a-", "a..b", ".a", "a.", "a b"}) {
    auto errs = IsDns1123Subdomain(bad);
    ASSERT_EQ(errs.size(), 1u) << bad;
    EXPECT_EQ(errs[0],
              "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
              "'-' or '.', and must start and end with an alphanumeric character (e.g. "
              "'example.com', regex used for validation is "
              "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  }
  auto long_errs = IsDns1123Subdomain(std::string(254, 'a'));
  ASSERT_EQ(long_errs.size(), 1u);
  EXPECT_EQ(long_errs[0], "must be no more than 253 characters");
}

TEST(NamesTest, Dns1123Label) {
  EXPECT_TRUE(IsDns1123Label("kube-system").empty());
  auto dots = IsDns1123Label("a.b");
  ASSERT_EQ(dots.size(), 1u);
  EXPECT_EQ(dots[0], "must not contain dots");
  auto bad = IsDns1123Label("Abc");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0],
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
            "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
            "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  EXPECT_EQ(IsDns1123Label(std::string(64, 'a')).size(), 1u);
  EXPECT_TRUE(IsDns1035Label("abc-1").empty());
  EXPECT_EQ(IsDns1035Label("1abc").size(), 1u);
}

TEST(NamesTest, ObjectNameAllowsGenerateNamePrefix) {
  EXPECT_TRUE(ValidateObjectName("web-", /*prefix=*/true).empty());
  EXPECT_FALSE(ValidateObjectName("web-", /*prefix=*/false).empty());
}

TEST(NamesTest, GeneratedSuffixesAndUids) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string s = GenerateNameSuffix();
    ASSERT_EQ(s.size(), 5u);
    EXPECT_EQ(s.find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), std::string::npos) << s;
    seen.insert(s);
  }
  EXPECT_GT(seen.size(), 190u);
  EXPECT_EQ(GenerateName(std::string(70, 'a') + "-").size(), 63u);
  std::string uid = NewUid();
  ASSERT_EQ(uid.size(), 36u);
  EXPECT_EQ(uid[14], '4');
  EXPECT_NE(std::string("89ab").find(uid[19]), std::string::npos);
  EXPECT_EQ(uid[8], '-');
  EXPECT_NE(NewUid(), uid);
}

}  // namespace
}  // namespace tinyk8s::api
