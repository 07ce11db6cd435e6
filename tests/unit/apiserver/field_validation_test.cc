// The fieldValidation parameter and the Warning headers it produces (apiserver/field_validation.h).
#include "apiserver/field_validation.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "api/json.h"
#include "apiserver/field_errors.h"

namespace tinyk8s::apiserver {
namespace {

Result<FieldValidation> ModeOf(const std::map<std::string, std::string>& query) {
  HttpRequest req;
  req.query = query;
  return FieldValidationFrom(req);
}

TEST(FieldValidationTest, WarnIsTheDefault) {
  EXPECT_EQ(*ModeOf({}), FieldValidation::kWarn);
  EXPECT_EQ(*ModeOf({{"fieldValidation", ""}}), FieldValidation::kWarn);
  EXPECT_EQ(*ModeOf({{"fieldValidation", "Warn"}}), FieldValidation::kWarn);
  EXPECT_EQ(*ModeOf({{"fieldValidation", "Ignore"}}), FieldValidation::kIgnore);
  EXPECT_EQ(*ModeOf({{"fieldValidation", "Strict"}}), FieldValidation::kStrict);
  auto bad = ModeOf({{"fieldValidation", "strict"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kBadRequest);
}

TEST(FieldValidationTest, DuplicateFieldsOfPatches) {
  auto patch = api::ParseJson(
      R"({"spec":{"paused":true,"paused":false,"template":{"spec":{"containers":[{"name":"a",)"
      R"("image":"x","image":"y"}]}}},"metadata":{},"metadata":{}})");
  ASSERT_TRUE(patch.ok());
  EXPECT_EQ(DuplicateFields(*patch),
            (std::vector<std::string>{"duplicate field \"spec.paused\"",
                                      "duplicate field \"spec.template.spec.containers[0].image\"",
                                      "duplicate field \"metadata\""}));
  auto clean = api::ParseJson(R"({"a":{"b":[{"c":1},{"c":2}]},"d":1})");
  EXPECT_TRUE(DuplicateFields(*clean).empty());
}

// A patch result that does not decode: 422 Invalid without kind or name, on the field "patch".
TEST(FieldValidationTest, PatchNotDecodableIsInvalidOnThePatch) {
  Status s = PatchNotDecodable("{\"a\":\"x\\ny\"}", "strict decoding error: unknown field \"a\"");
  EXPECT_EQ(s.code(), StatusCode::kInvalid);
  EXPECT_EQ(s.message(),
            R"( "" is invalid: patch: Invalid value: "{\"a\":\"x\\ny\"}": strict decoding error: )"
            R"(unknown field "a")");
  EXPECT_TRUE(s.details().name.empty() && s.details().kind.empty());
  ASSERT_EQ(s.field_errors().size(), 1u);
  EXPECT_EQ(s.field_errors()[0].type, "FieldValueInvalid");
  EXPECT_EQ(s.field_errors()[0].field, "patch");
  EXPECT_EQ(s.field_errors()[0].message,
            R"(Invalid value: "{\"a\":\"x\\ny\"}": strict decoding error: unknown field "a")");
}

std::vector<std::string> Headers(const std::vector<std::string>& warnings) {
  HttpResponse response;
  AddWarningHeaders(response, warnings);
  std::vector<std::string> out;
  for (const auto& [name, value] : response.headers) {
    EXPECT_EQ(name, "Warning");
    out.push_back(value);
  }
  return out;
}

TEST(FieldValidationTest, WarningHeadersAreEscapedAndDeduplicated) {
  EXPECT_EQ(
      Headers({"unknown field \"spec.foo\"", "a \\ b", "unknown field \"spec.foo\""}),
      (std::vector<std::string>{R"(299 - "unknown field \"spec.foo\"")", R"(299 - "a \\ b")"}));
}

// Thousands of unknown fields: headers stay within upstream's 4096-character budget.
TEST(FieldValidationTest, WarningHeadersAreBounded) {
  std::vector<std::string> many;
  for (int i = 0; i < 10000; ++i) many.push_back("unknown field \"f" + std::to_string(i) + "\"");
  many.push_back(std::string(1000, 'x'));
  auto headers = Headers(many);
  size_t total = 0;
  for (const auto& h : headers) {
    // The warning text: without 299 - "..." and the escaping backslashes.
    total += h.size() - 8 - std::count(h.begin(), h.end(), '\\');
  }
  EXPECT_LT(headers.size(), many.size());
  EXPECT_GE(total, 4096u);
  EXPECT_LT(total, 4096u + 256u + 64u);
  EXPECT_EQ(headers.front(), R"(299 - "unknown field \"f0\"")");

  // Within the budget nothing is cut.
  std::vector<std::string> few = {std::string(1000, 'y'), "z"};
  auto kept = Headers(few);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].size(), 1000u + 8u);
  // Over it, long items are cut to 256 characters.
  std::vector<std::string> long_ones(5, "");
  for (size_t i = 0; i < long_ones.size(); ++i) long_ones[i] = std::string(1000, 'a' + i);
  auto cut = Headers(long_ones);
  ASSERT_EQ(cut.size(), 5u);
  for (const auto& h : cut) EXPECT_EQ(h.size(), 256u + 8u) << h;
}

}  // namespace
}  // namespace tinyk8s::apiserver
