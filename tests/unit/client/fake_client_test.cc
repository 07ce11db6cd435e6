#include "tests/fakes/fake_client.h"

#include <gtest/gtest.h>

#include "api/json.h"
#include "api/meta.h"
#include "tests/unit/client/test_server.h"

namespace tinyk8s::testing {
namespace {

using client::testing::Json;
using client::testing::PodJson;
namespace resources = client::resources;

TEST(FakeClientTest, TracksObjectsVersionsAndActions) {
  FakeClient fake;
  auto p = fake.Create(resources::Pods(), "ns", PodJson("ns", "a"));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(api::Uid(**p).empty());
  EXPECT_EQ(fake.Create(resources::Pods(), "ns", PodJson("ns", "a")).status().code(),
            StatusCode::kAlreadyExists);
  rapidjson::Document stale = api::CloneDocument(**p);
  ASSERT_TRUE(fake.Update(resources::Pods(), stale).ok());
  EXPECT_EQ(fake.Update(resources::Pods(), stale).status().code(), StatusCode::kConflict);
  ASSERT_TRUE(fake.CreateSubresource(resources::Pods(), "ns", "a", "binding",
                                     Json(R"({"target":{"name":"n1"}})"))
                  .ok());
  EXPECT_EQ(api::GetString(**fake.Get(resources::Pods(), "ns", "a"), {"spec", "nodeName"}), "n1");
  fake.PrependReactor("delete", "pods", [](const FakeAction&) -> std::optional<Status> {
    return Status::Internal("injected");
  });
  EXPECT_EQ(fake.Delete(resources::Pods(), "ns", "a").status().code(), StatusCode::kInternal);
  EXPECT_EQ(fake.WriteActions(),
            (std::vector<std::string>{"create pods ns/a", "create pods ns/a", "update pods ns/a",
                                      "update pods ns/a", "create pods/binding ns/a",
                                      "delete pods ns/a"}));
}

TEST(FakeClientTest, FinalizersDelayDeletion) {
  FakeClient fake;
  fake.Add(resources::Namespaces(), R"({"metadata":{"name":"x","finalizers":["f"]}})");
  auto d = fake.Delete(resources::Namespaces(), "", "x");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(api::HasDeletionTimestamp(**d));
  ASSERT_TRUE(fake.Patch(resources::Namespaces(), "", "x", client::PatchType::kMerge,
                         R"({"metadata":{"finalizers":null}})")
                  .ok());
  EXPECT_TRUE(fake.Get(resources::Namespaces(), "", "x").status().IsNotFound());
}

TEST(FakeClientTest, WatchReplaysFromVersionOrExpires) {
  FakeClient fake;
  fake.Add(resources::Nodes(), R"({"metadata":{"name":"n1"}})");
  std::string rv = std::to_string(fake.ResourceVersion());
  fake.Add(resources::Nodes(), R"({"metadata":{"name":"n2"}})");
  client::WatchOptions o;
  o.resource_version = rv;
  auto w = fake.Watch(resources::Nodes(), "", o);
  ASSERT_TRUE(w.ok());
  client::WatchEvent ev;
  ASSERT_EQ((*w)->Next(&ev, std::chrono::seconds(1)), client::WatchStream::NextResult::kEvent);
  EXPECT_EQ(api::Name(*ev.object), "n2");
  fake.SetHistoryLimit(0);
  auto old = fake.Watch(resources::Nodes(), "", o);
  ASSERT_TRUE(old.ok());
  ASSERT_EQ((*old)->Next(&ev, std::chrono::seconds(1)), client::WatchStream::NextResult::kEvent);
  EXPECT_EQ(ev.type, client::WatchEventType::kError);
  EXPECT_TRUE(ev.error.IsGone());
}

}  // namespace
}  // namespace tinyk8s::testing
