// Verifies watches on every backend (store_backend.h): replay from any retained revision followed
// by live events without gap or duplicate, kGone on compacted starts and slow consumers, Cancel,
// SetNotify.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/unit/storage/store_backend.h"
#include "tests/unit/storage/test_util.h"

namespace tinyk8s::storage {
namespace {

using testing::Dumps;
using testing::NextEvents;

class WatchTest : public ::testing::TestWithParam<std::string> {
 protected:
  void Open(size_t buffer_events = 10000) {
    store_.reset();
    testing::StoreTestOptions options;
    options.watch_buffer_events = buffer_events;
    auto store = backend_->Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void SetUp() override {
    backend_ = testing::MakeBackend(GetParam());
    ASSERT_NE(backend_, nullptr);
    Open();
    ASSERT_NE(store_, nullptr);
    base_ = store_->CurrentRevision();
    testing::RevisionBase() = base_;
  }
  void TearDown() override { testing::RevisionBase() = 0; }
  // R maps a revision relative to the test's start to the store's.
  Revision R(Revision relative) const { return base_ + relative; }
  Revision Current() { return store_->CurrentRevision() - base_; }
  // MustWatch watches from a relative revision.
  std::unique_ptr<Watch> MustWatch(const std::string& prefix, Revision after) {
    auto watch = store_->WatchPrefix(prefix, R(after));
    EXPECT_TRUE(watch.ok()) << watch.status().ToString();
    return watch.ok() ? std::move(watch).value() : nullptr;
  }
  // A history touching every kind of event on two keys under /w/ plus one outside.
  void WriteHistory() {
    ASSERT_TRUE(store_->Create("/w/a", "a1").ok());        // 1
    ASSERT_TRUE(store_->Create("/other", "o").ok());       // 2
    ASSERT_TRUE(store_->Update("/w/a", "a2", R(1)).ok());  // 3
    ASSERT_TRUE(store_->Create("/w/b", "b1").ok());        // 4
    ASSERT_TRUE(store_->Delete("/w/a", R(3)).ok());        // 5
    ASSERT_TRUE(store_->Create("/w/a", "a3").ok());        // 6
  }

  std::unique_ptr<testing::StoreBackend> backend_;
  std::unique_ptr<Store> store_;
  Revision base_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Backends, WatchTest, ::testing::ValuesIn(testing::TestBackends()),
                         [](const auto& info) { return info.param; });

const std::vector<std::string> kHistory = {
    "PUT /w/a=a1@1(1)", "PUT /w/a=a2@3(1) prev[/w/a=a1@1(1)]",
    "PUT /w/b=b1@4(4)", "DEL /w/a@5 prev[/w/a=a2@3(1)]",
    "PUT /w/a=a3@6(6)",
};

TEST_P(WatchTest, LiveEventsCarryPrevious) {
  auto watch = MustWatch("/w/", 0);
  WriteHistory();
  EXPECT_EQ(Dumps(NextEvents(*watch, 5)), kHistory);
}

TEST_P(WatchTest, ReplaysFromEveryRetainedRevisionThenGoesLive) {
  WriteHistory();
  for (Revision after = 0; after <= 6; ++after) {
    SCOPED_TRACE("after " + std::to_string(after));
    std::vector<std::string> expected;
    for (const std::string& event : kHistory) {
      Revision rev = std::stoll(event.substr(event.find('@') + 1));
      if (rev > after) expected.push_back(event);
    }
    auto watch = MustWatch("/w/", after);
    EXPECT_EQ(Dumps(NextEvents(*watch, expected.size())), expected);
  }
  // Replay, then a live write: delivered once.
  auto watch = MustWatch("/w/", 4);
  ASSERT_TRUE(store_->Update("/w/b", "b2", R(4)).ok());  // 7
  auto events = NextEvents(*watch, 3);
  EXPECT_EQ(Dumps(events).back(), "PUT /w/b=b2@7(4) prev[/w/b=b1@4(4)]");
  std::vector<WatchEvent> more;
  EXPECT_TRUE(watch->Next(&more, std::chrono::milliseconds(0)).ok());
  EXPECT_TRUE(more.empty());
}

TEST_P(WatchTest, ReplayLargerThanOnePageAndBuffer) {
  Open(/*buffer_events=*/100);
  for (int i = 0; i < 2500; ++i) ASSERT_TRUE(store_->Create("/big/" + std::to_string(i), "v").ok());
  auto watch = MustWatch("/big/", 0);
  auto events = NextEvents(*watch, 2500);
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].kv.mod_revision, R(static_cast<Revision>(i + 1)));
  }
}

