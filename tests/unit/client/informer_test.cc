#include "client/informer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "api/json.h"
#include "api/meta.h"
#include "tests/fakes/fake_client.h"
#include "tests/unit/client/test_server.h"
#include "tests/unit/eventually.h"

namespace tinyk8s::client {
namespace {

using std::chrono::seconds;
using testing::Json;
using testing::PodJson;
using testing::TestServer;
using tinyk8s::testing::Eventually;

// Records handler calls as "ADD ns/name", "UPDATE ns/name", "DELETE ns/name[ unknown]".
class Recorder {
 public:
  ResourceEventHandler Handler() {
    return ResourceEventHandler{
        [this](const ObjectPtr& o) { Push("ADD " + ObjectKey::Of(*o).ToString()); },
        [this](const ObjectPtr& old_obj, const ObjectPtr& o) {
          if (old_obj != o) Push("UPDATE " + ObjectKey::Of(*o).ToString());
        },
        [this](const ObjectPtr& o, bool unknown) {
          Push("DELETE " + ObjectKey::Of(*o).ToString() + (unknown ? " unknown" : ""));
        }};
  }
  std::vector<std::string> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    auto out = std::move(events_);
    events_.clear();
    return out;
  }
  bool Has(const std::string& e) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::find(events_.begin(), events_.end(), e) != events_.end();
  }

 private:
  void Push(std::string e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(e));
  }
  std::mutex mu_;
  std::vector<std::string> events_;
};

// Client decorator that shortens watches and can force the next watch to start from a
// compacted version (so the real server answers 410 Expired).
class TweakingClient final : public Client {
 public:
  explicit TweakingClient(Client& inner) : inner_(inner) {}
  std::atomic<int64_t> watch_timeout_seconds{0};
  std::atomic<bool> force_expired_once{false};

  Result<ObjectPtr> Get(const Resource& r, std::string_view ns, std::string_view n) override {
    return inner_.Get(r, ns, n);
  }
  Result<ObjectPtr> GetSubresource(const Resource& r, std::string_view ns, std::string_view n,
                                   std::string_view s) override {
    return inner_.GetSubresource(r, ns, n, s);
  }
  Result<ObjectList> List(const Resource& r, std::string_view ns, const ListOptions& o) override {
    return inner_.List(r, ns, o);
  }
  Result<ObjectPtr> Create(const Resource& r, std::string_view ns, const rapidjson::Value& obj,
                           const WriteOptions& o) override {
    return inner_.Create(r, ns, obj, o);
  }
  Result<ObjectPtr> CreateSubresource(const Resource& r, std::string_view ns, std::string_view n,
                                      std::string_view s, const rapidjson::Value& b) override {
    return inner_.CreateSubresource(r, ns, n, s, b);
  }
  Result<ObjectPtr> Update(const Resource& r, const rapidjson::Value& obj, std::string_view s,
                           const WriteOptions& o) override {
    return inner_.Update(r, obj, s, o);
  }
  Result<ObjectPtr> Patch(const Resource& r, std::string_view ns, std::string_view n, PatchType t,
                          std::string_view p, std::string_view s, const WriteOptions& o) override {
    return inner_.Patch(r, ns, n, t, p, s, o);
  }
  Result<ObjectPtr> Delete(const Resource& r, std::string_view ns, std::string_view n,
                           const DeleteOptions& o) override {
    return inner_.Delete(r, ns, n, o);
  }
  Result<std::unique_ptr<WatchStream>> Watch(const Resource& r, std::string_view ns,
                                             const WatchOptions& o) override {
    WatchOptions copy = o;
    if (watch_timeout_seconds > 0) copy.timeout_seconds = watch_timeout_seconds;
    if (force_expired_once.exchange(false)) copy.resource_version = "1";
    return inner_.Watch(r, ns, copy);
  }

 private:
  Client& inner_;
};

