// GCC 12 reports false -Wrestrict positives on short std::string operations at -O2
// (GCC bug 105329); silence them in this test only.
#pragma GCC diagnostic ignored "-Wrestrict"

#include "client/event_recorder.h"

#include <gtest/gtest.h>

#include "api/json.h"
#include "api/meta.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/client/test_server.h"

namespace tinyk8s::client {
namespace {

using testing::Json;
using testing::PodJson;
using testing::TestServer;

TEST(EventRecorderTest, WritesAndAggregatesIdenticalEvents) {
  TestServer ts;
  tinyk8s::testing::FakeClock clock;
  auto pod = ts.client().Create(resources::Pods(), "default", PodJson("default", "p"));
  ASSERT_TRUE(pod.ok());
  EventRecorder rec(ts.client(), clock,
                    EventRecorderOptions{"daemonset-controller", "host1", "dsc-1"});
  rec.Event(**pod, kEventTypeNormal, "SuccessfulCreate", "Created pod: p");
  clock.Advance(std::chrono::seconds(5));
  rec.Event(**pod, kEventTypeNormal, "SuccessfulCreate", "Created pod: p");
  clock.Advance(std::chrono::seconds(5));
  rec.Event(**pod, kEventTypeNormal, "SuccessfulCreate", "Created pod: p");
  rec.Event(**pod, kEventTypeWarning, "FailedCreate", "quota");
  auto node = Json(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","uid":"nu"}})");
  rec.Event(node, kEventTypeNormal, "Starting", "Starting kubelet.");
  ASSERT_TRUE(rec.Flush(std::chrono::seconds(20)));
  EXPECT_EQ(rec.stats().created, 3);
  EXPECT_EQ(rec.stats().patched, 2);

  auto events = ts.client().List(resources::Events(), "default");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->items.size(), 3u);
  const rapidjson::Value* created = nullptr;
  for (auto& e : events->items) {
    if (api::GetString(*e, {"reason"}) == "SuccessfulCreate") created = e.get();
  }
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(api::GetInt(*created, {"count"}), 3);
  EXPECT_EQ(api::GetString(*created, {"involvedObject", "uid"}), api::Uid(**pod));
  EXPECT_EQ(api::GetString(*created, {"involvedObject", "kind"}), "Pod");
  EXPECT_EQ(api::GetString(*created, {"source", "component"}), "daemonset-controller");
  EXPECT_EQ(api::GetString(*created, {"source", "host"}), "host1");
  EXPECT_EQ(api::GetString(*created, {"reportingComponent"}), "daemonset-controller");
  EXPECT_EQ(api::GetString(*created, {"firstTimestamp"}), "2024-01-01T00:00:00Z");
  EXPECT_EQ(api::GetString(*created, {"lastTimestamp"}), "2024-01-01T00:00:10Z");
  EXPECT_EQ(api::Name(*created).rfind("p.", 0), 0u);
}

// EventAt dates an event from an earlier moment, and a per-event host speaks for that host: the
// event sorts (by time, then by its time-derived name) before later ones recorded sooner.
TEST(EventRecorderTest, EventAtAndPerEventHost) {
  TestServer ts;
  tinyk8s::testing::FakeClock clock;
  auto pod = ts.client().Create(resources::Pods(), "default", PodJson("default", "p"));
  ASSERT_TRUE(pod.ok());
  EventRecorder rec(ts.client(), clock, EventRecorderOptions{"kubelet"});
  const auto decided = clock.Now();
  clock.Advance(std::chrono::seconds(2));
  rec.Event(ObjectReference::Of(**pod), kEventTypeNormal, "Started", "Started container c",
            "node01");
  rec.EventAt(decided, ObjectReference::Of(**pod), kEventTypeNormal, "Scheduled", "assigned");
  ASSERT_TRUE(rec.Flush(std::chrono::seconds(20)));
  auto events = ts.client().List(resources::Events(), "default");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->items.size(), 2u);
  const rapidjson::Value& first = *events->items[0];  // listed by name
  const rapidjson::Value& second = *events->items[1];
  EXPECT_EQ(api::GetString(first, {"reason"}), "Scheduled");
  EXPECT_EQ(api::GetString(first, {"firstTimestamp"}), "2024-01-01T00:00:00Z");
  EXPECT_EQ(api::GetString(first, {"reportingInstance"}), "");
  EXPECT_EQ(api::GetString(second, {"reason"}), "Started");
  EXPECT_EQ(api::GetString(second, {"firstTimestamp"}), "2024-01-01T00:00:02Z");
  EXPECT_EQ(api::GetString(second, {"source", "host"}), "node01");
  EXPECT_EQ(api::GetString(second, {"reportingInstance"}), "node01");
}

TEST(EventRecorderTest, DropsWhenQueueIsFullInsteadOfBlocking) {
  // A client whose server does not exist: writes fail slowly-ish; the queue fills.
  RestConfig config;
  config.server = "http://127.0.0.1:1";
  auto c = RestClient::Create(config);
  ASSERT_TRUE(c.ok());
  tinyk8s::testing::FakeClock clock;
  EventRecorderOptions o{"x"};
  o.queue_size = 2;
  EventRecorder rec(**c, clock, o);
  auto obj = Json(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"d"}})");
  for (int i = 0; i < 50; ++i) rec.Event(obj, kEventTypeNormal, "R", "m" + std::to_string(i));
  ASSERT_TRUE(rec.Flush(std::chrono::seconds(30)));
  auto s = rec.stats();
  EXPECT_EQ(s.created + s.failed + s.dropped, 50);
  EXPECT_GT(s.dropped, 0);
}

}  // namespace
}  // namespace tinyk8s::client
