#pragma once
// ScratchStore: a real SqliteStore (not durable: tests need no fsync) in a fresh directory
// named after the running test, removed again when the test ends.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/sqlite_store.h"

namespace tinyk8s::testing {

class ScratchStore {
 public:
  explicit ScratchStore(const std::string& tag)
      : dir_(std::filesystem::temp_directory_path() /
             ("tinyk8s-" + tag + "-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    storage::SqliteStoreOptions so;
    so.path = (dir_ / "state.db").string();
    so.durable = false;
    store_ = std::move(storage::SqliteStore::Open(so)).value();
  }
  ~ScratchStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;

  storage::SqliteStore* get() const { return store_.get(); }
  storage::SqliteStore* operator->() const { return store_.get(); }
  storage::SqliteStore& operator*() const { return *store_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<storage::SqliteStore> store_;
};

}  // namespace tinyk8s::testing