TEST(InformerTest, SyncsAndDeliversAddUpdateDelete) {
  TestServer ts;
  RestClient& c = ts.client();
  ASSERT_TRUE(c.Create(resources::Pods(), "default", PodJson("default", "pre")).ok());
  SharedInformerFactory factory(c);
  Informer& pods = factory.ForResource(resources::Pods());
  EXPECT_EQ(&pods, &factory.ForResource(resources::Pods()));  // shared
  Recorder rec;
  pods.AddEventHandler(rec.Handler());
  factory.Start();
  ASSERT_TRUE(factory.WaitForCacheSync(seconds(20)));
  EXPECT_TRUE(pods.HasSynced());
  EXPECT_EQ(rec.Take(), std::vector<std::string>{"ADD default/pre"});

  ASSERT_TRUE(c.Create(resources::Pods(), "default", PodJson("default", "a")).ok());
  ASSERT_TRUE(c.Patch(resources::Pods(), "default", "a", PatchType::kMerge,
                      R"({"metadata":{"labels":{"v":"2"}}})")
                  .ok());
  DeleteOptions now;
  now.grace_period_seconds = 0;
  ASSERT_TRUE(c.Delete(resources::Pods(), "default", "a", now).ok());
  ASSERT_TRUE(Eventually([&] { return rec.Has("DELETE default/a"); }));
  EXPECT_EQ(rec.Take(),
            (std::vector<std::string>{"ADD default/a", "UPDATE default/a", "DELETE default/a"}));
  EXPECT_EQ(pods.lister().Get("default", "a"), nullptr);
  EXPECT_NE(pods.lister().Get("default", "pre"), nullptr);

  // A handler added late first gets the current content.
  Recorder late;
  pods.AddEventHandler(late.Handler());
  EXPECT_EQ(late.Take(), std::vector<std::string>{"ADD default/pre"});
}

TEST(InformerTest, CachesObjectsWithoutManagedFields) {
  TestServer ts;
  RestClient& c = ts.client();
  WriteOptions apply;
  apply.field_manager = "test";
  // Server-side apply records managedFields; one object before the list, one after (watch).
  auto applied = c.Patch(resources::Pods(), "default", "listed", PatchType::kApply,
                         api::ToJson(PodJson("default", "listed")), "", apply);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_NE(api::FindPath(**applied, {"metadata", "managedFields"}), nullptr);
  SharedInformerFactory factory(c);
  Informer& pods = factory.ForResource(resources::Pods());
  factory.Start();
  ASSERT_TRUE(factory.WaitForCacheSync(seconds(20)));
  ASSERT_TRUE(c.Patch(resources::Pods(), "default", "watched", PatchType::kApply,
                      api::ToJson(PodJson("default", "watched")), "", apply)
                  .ok());
  ASSERT_TRUE(Eventually([&] { return pods.lister().Get("default", "watched") != nullptr; }));
  for (const char* name : {"listed", "watched"}) {
    ObjectPtr cached = pods.lister().Get("default", name);
    ASSERT_NE(cached, nullptr) << name;
    EXPECT_EQ(api::FindPath(*cached, {"metadata", "managedFields"}), nullptr) << name;
    EXPECT_EQ(api::Name(*cached), name);
    EXPECT_FALSE(api::Uid(*cached).empty());
  }
}

TEST(InformerTest, TransformEditsListedAndWatchedObjects) {
  TestServer ts;
  RestClient& c = ts.client();
  ASSERT_TRUE(c.Create(resources::Pods(), "default", PodJson("default", "listed")).ok());
  SharedInformerFactory factory(c);
  Informer& pods = factory.ForResource(resources::Pods());
  pods.SetTransform([](rapidjson::Value& obj) {
    if (auto* spec = api::FindMemberMutable(obj, "spec")) api::RemoveMember(*spec, "containers");
  });
  factory.Start();
  ASSERT_TRUE(factory.WaitForCacheSync(seconds(20)));
  ASSERT_TRUE(c.Create(resources::Pods(), "default", PodJson("default", "watched")).ok());
  ASSERT_TRUE(Eventually([&] { return pods.lister().Get("default", "watched") != nullptr; }));
  for (const char* name : {"listed", "watched"}) {
    ObjectPtr cached = pods.lister().Get("default", name);
    ASSERT_NE(cached, nullptr) << name;
    EXPECT_EQ(api::FindPath(*cached, {"spec", "containers"}), nullptr) << name;
    EXPECT_EQ(api::Name(*cached), name);
  }
  // The server still has them: only the cache's copy was edited.
  auto live = c.Get(resources::Pods(), "default", "watched");
  ASSERT_TRUE(live.ok());
  EXPECT_NE(api::FindPath(**live, {"spec", "containers"}), nullptr);
}

