// Go's fmt renderings of decoded JSON, for upstream-worded error messages (api/go_print.h).
#include "api/go_print.h"

#include <gtest/gtest.h>

#include "api/json.h"

namespace tinyk8s::api {
namespace {

// A strategic merge patch is shown as Go prints the map it decodes to.
TEST(GoPrintTest, Printed) {
  auto patch = ParseJson(
      R"({"z":[1,-2.5,"s[",null,true,{}],"a":{"k":"two words","k":"last["},"n":1e21,"m":0.00001,)"
      R"("f":1.0,"g":123456.75})");
  ASSERT_TRUE(patch.ok());
  EXPECT_EQ(GoPrinted(*patch),
            "map[a:map[k:last[] f:1 g:123456.75 m:1e-05 n:1e+21 z:[1 -2.5 s[ <nil> true map[]]]");
}

TEST(GoPrintTest, SyntaxAndTypeName) {
  auto v = ParseJson(R"({"b":["x",2],"a":"q\"n"})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(GoSyntax(*v), R"(map[string]interface {}{"a":"q\"n", "b":[]interface {}{"x", 2}})");
  EXPECT_EQ(GoTypeName(*v), "map[string]interface {}");
  EXPECT_EQ(GoTypeName((*v)["b"]), "[]interface {}");
  EXPECT_EQ(GoTypeName((*v)["a"]), "string");
}

}  // namespace
}  // namespace tinyk8s::api