TEST_P(WatchTest, StartFromCompactedRevisionIsGone) {
  WriteHistory();
  ASSERT_TRUE(store_->Compact(R(3)).ok());
  auto gone = store_->WatchPrefix("/w/", R(2));
  EXPECT_EQ(gone.status().code(), StatusCode::kGone);
  auto watch = MustWatch("/w/", 3);
  EXPECT_EQ(Dumps(NextEvents(*watch, 3)),
            std::vector<std::string>(kHistory.begin() + 2, kHistory.end()));
}

TEST_P(WatchTest, ReplayAndLiveHaveNoGapNoDuplicateUnderConcurrentWrites) {
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      ASSERT_TRUE(store_->Create("/cc/" + std::to_string(i), "v").ok());
    }
  });
  while (Current() < 50) std::this_thread::yield();
  std::vector<std::pair<Revision, std::unique_ptr<Watch>>> watches;
  for (int i = 0; i < 10; ++i) {
    Revision after = Current() - 40 + i;
    watches.emplace_back(after, MustWatch("/cc/", after));
  }
  Revision target = Current() + 100;
  while (Current() < target) std::this_thread::yield();
  stop = true;
  writer.join();
  for (auto& [after, watch] : watches) {
    // Every write is under /cc/, so the watch must see after+1, after+2, ... exactly.
    auto events = NextEvents(*watch, static_cast<size_t>(Current() - after));
    for (size_t i = 0; i < events.size(); ++i) {
      ASSERT_EQ(events[i].kv.mod_revision, R(after + 1 + static_cast<Revision>(i)));
    }
  }
}

TEST_P(WatchTest, SlowWatcherIsClosedWithGone) {
  Open(/*buffer_events=*/10);
  auto slow = MustWatch("/slow/", 0);
  auto sentinel = MustWatch("/sentinel", 0);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store_->Create("/slow/" + std::to_string(i), "v").ok());
  ASSERT_TRUE(store_->Create("/sentinel", "v").ok());
  // Fan-out is in commit order: once the sentinel arrives, the slow watch has overflowed.
  NextEvents(*sentinel, 1);
  std::vector<WatchEvent> events;
  Status status = slow->Next(&events, std::chrono::milliseconds(0));
  EXPECT_EQ(status.code(), StatusCode::kGone);
  EXPECT_NE(status.message().find("too slow"), std::string::npos);
  // The writer was never held up and the sentinel watcher is fine.
  EXPECT_TRUE(store_->Create("/sentinel2", "v").ok());
}

TEST_P(WatchTest, CancelWakesBlockedNext) {
  auto watch = MustWatch("/x/", 0);
  std::atomic<bool> entered{false};
  Status result;
  std::thread consumer([&] {
    std::vector<WatchEvent> events;
    entered = true;
    result = watch->Next(&events, std::chrono::seconds(60));
  });
  while (!entered.load()) std::this_thread::yield();
  watch->Cancel();
  consumer.join();
  EXPECT_EQ(result.code(), StatusCode::kCancelled);
}

TEST_P(WatchTest, SetNotifyFiresOnNewEvents) {
  auto watch = MustWatch("/n/", Current());
  std::mutex mu;
  std::condition_variable cv;
  int notified = 0;
  watch->SetNotify([&] {
    std::lock_guard<std::mutex> lock(mu);
    ++notified;
    cv.notify_all();
  });
  ASSERT_TRUE(store_->Create("/n/a", "v").ok());
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return notified > 0; }));
  }
  std::vector<WatchEvent> events;
  ASSERT_TRUE(watch->Next(&events, std::chrono::milliseconds(0)).ok());
  EXPECT_EQ(Dumps(events), std::vector<std::string>{"PUT /n/a=v@1(1)"});
}

TEST_P(WatchTest, StoreShutdownClosesWatches) {
  auto watch = MustWatch("/s/", 0);
  ASSERT_TRUE(store_->Create("/s/a", "v").ok());
  store_.reset();
  std::vector<WatchEvent> events;
  Status status;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (status.ok() && std::chrono::steady_clock::now() < deadline) {
    status = watch->Next(&events, std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tinyk8s::storage
