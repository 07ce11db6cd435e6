// Cached objects: stamping resourceVersion into stored JSON without a DOM must give exactly
// what stamping the parsed document gives. The fan-out: each watcher gets the events under its
// prefix, and only while it is registered.
#include "apiserver/watch_cache.h"

#include <gtest/gtest.h>

#include <mutex>

#include "api/json.h"
#include "storage/sqlite_store.h"
#include "tests/unit/storage/test_util.h"

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

// RecordingWatcher keeps the keys it is given; with `stop_after` it unregisters itself by
// returning false once it has seen that many events.
class RecordingWatcher final : public CacheWatcher {
 public:
  explicit RecordingWatcher(size_t stop_after = 0) : stop_after_(stop_after) {}
  bool Deliver(const std::vector<const CacheEvent*>& events) override {
    std::lock_guard lock(mu_);
    for (const CacheEvent* e : events) keys_.push_back(e->object->key);
    return stop_after_ == 0 || keys_.size() < stop_after_;
  }
  void Closed(const Status&) override {}
  std::vector<std::string> keys() {
    std::lock_guard lock(mu_);
    return keys_;
  }

 private:
  size_t stop_after_;
  std::mutex mu_;
  std::vector<std::string> keys_;
};

// WatchCacheTest runs a cache over a fresh store.
class WatchCacheTest : public ::testing::Test {
 protected:
  void Open() {
    storage::SqliteStoreOptions options;
    options.path = dir_.File("state.db");
    options.durable = false;
    options.compaction_interval = std::chrono::milliseconds(0);
    auto opened = storage::SqliteStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    auto started = WatchCache::Start(*store_, {});
    ASSERT_TRUE(started.ok());
    cache_ = std::move(started).value();
  }
  storage::testing::TempDir dir_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<WatchCache> cache_;
};

TEST_F(WatchCacheTest, FanOutGivesEachWatcherTheEventsUnderItsPrefix) {
  ASSERT_NO_FATAL_FAILURE(Open());
  auto all_pods = std::make_shared<RecordingWatcher>();
  auto pods_in_a = std::make_shared<RecordingWatcher>();
  auto pods_in_a_too = std::make_shared<RecordingWatcher>();
  auto nodes_once = std::make_shared<RecordingWatcher>(1);
  storage::Revision now = cache_->revision();
  ASSERT_TRUE(cache_->Watch("/registry/core/pods/", now, all_pods).ok());
  ASSERT_TRUE(cache_->Watch("/registry/core/pods/a/", now, pods_in_a).ok());
  ASSERT_TRUE(cache_->Watch("/registry/core/pods/a/", now, pods_in_a_too).ok());
  ASSERT_TRUE(cache_->Watch("/registry/core/nodes/", now, nodes_once).ok());
  storage::Revision last = 0;
  for (const char* key :
       {"/registry/core/pods/a/p1", "/registry/core/nodes/n1", "/registry/core/pods/b/p2",
        "/registry/core/nodes/n2", "/registry/core/pods/a/p3"}) {
    auto kv = store_->Create(key, R"({"metadata":{"name":"x"}})");
    ASSERT_TRUE(kv.ok());
    last = kv->mod_revision;
  }
  ASSERT_TRUE(cache_->WaitForRevision(last, std::chrono::seconds(5)));
  using Keys = std::vector<std::string>;
  EXPECT_EQ(all_pods->keys(), (Keys{"/registry/core/pods/a/p1", "/registry/core/pods/b/p2",
                                    "/registry/core/pods/a/p3"}));
  EXPECT_EQ(pods_in_a->keys(), (Keys{"/registry/core/pods/a/p1", "/registry/core/pods/a/p3"}));
  EXPECT_EQ(pods_in_a_too->keys(), pods_in_a->keys());
  // Unregistered after its first event (events may arrive in one batch: at least one).
  auto seen = nodes_once->keys();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "/registry/core/nodes/n1");
  // Unwatch stops deliveries; the other watcher of the prefix keeps its own.
  cache_->Unwatch(pods_in_a.get());
  ASSERT_TRUE(store_->Create("/registry/core/nodes/n3", R"({"metadata":{"name":"x"}})").ok());
  auto kv = store_->Create("/registry/core/pods/a/p4", R"({"metadata":{"name":"x"}})");
  ASSERT_TRUE(kv.ok());
  ASSERT_TRUE(cache_->WaitForRevision(kv->mod_revision, std::chrono::seconds(5)));
  EXPECT_EQ(pods_in_a->keys().size(), 2u);
  EXPECT_EQ(pods_in_a_too->keys().size(), 3u);
  EXPECT_EQ(all_pods->keys().size(), 4u);
  EXPECT_EQ(nodes_once->keys().size(), seen.size());
}

// Many watchers of one prefix are served by several threads: each still gets every event in
// order, and those that return false are unregistered (and get nothing more).
TEST_F(WatchCacheTest, FanOutToManyWatchersKeepsOrderAndDropsFinishedOnes) {
  ASSERT_NO_FATAL_FAILURE(Open());
  std::vector<std::shared_ptr<RecordingWatcher>> all, once;
  storage::Revision now = cache_->revision();
  for (int i = 0; i < 300; ++i) {
    all.push_back(std::make_shared<RecordingWatcher>());
    once.push_back(std::make_shared<RecordingWatcher>(1));
    ASSERT_TRUE(cache_->Watch("/registry/core/pods/", now, all.back()).ok());
    ASSERT_TRUE(cache_->Watch("/registry/core/pods/", now, once.back()).ok());
  }
  std::vector<std::string> keys;
  storage::Revision last = 0;
  for (int i = 0; i < 20; ++i) {
    keys.push_back("/registry/core/pods/a/p" + std::to_string(i));
    auto kv = store_->Create(keys.back(), R"({"metadata":{"name":"x"}})");
    ASSERT_TRUE(kv.ok());
    last = kv->mod_revision;
    if (i == 0) {
      ASSERT_TRUE(cache_->WaitForRevision(last, std::chrono::seconds(5)));
    }
  }
  ASSERT_TRUE(cache_->WaitForRevision(last, std::chrono::seconds(5)));
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i]->keys(), keys) << "watcher " << i;
    // The first event came alone in its batch; the watcher was dropped after it.
    EXPECT_EQ(once[i]->keys(), std::vector<std::string>{keys[0]}) << "watcher " << i;
  }
}

}  // namespace
}  // namespace tinyk8s::apiserver
