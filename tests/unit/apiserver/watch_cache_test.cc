// Cached objects: stamping resourceVersion into stored JSON without a DOM must give exactly
// what stamping the parsed document gives.
#include "apiserver/watch_cache.h"

#include <gtest/gtest.h>

#include "api/json.h"

namespace tinyk8s::apiserver {
namespace {

std::string ViaDocument(const std::string& json, storage::Revision rev) {
  auto doc = api::ParseJson(json);
  EXPECT_TRUE(doc.ok()) << json;
  return MakeCachedObject("/k", std::move(doc).value(), rev)->json;
}

std::string ViaText(const std::string& json, storage::Revision rev) {
  auto obj = MakeCachedObject("/k", json, rev);
  EXPECT_TRUE(obj.ok()) << json;
  return obj.ok() ? (*obj)->json : "";
}

TEST(CachedObjectTest, StampedTextEqualsStampedDocument) {
  const std::vector<std::string> stored = {
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"x":"y"}},"spec":{}})",
      R"({"spec":{"metadata":{"name":"inner"}},"metadata":{"name":"b"}})",
      R"({"kind":"X","metadata":{}})",
      R"({"kind":"X"})",
      R"({"kind":"X","metadata":{"name":"c","resourceVersion":"3"}})",
      R"({"a":"metadata","b":["metadata",{"metadata":{}}],"metadata":{"n":"}{\"\\"}})",
      R"({"metadata":{"annotations":{"resourceVersion":"not me"},"name":"d"}})",
      R"({"metadata":"not an object"})",
  };
  for (const auto& json : stored) {
    EXPECT_EQ(ViaText(json, 42), ViaDocument(json, 42)) << json;
    auto doc = api::ParseJson(ViaText(json, 42));
    ASSERT_TRUE(doc.ok()) << json;
    EXPECT_EQ(api::GetString(*doc, {"metadata", "resourceVersion"}), "42") << json;
  }
}

TEST(CachedObjectTest, DocParsesOnDemandAndSharesWhileHeld) {
  auto obj = MakeCachedObject("/k", std::string(R"({"metadata":{"name":"a"}})"), 7);
  ASSERT_TRUE(obj.ok());
  auto first = (*obj)->Doc();
  EXPECT_EQ(api::GetString(*first, {"metadata", "resourceVersion"}), "7");
  EXPECT_EQ((*obj)->Doc().get(), first.get());
}

}  // namespace
}  // namespace tinyk8s::apiserver
