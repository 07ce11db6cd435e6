// GCC 12 reports false -Wrestrict positives on short std::string operations at -O2
// (GCC bug 105329); silence them in this test only.
#pragma GCC diagnostic ignored "-Wrestrict"

#include "client/rest_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "api/json.h"
#include "api/meta.h"
#include "client/api_status.h"
#include "tests/unit/client/test_server.h"

namespace tinyk8s::client {
namespace {

using testing::Json;
using testing::PodJson;
using testing::TestServer;

TEST(RestClientTest, CrudWithTypedErrors) {
  TestServer ts;
  RestClient& c = ts.client();
  const Resource& pods = resources::Pods();

  auto created = c.Create(pods, "default", PodJson("default", "p1"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_FALSE(api::Uid(**created).empty());
  std::string rv1 = api::ResourceVersion(**created);

  auto dup = c.Create(pods, "default", PodJson("default", "p1"));
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().details().name, "p1");

  auto got = c.Get(pods, "default", "p1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(api::Name(**got), "p1");
  EXPECT_EQ(c.Get(pods, "default", "nope").status().code(), StatusCode::kNotFound);

  // Update with a stale resourceVersion conflicts.
  rapidjson::Document upd = api::CloneDocument(**got);
  api::SetString(api::EnsureObject(upd, {"metadata", "labels"}, upd.GetAllocator()), "x", "1",
                 upd.GetAllocator());
  auto updated = c.Update(pods, upd);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(c.Update(pods, upd).status().code(), StatusCode::kConflict);

  // Status subresource.
  rapidjson::Document st = api::CloneDocument(**updated);
  api::SetString(api::EnsureObject(st, {"status"}, st.GetAllocator()), "phase", "Running",
                 st.GetAllocator());
  auto st_res = c.Update(pods, st, "status");
  ASSERT_TRUE(st_res.ok()) << st_res.status().ToString();
  EXPECT_EQ(api::GetString(**st_res, {"status", "phase"}), "Running");

  // Patches: merge, JSON, strategic.
  auto m =
      c.Patch(pods, "default", "p1", PatchType::kMerge, R"({"metadata":{"labels":{"m":"1"}}})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(api::Label(**m, "m"), "1");
  auto j = c.Patch(pods, "default", "p1", PatchType::kJson,
                   R"([{"op":"add","path":"/metadata/labels/j","value":"2"}])");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(api::Label(**j, "j"), "2");
  auto s =
      c.Patch(pods, "default", "p1", PatchType::kStrategic, R"({"metadata":{"labels":{"s":"3"}}})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(api::Label(**s, "s"), "3");
  EXPECT_EQ(c.Patch(pods, "default", "nope", PatchType::kMerge, "{}").status().code(),
            StatusCode::kNotFound);

  // Invalid object: field errors come back as causes.
  auto bad = c.Create(
      pods, "default",
      Json(
          R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad"},"spec":{"containers":[]}})"));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalid);
  EXPECT_FALSE(bad.status().field_errors().empty());

  // Binding subresource.
  ASSERT_TRUE(c.Create(pods, "default", PodJson("default", "p2")).ok());
  auto bind = c.CreateSubresource(
      pods, "default", "p2", "binding",
      Json(
          R"({"apiVersion":"v1","kind":"Binding","metadata":{"name":"p2"},"target":{"apiVersion":"v1","kind":"Node","name":"n1"}})"));
  ASSERT_TRUE(bind.ok()) << bind.status().ToString();
  EXPECT_EQ(api::GetString(**c.Get(pods, "default", "p2"), {"spec", "nodeName"}), "n1");

  // Delete with a failing precondition, then for real.
  DeleteOptions pre;
  pre.precondition_uid = "not-the-uid";
  EXPECT_EQ(c.Delete(pods, "default", "p1", pre).status().code(), StatusCode::kConflict);
  DeleteOptions now;
  now.grace_period_seconds = 0;
  auto del = c.Delete(pods, "default", "p1", now);
  ASSERT_TRUE(del.ok()) << del.status().ToString();
  EXPECT_EQ(c.Get(pods, "default", "p1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c.Delete(pods, "default", "p1").status().code(), StatusCode::kNotFound);
  EXPECT_NE(rv1, "");
}

TEST(RestClientTest, ListFollowsPagesAndSelectors) {
  TestServer ts;
  RestClient& c = ts.client();
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(c.Create(resources::Pods(), "default",
                         PodJson("default", "p" + std::to_string(i), i % 2 ? "n1" : "n2",
                                 i < 5 ? R"({"tier":"a"})" : R"({"tier":"b"})"))
                    .ok());
  }
  ListOptions o;
  o.page_size = 7;
  auto all = c.List(resources::Pods(), "default", o);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->items.size(), 25u);
  EXPECT_FALSE(all->resource_version.empty());
  EXPECT_EQ(api::Kind(*all->items[0]), "Pod");
  o.label_selector = "tier=a";
  EXPECT_EQ(c.List(resources::Pods(), "", o)->items.size(), 5u);
  o.label_selector = "";
  o.field_selector = "spec.nodeName=n1";
  EXPECT_EQ(c.List(resources::Pods(), "", o)->items.size(), 12u);
  o.label_selector = "a in (";
  EXPECT_EQ(c.List(resources::Pods(), "", o).status().code(), StatusCode::kBadRequest);
}

TEST(RestClientTest, WatchDeliversTypedEventsAndBookmarks) {
  TestServer ts;
  RestClient& c = ts.client();
  auto list = c.List(resources::Pods(), "default");
  ASSERT_TRUE(list.ok());
  WatchOptions wo;
  wo.resource_version = list->resource_version;
  auto w = c.Watch(resources::Pods(), "default", wo);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE(c.Create(resources::Pods(), "default", PodJson("default", "w1")).ok());
  ASSERT_TRUE(c.Patch(resources::Pods(), "default", "w1", PatchType::kMerge,
                      R"({"metadata":{"labels":{"x":"y"}}})")
                  .ok());
  DeleteOptions now;
  now.grace_period_seconds = 0;
  ASSERT_TRUE(c.Delete(resources::Pods(), "default", "w1", now).ok());
  std::vector<std::string> seen;
  WatchEvent ev;
  while (seen.size() < 3 &&
         (*w)->Next(&ev, std::chrono::seconds(10)) == WatchStream::NextResult::kEvent) {
    if (ev.type == WatchEventType::kBookmark) continue;
    seen.push_back(std::string(WatchEventTypeName(ev.type)) + " " + api::Name(*ev.object));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED w1", "MODIFIED w1", "DELETED w1"}));
  // Stop from another thread wakes a blocked Next.
  std::thread stopper([&] { (*w)->Stop(); });
  EXPECT_EQ((*w)->Next(&ev, std::chrono::seconds(30)), WatchStream::NextResult::kEnd);
  stopper.join();
}

TEST(RestClientTest, WatchFromTooOldVersionYieldsGoneEvent) {
  TestServer ts;
  RestClient& c = ts.client();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Create(resources::ConfigMaps(), "default",
                         Json(R"({"metadata":{"name":"cm)" + std::to_string(i) + R"("}})"))
                    .ok());
  }
  ts.Restart();  // the new watch cache starts at the current revision
  WatchOptions wo;
  wo.resource_version = "1";
  auto w = c.Watch(resources::ConfigMaps(), "default", wo);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  WatchEvent ev;
  ASSERT_EQ((*w)->Next(&ev, std::chrono::seconds(10)), WatchStream::NextResult::kEvent);
  EXPECT_EQ(ev.type, WatchEventType::kError);
  EXPECT_EQ(ev.error.code(), StatusCode::kGone) << ev.error.ToString();
}

TEST(RestClientTest, ServerSideTimeoutEndsWatchCleanly) {
  TestServer ts;
  WatchOptions wo;
  wo.timeout_seconds = 1;
  auto w = ts.client().Watch(resources::Namespaces(), "", wo);
  ASSERT_TRUE(w.ok());
  WatchEvent ev;
  int events = 0;
  while ((*w)->Next(&ev, std::chrono::seconds(20)) == WatchStream::NextResult::kEvent) ++events;
  EXPECT_GE(events, 4);  // synthetic ADDED for the bootstrap namespaces
  EXPECT_TRUE((*w)->status().ok()) << (*w)->status().ToString();
}

TEST(RestClientTest, ManyThreadsShareThePool) {
  TestServer ts;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string name = "cm-" + std::to_string(t) + "-" + std::to_string(i);
        if (!ts.client()
                 .Create(resources::ConfigMaps(), "default",
                         Json(R"({"metadata":{"name":")" + name + R"("}})"))
                 .ok()) {
          ++failures;
        }
        if (!ts.client().Get(resources::ConfigMaps(), "default", name).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(ts.client().List(resources::ConfigMaps(), "default")->items.size(), 320u);
}

// Every pooled connection dies at once when the server closes its idle keep-alive connections
// (or restarts): a request must not fail because the next pooled connection is dead too.
TEST(RestClientTest, RequestAfterTheServerDroppedEveryPooledConnection) {
  TestServer ts;
  // Park several connections: concurrent requests each need their own.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i)
        EXPECT_TRUE(ts.client().List(resources::ConfigMaps(), "default").ok());
    });
  }
  for (auto& th : threads) th.join();
  ts.Restart();
  auto got = ts.client().Get(resources::Namespaces(), "", "default");
  EXPECT_TRUE(got.ok()) << got.status().ToString();
}

TEST(RestClientTest, TransportErrorsAreUnavailable) {
  RestConfig config;
  config.server = "http://127.0.0.1:1";
  auto c = RestClient::Create(config);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->Get(resources::Pods(), "default", "x").status().code(), StatusCode::kUnavailable);
  config.server = "ftp://x";
  EXPECT_EQ(RestClient::Create(config).status().code(), StatusCode::kInvalid);
  config.server = "https://127.0.0.1:1";
  config.ca_data = "not a pem";
  EXPECT_EQ(RestClient::Create(config).status().code(), StatusCode::kInvalid);
}

}  // namespace
}  // namespace tinyk8s::client
