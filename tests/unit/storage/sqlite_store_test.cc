// SqliteStore cases that look inside the database file; the Store rules themselves are
// checked on every backend by store_test.cc.

#include "storage/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

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

}  // namespace
}  // namespace tinyk8s::storage
