// Verifies SqliteStore against the rules of storage/store.h: create/update/delete semantics,
// revisions, lists at revisions with pagination, compaction and reopening.

#include "storage/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "tests/unit/storage/test_util.h"

namespace tinyk8s::storage {
namespace {

using testing::Dump;
using testing::TempDir;

// Numbered("v", 3) == "v3" (avoids a GCC 12 -Wrestrict false positive on "v" + to_string).
std::string Numbered(std::string prefix, int n) {
  prefix += std::to_string(n);
  return prefix;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteStoreOptions Options() {
    SqliteStoreOptions options;
    options.path = dir_.File("state.db");
    options.durable = false;  // the crash test covers durability
    options.compaction_interval = std::chrono::milliseconds(0);
    return options;
  }
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto store = SqliteStore::Open(Options());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  KeyValue MustCreate(const std::string& key, const std::string& value) {
    auto kv = store_->Create(key, value);
    EXPECT_TRUE(kv.ok()) << kv.status().ToString();
    return kv.ok() ? *kv : KeyValue{};
  }
  std::string ListDump(const std::string& prefix, ListOptions options = {}) {
    auto list = store_->List(prefix, options);
    if (!list.ok()) return list.status().ToString();
    return Dump(list->items);
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, CreateThenGet) {
  EXPECT_EQ(store_->CurrentRevision(), 0);
  KeyValue kv = MustCreate("/a", "1");
  EXPECT_EQ(Dump(kv), "/a=1@1(1)");
  auto got = store_->Get("/a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(Dump(*got), "/a=1@1(1)");
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_EQ(store_->Get("/missing").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, CreateExistingFailsAndConsumesNoRevision) {
  MustCreate("/a", "1");
  auto again = store_->Create("/a", "2");
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_EQ(Dump(MustCreate("/b", "x")), "/b=x@2(2)");
  EXPECT_EQ(Dump(*store_->Get("/a")), "/a=1@1(1)");
}

TEST_F(SqliteStoreTest, EmptyKeyIsInvalid) {
  EXPECT_EQ(store_->Create("", "v").status().code(), StatusCode::kInvalid);
}

TEST_F(SqliteStoreTest, UpdateIsCompareAndSwapOnModRevision) {
  MustCreate("/a", "1");  // rev 1
  MustCreate("/b", "1");  // rev 2
  EXPECT_EQ(store_->Update("/a", "2", 2).status().code(), StatusCode::kConflict);
  EXPECT_EQ(store_->Update("/missing", "2", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->CurrentRevision(), 2);
  auto updated = store_->Update("/a", "2", 1);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(Dump(*updated), "/a=2@3(1)");
  // The old revision no longer matches.
  EXPECT_EQ(store_->Update("/a", "3", 1).status().code(), StatusCode::kConflict);
  auto unconditional = store_->Update("/a", "4", 0);
  ASSERT_TRUE(unconditional.ok());
  EXPECT_EQ(Dump(*unconditional), "/a=4@4(1)");
  EXPECT_EQ(Dump(*store_->Get("/a")), "/a=4@4(1)");
}

TEST_F(SqliteStoreTest, DeleteReturnsLastValueAndAllowsRecreate) {
  MustCreate("/a", "1");                           // 1
  ASSERT_TRUE(store_->Update("/a", "2", 1).ok());  // 2
  EXPECT_EQ(store_->Delete("/a", 1).status().code(), StatusCode::kConflict);
  auto deleted = store_->Delete("/a", 2);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(Dump(*deleted), "/a=2@3(1)");
  EXPECT_EQ(store_->Get("/a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete("/a", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Update("/a", "x", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->CurrentRevision(), 3);
  EXPECT_EQ(Dump(MustCreate("/a", "new")), "/a=new@4(4)");
  auto unconditional = store_->Delete("/a", 0);
  ASSERT_TRUE(unconditional.ok());
  EXPECT_EQ(Dump(*unconditional), "/a=new@5(4)");
}

TEST_F(SqliteStoreTest, RevisionsStrictlyIncreaseAcrossOperations) {
  Revision last = 0;
  for (int i = 0; i < 20; ++i) {
    std::string key = "/k" + std::to_string(i % 5);
    auto got = store_->Get(key);
    Result<KeyValue> written = got.ok() ? (i % 3 == 0 ? store_->Delete(key, got->mod_revision)
                                                      : store_->Update(key, "v", got->mod_revision))
                                        : store_->Create(key, "v");
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    EXPECT_EQ(written->mod_revision, last + 1);
    last = written->mod_revision;
  }
  EXPECT_EQ(store_->CurrentRevision(), last);
}

TEST_F(SqliteStoreTest, ListReturnsPrefixInKeyOrderWithPagination) {
  MustCreate("/r/b", "2");
  MustCreate("/r/a", "1");
  MustCreate("/r/c", "3");
  MustCreate("/rx", "outside");
  MustCreate("/q", "outside");
  EXPECT_EQ(ListDump("/r/"), "/r/a=1@2(2) /r/b=2@1(1) /r/c=3@3(3)");
  EXPECT_EQ(ListDump(""), "/q=outside@5(5) /r/a=1@2(2) /r/b=2@1(1) /r/c=3@3(3) /rx=outside@4(4)");

  auto page = store_->List("/r/", ListOptions{0, 2, ""});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Dump(page->items), "/r/a=1@2(2) /r/b=2@1(1)");
  EXPECT_TRUE(page->more);
  EXPECT_EQ(page->remaining, 1);
  EXPECT_EQ(page->revision, 5);
  auto rest = store_->List("/r/", ListOptions{page->revision, 2, page->items.back().key});
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(Dump(rest->items), "/r/c=3@3(3)");
  EXPECT_FALSE(rest->more);
  EXPECT_EQ(rest->remaining, 0);

  EXPECT_EQ(store_->Count("/r/").value(), 3);
  EXPECT_EQ(store_->Count("").value(), 5);
  EXPECT_EQ(store_->Count("/none/").value(), 0);
}

TEST_F(SqliteStoreTest, ListHandlesBinaryKeys) {
  std::string prefix = "/bin/\xff";
  MustCreate(prefix + "\xff", "a");
  MustCreate(prefix + std::string(1, '\0'), "b");
  MustCreate("/bin/\xfe", "outside");
  auto list = store_->List(prefix, {});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0].value, "b");
  EXPECT_EQ(list->items[1].value, "a");
}

TEST_F(SqliteStoreTest, ListAtOldRevisionSeesThePast) {
  MustCreate("/p/a", "a1");                           // 1
  MustCreate("/p/b", "b1");                           // 2
  ASSERT_TRUE(store_->Update("/p/a", "a2", 1).ok());  // 3
  ASSERT_TRUE(store_->Delete("/p/b", 2).ok());        // 4
  MustCreate("/p/c", "c1");                           // 5
  MustCreate("/p/b", "b2");                           // 6
  EXPECT_EQ(ListDump("/p/", {1}), "/p/a=a1@1(1)");
  EXPECT_EQ(ListDump("/p/", {2}), "/p/a=a1@1(1) /p/b=b1@2(2)");
  EXPECT_EQ(ListDump("/p/", {3}), "/p/a=a2@3(1) /p/b=b1@2(2)");
  EXPECT_EQ(ListDump("/p/", {4}), "/p/a=a2@3(1)");
  EXPECT_EQ(ListDump("/p/", {5}), "/p/a=a2@3(1) /p/c=c1@5(5)");
  EXPECT_EQ(ListDump("/p/", {6}), "/p/a=a2@3(1) /p/b=b2@6(6) /p/c=c1@5(5)");
  EXPECT_EQ(ListDump("/p/", {0}), ListDump("/p/", {6}));
  auto paged = store_->List("/p/", ListOptions{3, 1, ""});
  ASSERT_TRUE(paged.ok());
  EXPECT_EQ(Dump(paged->items), "/p/a=a2@3(1)");
  EXPECT_TRUE(paged->more);
  EXPECT_EQ(paged->revision, 3);
  EXPECT_EQ(store_->List("/p/", {7}).status().code(), StatusCode::kInvalid);
}

TEST_F(SqliteStoreTest, PaginationStaysConsistentWhileWritesGoOn) {
  for (int i = 0; i < 300; ++i) MustCreate("/pg/" + std::to_string(1000 + i), "v0");
  auto expected = store_->List("/pg/", {});
  ASSERT_TRUE(expected.ok());
  const Revision at = expected->revision;

  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    for (int n = 0; !stop.load(); ++n) {
      std::string key = "/pg/" + std::to_string(1000 + (n * 7) % 300);
      if (n % 3 == 0) {
        (void)store_->Delete(key, 0);
        (void)store_->Create(key, "again");
      } else {
        (void)store_->Update(key, Numbered("v", n), 0);
      }
      (void)store_->Create("/pg/" + std::to_string(500 + n % 400) + "new", "n");
      writes.fetch_add(1);
    }
  });
  // Make sure writes interleave with the pages.
  while (writes.load() < 5) std::this_thread::yield();
  std::vector<KeyValue> paged;
  std::string start_after;
  int pages = 0;
  while (true) {
    auto page = store_->List("/pg/", ListOptions{at, 7, start_after});
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(page->revision, at);
    paged.insert(paged.end(), page->items.begin(), page->items.end());
    ++pages;
    if (!page->more) break;
    start_after = page->items.back().key;
  }
  stop = true;
  writer.join();
  EXPECT_GT(store_->CurrentRevision(), at);
  EXPECT_EQ(pages, 43);
  EXPECT_EQ(Dump(paged), Dump(expected->items));
}

TEST_F(SqliteStoreTest, CompactionMakesOlderRevisionsGone) {
  MustCreate("/c/a", "a1");                           // 1
  MustCreate("/c/b", "b1");                           // 2
  ASSERT_TRUE(store_->Update("/c/a", "a2", 1).ok());  // 3
  ASSERT_TRUE(store_->Delete("/c/b", 2).ok());        // 4
  MustCreate("/c/d", "d1");                           // 5
  ASSERT_TRUE(store_->Update("/c/a", "a3", 3).ok());  // 6
  EXPECT_EQ(store_->Compact(7).code(), StatusCode::kInvalid);
  ASSERT_TRUE(store_->Compact(4).ok());
  EXPECT_EQ(store_->CompactedRevision(), 4);
  ASSERT_TRUE(store_->WaitForCompaction().ok());
  EXPECT_EQ(store_->List("/c/", {3}).status().code(), StatusCode::kGone);
  EXPECT_EQ(ListDump("/c/", {4}), "/c/a=a2@3(1)");
  EXPECT_EQ(ListDump("/c/", {5}), "/c/a=a2@3(1) /c/d=d1@5(5)");
  EXPECT_EQ(ListDump("/c/"), "/c/a=a3@6(1) /c/d=d1@5(5)");
  // Compacting backwards is a no-op.
  ASSERT_TRUE(store_->Compact(2).ok());
  EXPECT_EQ(store_->CompactedRevision(), 4);
  // Superseded rows and tombstones at or below 4 are gone: rows 3, 5, 6 remain.
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "SELECT group_concat(rev) FROM (SELECT rev FROM log ORDER BY rev)", -1,
                         &stmt, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "3,5,6");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, CompactionInManySmallStepsKeepsLatestValues) {
  auto options = Options();
  options.compaction_step_revisions = 3;
  store_.reset();
  store_ = std::move(SqliteStore::Open(options)).value();
  for (int round = 0; round < 10; ++round) {
    for (int k = 0; k < 5; ++k) {
      std::string key = "/s/" + std::to_string(k);
      if (round == 0) {
        MustCreate(key, "r0");
      } else if (k == 4 && round % 2 == 1) {
        ASSERT_TRUE(store_->Delete(key, 0).ok());
      } else if (k == 4) {
        MustCreate(key, Numbered("r", round));
      } else {
        ASSERT_TRUE(store_->Update(key, Numbered("r", round), 0).ok());
      }
    }
  }
  ASSERT_EQ(store_->CurrentRevision(), 50);
  std::vector<std::string> before;
  for (Revision r = 40; r <= 50; ++r) before.push_back(ListDump("/s/", {r}));
  ASSERT_TRUE(store_->Compact(40).ok());
  ASSERT_TRUE(store_->WaitForCompaction().ok());
  for (Revision r = 40; r <= 50; ++r) EXPECT_EQ(ListDump("/s/", {r}), before[r - 40]) << r;
}

TEST_F(SqliteStoreTest, ConcurrentWritersGetDistinctRevisions) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 100;
  std::vector<std::vector<Revision>> revisions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "/cw/" + std::to_string(t) + "/" + std::to_string(i);
        auto kv = store_->Create(key, key);
        ASSERT_TRUE(kv.ok()) << kv.status().ToString();
        // A conflicting write in the same batch must not disturb the others.
        EXPECT_EQ(store_->Create(key, "dup").status().code(), StatusCode::kAlreadyExists);
        revisions[t].push_back(kv->mod_revision);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<Revision> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(std::is_sorted(revisions[t].begin(), revisions[t].end()));
    all.insert(revisions[t].begin(), revisions[t].end());
  }
  // Distinct, and failed creates consumed none: exactly 1..N.
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread);
  EXPECT_EQ(store_->Count("/cw/").value(), kThreads * kPerThread);
}