TEST(InformerTest, IndexesAndListers) {
  TestServer ts;
  RestClient& c = ts.client();
  ASSERT_TRUE(c.Create(resources::Namespaces(), "", Json(R"({"metadata":{"name":"other"}})")).ok());
  ASSERT_TRUE(c.Create(resources::Pods(), "default", PodJson("default", "a", "n1")).ok());
  ASSERT_TRUE(
      c.Create(resources::Pods(), "default", PodJson("default", "b", "n2", R"({"app":"db"})"))
          .ok());
  rapidjson::Document owned = PodJson("other", "c", "n1");
  auto& al = owned.GetAllocator();
  rapidjson::Value refs(rapidjson::kArrayType);
  refs.PushBack(
      Json(
          R"({"apiVersion":"apps/v1","kind":"DaemonSet","name":"ds","uid":"ds-uid","controller":true})")
          .Move(),
      al);
  api::SetValue(api::EnsureObject(owned, {"metadata"}, al), "ownerReferences", refs, al);
  auto created = c.Create(resources::Pods(), "other", owned);
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  SharedInformerFactory factory(c);
  Informer& pods = factory.ForResource(resources::Pods());
  ASSERT_TRUE(pods.AddIndexers({{std::string(kNodeNameIndex), NodeNameIndexFunc},
                                {std::string(kOwnerUidIndex), ControllerUidIndexFunc},
                                {"app", LabelIndexFunc("app")}})
                  .ok());
  EXPECT_EQ(pods.AddIndexers({{std::string(kNodeNameIndex), NodeNameIndexFunc}}).code(),
            StatusCode::kAlreadyExists);
  factory.Start();
  ASSERT_TRUE(factory.WaitForCacheSync(seconds(20)));
  Lister l = pods.lister();
  EXPECT_EQ(l.ByIndex(kNodeNameIndex, "n1").size(), 2u);
  EXPECT_EQ(l.ByIndex(kNodeNameIndex, "n2").size(), 1u);
  EXPECT_EQ(l.ByIndex(kOwnerUidIndex, "ds-uid").size(), 1u);
  EXPECT_EQ(l.ByIndex("app", "db").size(), 1u);
  EXPECT_EQ(l.ListNamespace("default").size(), 2u);
  EXPECT_EQ(l.List(*api::LabelSelector::Parse("app=web")).size(), 2u);
  EXPECT_EQ(l.ListNamespace("default", *api::LabelSelector::Parse("app=web")).size(), 1u);

  // Index maintenance on update: binding moves nothing here; relabel moves "app".
  ASSERT_TRUE(c.Patch(resources::Pods(), "default", "b", PatchType::kMerge,
                      R"({"metadata":{"labels":{"app":"web"}}})")
                  .ok());
  ASSERT_TRUE(Eventually([&] { return l.ByIndex("app", "db").empty(); }));
  EXPECT_EQ(l.ByIndex("app", "web").size(), 3u);

  // A field-selected informer (what the node agent uses).
  InformerOptions on_n1;
  on_n1.field_selector = "spec.nodeName=n1";
  Informer& n1 = factory.ForResource(resources::Pods(), on_n1);
  EXPECT_NE(&n1, &pods);
  ASSERT_TRUE(n1.WaitForCacheSync(seconds(20)));  // started by the running factory
  EXPECT_EQ(n1.indexer().size(), 2u);
}

TEST(InformerTest, ResumesAfterServerEndsWatchWithoutRelisting) {
  TestServer ts;
  TweakingClient tc(ts.client());
  tc.watch_timeout_seconds = 1;
  Informer cms(tc, resources::ConfigMaps(), InformerOptions{"default"});
  Recorder rec;
  cms.AddEventHandler(rec.Handler());
  cms.Start();
  ASSERT_TRUE(cms.WaitForCacheSync(seconds(20)));
  ASSERT_TRUE(Eventually([&] { return cms.WatchCount() >= 3; }));  // watches ended and resumed
  ASSERT_TRUE(ts.client()
                  .Create(resources::ConfigMaps(), "default", Json(R"({"metadata":{"name":"x"}})"))
                  .ok());
  ASSERT_TRUE(Eventually([&] { return rec.Has("ADD default/x"); }));
  EXPECT_EQ(cms.ListCount(), 1);
  EXPECT_FALSE(cms.LastSyncResourceVersion().empty());
}

TEST(InformerTest, RelistsAfterExpiredWatchOnRealServer) {
  TestServer ts;
  TweakingClient tc(ts.client());
  tc.watch_timeout_seconds = 1;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(ts.client()
                    .Create(resources::ConfigMaps(), "default",
                            Json(R"({"metadata":{"name":"cm)" + std::to_string(i) + R"("}})"))
                    .ok());
  }
  ts.Restart();  // so that version 1 is older than the server's watch window
  Informer cms(tc, resources::ConfigMaps(), InformerOptions{"default"});
  Recorder rec;
  cms.AddEventHandler(rec.Handler());
  cms.Start();
  ASSERT_TRUE(cms.WaitForCacheSync(seconds(20)));
  tc.force_expired_once = true;  // the next watch (after the 1s server timeout) gets 410
  ASSERT_TRUE(Eventually([&] { return cms.ListCount() >= 2; }));
  ASSERT_TRUE(
      ts.client()
          .Create(resources::ConfigMaps(), "default", Json(R"({"metadata":{"name":"after"}})"))
          .ok());
  ASSERT_TRUE(Eventually([&] { return rec.Has("ADD default/after"); }));
  EXPECT_NE(cms.lister().Get("default", "cm2"), nullptr);
}

