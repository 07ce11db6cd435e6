// Moving events.k8s.io/v1 Events of older data dirs into the core Event store at start.
#include "apiserver/view_migration.h"

#include <gtest/gtest.h>

#include "api/json.h"
#include "tests/unit/apiserver/scratch_store.h"

namespace tinyk8s::apiserver {
namespace {

constexpr char kOldPrefix[] = "/registry/events.k8s.io/events/";
constexpr char kCorePrefix[] = "/registry/core/events/";

// An Event as older binaries stored it: events.k8s.io/v1 form under its own prefix.
std::string OldEvent(const std::string& name, const std::string& note) {
  return R"({"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":")" + name +
         R"(","namespace":"t","uid":"uid-)" + name +
         R"("},"eventTime":"2026-11-01T10:00:00.000000Z","reportingController":"ctl",)"
         R"("reportingInstance":"ctl-1","action":"Pulled","reason":"Pulled",)"
         R"("regarding":{"kind":"Pod","namespace":"t","name":"web"},"note":")" +
         note + R"(","type":"Normal","deprecatedCount":3})";
}

class ViewMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterBuiltinResources(registry_, nullptr); }
  int64_t Count(const std::string& prefix) { return store_->Count(prefix).value(); }
  rapidjson::Document Stored(const std::string& key) {
    auto kv = store_->Get(key);
    EXPECT_TRUE(kv.ok()) << key;
    return kv.ok() ? std::move(api::ParseJson(kv->value)).value() : rapidjson::Document();
  }

  testing::ScratchStore store_{"viewmig"};
  Registry registry_;
};

TEST_F(ViewMigrationTest, OldEventsMoveIntoTheCoreStoreInCoreForm) {
  ASSERT_TRUE(
      store_->Create(std::string(kOldPrefix) + "t/pulled", OldEvent("pulled", "pulled")).ok());
  auto moved = MigrateViewObjects(*store_, registry_);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(*moved, 1);
  EXPECT_EQ(Count(kOldPrefix), 0);
  auto ev = Stored(std::string(kCorePrefix) + "t/pulled");
  EXPECT_EQ(api::GetString(ev, {"apiVersion"}), "v1");
  EXPECT_EQ(api::GetString(ev, {"kind"}), "Event");
  EXPECT_EQ(api::GetString(ev, {"metadata", "uid"}), "uid-pulled");
  EXPECT_EQ(api::GetString(ev, {"message"}), "pulled");
  EXPECT_EQ(api::GetString(ev, {"involvedObject", "name"}), "web");
  EXPECT_EQ(api::GetString(ev, {"reportingComponent"}), "ctl");
  EXPECT_EQ(api::GetInt(ev, {"count"}), 3);
  EXPECT_EQ(api::GetString(ev, {"action"}), "Pulled");
  EXPECT_FALSE(ev.HasMember("note"));
  EXPECT_FALSE(ev.HasMember("regarding"));

  // A second start finds nothing left to move.
  moved = MigrateViewObjects(*store_, registry_);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 0);
  EXPECT_EQ(Count(kCorePrefix), 1);
}

TEST_F(ViewMigrationTest, ManyEventsMoveInPagesAndATakenNameKeepsTheCoreEvent) {
  constexpr int kEvents = 1203;  // more than two pages
  for (int i = 0; i < kEvents; ++i) {
    const std::string name = "e" + std::to_string(i);
    ASSERT_TRUE(store_->Create(std::string(kOldPrefix) + "t/" + name, OldEvent(name, "old")).ok());
  }
  // Written through the core API since: the name is taken there.
  ASSERT_TRUE(store_
                  ->Create(std::string(kCorePrefix) + "t/e7",
                           R"({"apiVersion":"v1","kind":"Event","metadata":{"name":"e7",)"
                           R"("namespace":"t"},"message":"new"})")
                  .ok());
  auto moved = MigrateViewObjects(*store_, registry_);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(*moved, kEvents - 1);
  EXPECT_EQ(Count(kOldPrefix), 0);
  EXPECT_EQ(Count(kCorePrefix), kEvents);
  EXPECT_EQ(api::GetString(Stored(std::string(kCorePrefix) + "t/e7"), {"message"}), "new");
  EXPECT_EQ(api::GetString(Stored(std::string(kCorePrefix) + "t/e1202"), {"message"}), "old");
}

TEST_F(ViewMigrationTest, ObjectsThatAreNotJsonStayWhereTheyAre) {
  ASSERT_TRUE(store_->Create(std::string(kOldPrefix) + "t/broken", "{not json").ok());
  auto moved = MigrateViewObjects(*store_, registry_);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 0);
  EXPECT_EQ(Count(kOldPrefix), 1);
  EXPECT_EQ(Count(kCorePrefix), 0);
}

}  // namespace
}  // namespace tinyk8s::apiserver