TEST_F(SqliteStoreTest, ReopenFindsEverything) {
  MustCreate("/o/a", "a1");                           // 1
  MustCreate("/o/b", "b1");                           // 2
  ASSERT_TRUE(store_->Update("/o/a", "a2", 1).ok());  // 3
  ASSERT_TRUE(store_->Delete("/o/b", 2).ok());        // 4
  MustCreate("/o/c", "c1");                           // 5
  ASSERT_TRUE(store_->Compact(2).ok());
  Reopen();
  EXPECT_EQ(store_->CurrentRevision(), 5);
  EXPECT_EQ(store_->CompactedRevision(), 2);
  EXPECT_EQ(ListDump("/o/"), "/o/a=a2@3(1) /o/c=c1@5(5)");
  EXPECT_EQ(ListDump("/o/", {3}), "/o/a=a2@3(1) /o/b=b1@2(2)");
  EXPECT_EQ(store_->List("/o/", {1}).status().code(), StatusCode::kGone);
  EXPECT_EQ(Dump(MustCreate("/o/d", "d1")), "/o/d=d1@6(6)");
}

TEST_F(SqliteStoreTest, RejectsNewerSchemaVersion) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteStore::Open(Options());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("schema version 99"), std::string::npos);
}

TEST_F(SqliteStoreTest, AutomaticCompactionKeepsRecentRevisions) {
  auto options = Options();
  options.compaction_interval = std::chrono::milliseconds(5);
  options.retain_duration = std::chrono::milliseconds(0);
  options.retain_revisions = 10;
  store_.reset();
  store_ = std::move(SqliteStore::Open(options)).value();
  for (int i = 0; i < 30; ++i) MustCreate("/auto/" + std::to_string(i), "v");
  // The policy thread runs on its own schedule: wait for it with a deadline.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (store_->CompactedRevision() < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(store_->CompactedRevision(), 20);
  EXPECT_TRUE(store_->List("/auto/", {20}).ok());
  EXPECT_EQ(store_->List("/auto/", {19}).status().code(), StatusCode::kGone);
}

}  // namespace
}  // namespace tinyk8s::storage