TEST(InformerTest, RelistProducesSyntheticEventsAgainstTheCache) {
  tinyk8s::testing::FakeClient fake;
  fake.Add(resources::Pods(), PodJson("ns", "keep"));
  fake.Add(resources::Pods(), PodJson("ns", "change"));
  fake.Add(resources::Pods(), PodJson("ns", "gone"));
  Informer pods(fake, resources::Pods(), {});
  Recorder rec;
  pods.AddEventHandler(rec.Handler());
  pods.Start();
  ASSERT_TRUE(pods.WaitForCacheSync(seconds(20)));
  rec.Take();
  ASSERT_TRUE(Eventually([&] { return fake.NumOpenWatches(resources::Pods()) == 1; }));

  // Take the informer off the air: list and watch fail until released, so the changes below
  // are only discovered by the re-list.
  std::atomic<bool> hold{true};
  fake.PrependReactor("*", "pods",
                      [&](const tinyk8s::testing::FakeAction& a) -> std::optional<Status> {
                        if (hold && (a.verb == "list" || a.verb == "watch"))
                          return Status::Unavailable("held");
                        return std::nullopt;
                      });
  fake.CloseWatches(resources::Pods());
  ASSERT_TRUE(fake.Delete(resources::Pods(), "ns", "gone").ok());
  ASSERT_TRUE(fake.Patch(resources::Pods(), "ns", "change", PatchType::kMerge,
                         R"({"metadata":{"labels":{"v":"2"}}})")
                  .ok());
  fake.Add(resources::Pods(), PodJson("ns", "new"));
  fake.SetHistoryLimit(0);  // a resumed watch would be 410 anyway
  hold = false;
  ASSERT_TRUE(Eventually([&] { return rec.Has("ADD ns/new"); }));
  auto events = rec.Take();
  std::sort(events.begin(), events.end());
  EXPECT_EQ(events,
            (std::vector<std::string>{"ADD ns/new", "DELETE ns/gone unknown", "UPDATE ns/change"}));
  EXPECT_EQ(pods.indexer().size(), 3u);
}

TEST(InformerTest, InjectedGoneErrorTriggersImmediateRelist) {
  tinyk8s::testing::FakeClient fake;
  fake.Add(resources::Nodes(), Json(R"({"metadata":{"name":"n1"}})"));
  Informer nodes(fake, resources::Nodes(), {});
  nodes.Start();
  ASSERT_TRUE(nodes.WaitForCacheSync(seconds(20)));
  ASSERT_TRUE(Eventually([&] { return fake.NumOpenWatches(resources::Nodes()) == 1; }));
  fake.InjectWatchError(resources::Nodes(), Status::Gone("too old resource version"));
  ASSERT_TRUE(Eventually([&] { return nodes.ListCount() == 2; }));
  // After the re-list the informer watches again and keeps following changes.
  ASSERT_TRUE(Eventually([&] { return fake.NumOpenWatches(resources::Nodes()) == 1; }));
  fake.Add(resources::Nodes(), Json(R"({"metadata":{"name":"n2"}})"));
  ASSERT_TRUE(Eventually([&] { return nodes.indexer().size() == 2; }));
  EXPECT_EQ(nodes.ListCount(), 2);
}

TEST(InformerTest, ResyncReplaysCachedObjects) {
  tinyk8s::testing::FakeClient fake;
  fake.Add(resources::Nodes(), Json(R"({"metadata":{"name":"n1"}})"));
  InformerOptions o;
  o.resync_period = std::chrono::milliseconds(50);
  Informer nodes(fake, resources::Nodes(), o);
  std::atomic<int> resyncs{0};
  nodes.AddEventHandler({nullptr,
                         [&](const ObjectPtr& a, const ObjectPtr& b) {
                           if (a == b) ++resyncs;
                         },
                         nullptr});
  nodes.Start();
  ASSERT_TRUE(Eventually([&] { return resyncs.load() >= 2; }));
}

}  // namespace
}  // namespace tinyk8s::client
