// The storage suite: every rule of storage/store.h (create/update/delete semantics, revisions,
// lists at revisions with pagination, compaction, reopening), run on each backend of
// store_backend.h. Revisions are written relative to the store's revision at the start.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "tests/unit/storage/store_backend.h"
#include "tests/unit/storage/test_util.h"

namespace tinyk8s::storage {
namespace {

using testing::Dump;
using testing::StoreTestOptions;

// Numbered("v", 3) == "v3" (avoids a GCC 12 -Wrestrict false positive on "v" + to_string).
std::string Numbered(std::string prefix, int n) {
  prefix += std::to_string(n);
  return prefix;
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = testing::MakeBackend(GetParam());
    ASSERT_NE(backend_, nullptr);
    Reopen();
    ASSERT_NE(store_, nullptr);
    base_ = store_->CurrentRevision();
    testing::RevisionBase() = base_;
  }
  void TearDown() override { testing::RevisionBase() = 0; }
  void Reopen(const StoreTestOptions& options = {}) {
    store_.reset();
    auto store = backend_->Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  // R maps a revision relative to the test's start to the store's (0 keeps its special
  // meaning: "current" or "unconditional").
  Revision R(Revision relative) const { return relative == 0 ? 0 : base_ + relative; }
  Revision Current() { return store_->CurrentRevision() - base_; }
  KeyValue MustCreate(const std::string& key, const std::string& value) {
    auto kv = store_->Create(key, value);
    EXPECT_TRUE(kv.ok()) << kv.status().ToString();
    return kv.ok() ? *kv : KeyValue{};
  }
  std::string ListDump(const std::string& prefix, ListOptions options = {}) {
    options.revision = R(options.revision);
    auto list = store_->List(prefix, options);
    if (!list.ok()) return list.status().ToString();
    return Dump(list->items);
  }

  std::unique_ptr<testing::StoreBackend> backend_;
  std::unique_ptr<Store> store_;
  Revision base_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(testing::TestBackends()),
                         [](const auto& info) { return info.param; });

TEST_P(StoreTest, CreateThenGet) {
  EXPECT_EQ(Current(), 0);
  KeyValue kv = MustCreate("/a", "1");
  EXPECT_EQ(Dump(kv), "/a=1@1(1)");
  auto got = store_->Get("/a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(Dump(*got), "/a=1@1(1)");
  EXPECT_EQ(Current(), 1);
  EXPECT_EQ(store_->Get("/missing").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreTest, CreateExistingFailsAndConsumesNoRevision) {
  MustCreate("/a", "1");
  auto again = store_->Create("/a", "2");
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Current(), 1);
  EXPECT_EQ(Dump(MustCreate("/b", "x")), "/b=x@2(2)");
  EXPECT_EQ(Dump(*store_->Get("/a")), "/a=1@1(1)");
}

TEST_P(StoreTest, EmptyKeyIsInvalid) {
  EXPECT_EQ(store_->Create("", "v").status().code(), StatusCode::kInvalid);
}

TEST_P(StoreTest, UpdateIsCompareAndSwapOnModRevision) {
  MustCreate("/a", "1");  // rev 1
  MustCreate("/b", "1");  // rev 2
  EXPECT_EQ(store_->Update("/a", "2", R(2)).status().code(), StatusCode::kConflict);
  EXPECT_EQ(store_->Update("/missing", "2", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Current(), 2);
  auto updated = store_->Update("/a", "2", R(1));
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(Dump(*updated), "/a=2@3(1)");
  // The old revision no longer matches.
  EXPECT_EQ(store_->Update("/a", "3", R(1)).status().code(), StatusCode::kConflict);
  auto unconditional = store_->Update("/a", "4", 0);
  ASSERT_TRUE(unconditional.ok());
  EXPECT_EQ(Dump(*unconditional), "/a=4@4(1)");
  EXPECT_EQ(Dump(*store_->Get("/a")), "/a=4@4(1)");
}

TEST_P(StoreTest, DeleteReturnsLastValueAndAllowsRecreate) {
  MustCreate("/a", "1");                              // 1
  ASSERT_TRUE(store_->Update("/a", "2", R(1)).ok());  // 2
  EXPECT_EQ(store_->Delete("/a", R(1)).status().code(), StatusCode::kConflict);
  auto deleted = store_->Delete("/a", R(2));
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(Dump(*deleted), "/a=2@3(1)");
  EXPECT_EQ(store_->Get("/a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete("/a", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Update("/a", "x", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Current(), 3);
  EXPECT_EQ(Dump(MustCreate("/a", "new")), "/a=new@4(4)");
  auto unconditional = store_->Delete("/a", 0);
  ASSERT_TRUE(unconditional.ok());
  EXPECT_EQ(Dump(*unconditional), "/a=new@5(4)");
}

TEST_P(StoreTest, RevisionsStrictlyIncreaseAcrossOperations) {
  Revision last = base_;
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

TEST_P(StoreTest, ListReturnsPrefixInKeyOrderWithPagination) {
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
  EXPECT_EQ(page->revision, R(5));
  auto rest = store_->List("/r/", ListOptions{page->revision, 2, page->items.back().key});
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(Dump(rest->items), "/r/c=3@3(3)");
  EXPECT_FALSE(rest->more);
  EXPECT_EQ(rest->remaining, 0);

  EXPECT_EQ(store_->Count("/r/").value(), 3);
  EXPECT_EQ(store_->Count("").value(), 5);
  EXPECT_EQ(store_->Count("/none/").value(), 0);
}

TEST_P(StoreTest, ListHandlesBinaryKeys) {
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

TEST_P(StoreTest, ListAtOldRevisionSeesThePast) {
  MustCreate("/p/a", "a1");                              // 1
  MustCreate("/p/b", "b1");                              // 2
  ASSERT_TRUE(store_->Update("/p/a", "a2", R(1)).ok());  // 3
  ASSERT_TRUE(store_->Delete("/p/b", R(2)).ok());        // 4
  MustCreate("/p/c", "c1");                              // 5
  MustCreate("/p/b", "b2");                              // 6
  EXPECT_EQ(ListDump("/p/", {1}), "/p/a=a1@1(1)");
  EXPECT_EQ(ListDump("/p/", {2}), "/p/a=a1@1(1) /p/b=b1@2(2)");
  EXPECT_EQ(ListDump("/p/", {3}), "/p/a=a2@3(1) /p/b=b1@2(2)");
  EXPECT_EQ(ListDump("/p/", {4}), "/p/a=a2@3(1)");
  EXPECT_EQ(ListDump("/p/", {5}), "/p/a=a2@3(1) /p/c=c1@5(5)");
  EXPECT_EQ(ListDump("/p/", {6}), "/p/a=a2@3(1) /p/b=b2@6(6) /p/c=c1@5(5)");
  EXPECT_EQ(ListDump("/p/", {0}), ListDump("/p/", {6}));
  auto paged = store_->List("/p/", ListOptions{R(3), 1, ""});
  ASSERT_TRUE(paged.ok());
  EXPECT_EQ(Dump(paged->items), "/p/a=a2@3(1)");
  EXPECT_TRUE(paged->more);
  EXPECT_EQ(paged->revision, R(3));
  EXPECT_EQ(store_->List("/p/", {R(7)}).status().code(), StatusCode::kInvalid);
}

TEST_P(StoreTest, PaginationStaysConsistentWhileWritesGoOn) {
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

TEST_P(StoreTest, CompactionMakesOlderRevisionsGone) {
  MustCreate("/c/a", "a1");                              // 1
  MustCreate("/c/b", "b1");                              // 2
  ASSERT_TRUE(store_->Update("/c/a", "a2", R(1)).ok());  // 3
  ASSERT_TRUE(store_->Delete("/c/b", R(2)).ok());        // 4
  MustCreate("/c/d", "d1");                              // 5
  ASSERT_TRUE(store_->Update("/c/a", "a3", R(3)).ok());  // 6
  EXPECT_EQ(store_->Compact(R(7)).code(), StatusCode::kInvalid);
  ASSERT_TRUE(store_->Compact(R(4)).ok());
  EXPECT_EQ(store_->CompactedRevision(), R(4));
  ASSERT_TRUE(backend_->WaitForCompaction(*store_).ok());
  EXPECT_EQ(store_->List("/c/", {R(3)}).status().code(), StatusCode::kGone);
  EXPECT_EQ(ListDump("/c/", {4}), "/c/a=a2@3(1)");
  EXPECT_EQ(ListDump("/c/", {5}), "/c/a=a2@3(1) /c/d=d1@5(5)");
  EXPECT_EQ(ListDump("/c/"), "/c/a=a3@6(1) /c/d=d1@5(5)");
  // Compacting backwards is a no-op.
  ASSERT_TRUE(store_->Compact(R(2)).ok());
  EXPECT_EQ(store_->CompactedRevision(), R(4));
}

TEST_P(StoreTest, CompactionInManySmallStepsKeepsLatestValues) {
  StoreTestOptions options;
  options.compaction_step_revisions = 3;
  Reopen(options);
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
  ASSERT_EQ(Current(), 50);
  std::vector<std::string> before;
  for (Revision r = 40; r <= 50; ++r) before.push_back(ListDump("/s/", {r}));
  ASSERT_TRUE(store_->Compact(R(40)).ok());
  ASSERT_TRUE(backend_->WaitForCompaction(*store_).ok());
  for (Revision r = 40; r <= 50; ++r) EXPECT_EQ(ListDump("/s/", {r}), before[r - 40]) << r;
}

TEST_P(StoreTest, ConcurrentWritersGetDistinctRevisions) {
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
  EXPECT_EQ(*all.begin(), R(1));
  EXPECT_EQ(*all.rbegin(), R(kThreads * kPerThread));
  EXPECT_EQ(store_->Count("/cw/").value(), kThreads * kPerThread);
}

TEST_P(StoreTest, ReopenFindsEverything) {
  MustCreate("/o/a", "a1");                              // 1
  MustCreate("/o/b", "b1");                              // 2
  ASSERT_TRUE(store_->Update("/o/a", "a2", R(1)).ok());  // 3
  ASSERT_TRUE(store_->Delete("/o/b", R(2)).ok());        // 4
  MustCreate("/o/c", "c1");                              // 5
  ASSERT_TRUE(store_->Compact(R(2)).ok());
  Reopen();
  EXPECT_EQ(Current(), 5);
  EXPECT_EQ(store_->CompactedRevision(), R(2));
  EXPECT_EQ(ListDump("/o/"), "/o/a=a2@3(1) /o/c=c1@5(5)");
  EXPECT_EQ(ListDump("/o/", {3}), "/o/a=a2@3(1) /o/b=b1@2(2)");
  EXPECT_EQ(store_->List("/o/", {R(1)}).status().code(), StatusCode::kGone);
  EXPECT_EQ(Dump(MustCreate("/o/d", "d1")), "/o/d=d1@6(6)");
}

TEST_P(StoreTest, AutomaticCompactionKeepsRecentRevisions) {
  StoreTestOptions options;
  options.compaction_interval = std::chrono::milliseconds(5);
  options.retain_duration = std::chrono::milliseconds(0);
  options.retain_revisions = 10;
  Reopen(options);
  for (int i = 0; i < 30; ++i) MustCreate("/auto/" + std::to_string(i), "v");
  // The policy thread runs on its own schedule: wait for it with a deadline.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (store_->CompactedRevision() < R(20) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(store_->CompactedRevision(), R(20));
  EXPECT_TRUE(store_->List("/auto/", {R(20)}).ok());
  EXPECT_EQ(store_->List("/auto/", {R(19)}).status().code(), StatusCode::kGone);
}

}  // namespace
}  // namespace tinyk8s::storage
