// SqliteStore cases that look inside the database file; the Store rules themselves are
// checked on every backend by store_test.cc.

#include "storage/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <string>

#include "tests/unit/storage/test_util.h"

namespace tinyk8s::storage {
namespace {

using testing::TempDir;

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteStoreOptions Options() {
    SqliteStoreOptions options;
    options.path = dir_.File("state.db");
    options.durable = false;  // the crash test covers durability
    options.compaction_interval = std::chrono::milliseconds(0);
    return options;
  }
  void SetUp() override {
    auto store = SqliteStore::Open(Options());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, CompactionDeletesSupersededRowsAndTombstones) {
  ASSERT_TRUE(store_->Create("/c/a", "a1").ok());     // 1
  ASSERT_TRUE(store_->Create("/c/b", "b1").ok());     // 2
  ASSERT_TRUE(store_->Update("/c/a", "a2", 1).ok());  // 3
  ASSERT_TRUE(store_->Delete("/c/b", 2).ok());        // 4
  ASSERT_TRUE(store_->Create("/c/d", "d1").ok());     // 5
  ASSERT_TRUE(store_->Update("/c/a", "a3", 3).ok());  // 6
  ASSERT_TRUE(store_->Compact(4).ok());
  ASSERT_TRUE(store_->WaitForCompaction().ok());
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

// Pages read through a memory map stay resident in the process (they counted for ~100 MiB of
// the API server's peak RSS at 5,000 nodes), so the store reads the file without mapping it.
TEST_F(SqliteStoreTest, ReadsAndWritesWithoutMappingTheDatabaseFile) {
  const std::string value(1024, 'v');
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(store_->Create("/m/" + std::to_string(i), value).ok());
  }
  for (int i = 0; i < 2000; i += 7) {
    auto got = store_->Get("/m/" + std::to_string(i));
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(store_->Update(got->key, value + "2", got->mod_revision).ok());
  }
  auto listed = store_->List("/m/", ListOptions{});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->items.size(), 2000u);
  std::ifstream maps("/proc/self/maps");
  ASSERT_TRUE(maps.good());
  // The small WAL index (state.db-shm) is shared memory by design; the database file is not.
  const std::string path = Options().path;
  std::string line;
  while (std::getline(maps, line)) {
    EXPECT_FALSE(line.size() >= path.size() && line.ends_with(path)) << line;
  }
}

}  // namespace
}  // namespace tinyk8s::storage
