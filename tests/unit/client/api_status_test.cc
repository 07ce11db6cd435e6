#include "client/api_status.h"

#include <gtest/gtest.h>

namespace tinyk8s::client {
namespace {

TEST(ApiStatusTest, DecodesReasonMessageDetailsAndCauses) {
  Status s = StatusFromResponse(
      403,
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"p\" is forbidden: unable to create new content in namespace x because it is being terminated","reason":"Forbidden","details":{"name":"p","kind":"pods","causes":[{"reason":"NamespaceTerminating","message":"namespace x is being terminated","field":"metadata.namespace"}]},"code":403})");
  EXPECT_EQ(s.code(), StatusCode::kForbidden);
  EXPECT_EQ(s.details().name, "p");
  EXPECT_EQ(s.details().kind, "pods");
  EXPECT_TRUE(HasCause(s, "NamespaceTerminating"));
  EXPECT_FALSE(HasCause(s, "FieldValueInvalid"));
  ASSERT_EQ(s.field_errors().size(), 1u);
  EXPECT_EQ(s.field_errors()[0].field, "metadata.namespace");
}

TEST(ApiStatusTest, MapsReasonsAndFallsBackToHttpCode) {
  EXPECT_EQ(StatusCodeForReason("Expired", 410), StatusCode::kGone);
  EXPECT_EQ(StatusCodeForReason("Gone", 410), StatusCode::kGone);
  EXPECT_EQ(StatusCodeForReason("AlreadyExists", 409), StatusCode::kAlreadyExists);
  EXPECT_EQ(StatusCodeForReason("Conflict", 409), StatusCode::kConflict);
  EXPECT_EQ(StatusCodeForReason("", 409), StatusCode::kConflict);
  EXPECT_EQ(StatusCodeForReason("Whatever", 429), StatusCode::kTooManyRequests);
  EXPECT_EQ(StatusFromResponse(502, "bad gateway").code(), StatusCode::kInternal);
  EXPECT_EQ(StatusFromResponse(503, "").code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tinyk8s::client
