#pragma once
// StoreBackend: how the shared storage suite (store_test.cc, watch_test.cc) opens a Store, so
// that the same cases run on SqliteStore (a file in a temp dir) and on EtcdStore (a unique key
// prefix on a 3-member etcd cluster started once per test process).
//
// etcd's revisions are global to the cluster and start at 1, so the suite writes revisions
// relative to the store's revision when the test began (RevisionBase in test_util.h).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/store.h"

namespace tinyk8s::storage::testing {

struct StoreTestOptions {
  size_t watch_buffer_events = 10000;
  std::chrono::milliseconds compaction_interval{0};
  std::chrono::milliseconds retain_duration{std::chrono::minutes(5)};
  int64_t retain_revisions = 1000;
  int64_t compaction_step_revisions = 1000;  // SQLite only
};

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  // Open opens a store on this backend's data; every call opens the same data (reopening).
  virtual Result<std::unique_ptr<Store>> Open(const StoreTestOptions& options) = 0;
  // WaitForCompaction waits until compacted history is physically deleted, where that happens
  // after Compact returns.
  virtual Status WaitForCompaction(Store& store) = 0;
};

// The backends this test binary runs the suite on: "sqlite" or "etcd", chosen at build time
// (STORAGE_TEST_BACKEND) so that the etcd cases share one cluster in one process.
std::vector<std::string> TestBackends();

// MakeBackend creates fresh, empty data on the named backend. Fails the test (nullptr) when
// the backend cannot start.
std::unique_ptr<StoreBackend> MakeBackend(const std::string& name);

}  // namespace tinyk8s::storage::testing
