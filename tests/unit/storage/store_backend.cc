#include "tests/unit/storage/store_backend.h"

#include <gtest/gtest.h>

#include "storage/etcd_store.h"
#include "storage/sqlite_store.h"
#include "tests/support/etcd_cluster.h"
#include "tests/unit/storage/test_util.h"

namespace tinyk8s::storage::testing {

namespace {

class SqliteBackend final : public StoreBackend {
 public:
  Result<std::unique_ptr<Store>> Open(const StoreTestOptions& options) override {
    SqliteStoreOptions so;
    so.path = dir_.File("state.db");
    so.durable = false;  // the crash test covers durability
    so.watch_buffer_events = options.watch_buffer_events;
    so.compaction_interval = options.compaction_interval;
    so.retain_duration = options.retain_duration;
    so.retain_revisions = options.retain_revisions;
    so.compaction_step_revisions = options.compaction_step_revisions;
    TK_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(so));
    return std::unique_ptr<Store>(std::move(store));
  }
  Status WaitForCompaction(Store& store) override {
    return static_cast<SqliteStore&>(store).WaitForCompaction();
  }

 private:
  TempDir dir_;
};

// SharedEtcd is the cluster every etcd case of this process uses (started on first use,
// stopped at exit).
::tinyk8s::testing::EtcdCluster* SharedEtcd() {
  static auto* cluster = new ::tinyk8s::testing::EtcdCluster(3);
  struct Stopper : ::testing::Environment {
    void TearDown() override { delete cluster; }
  };
  static bool registered = [] {
    ::testing::AddGlobalTestEnvironment(new Stopper());
    return true;
  }();
  (void)registered;
  return cluster;
}

class EtcdBackend final : public StoreBackend {
 public:
  EtcdBackend() {
    // A prefix of its own per test: the cluster is shared, the keys are not.
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = "/t" + std::to_string(++counter) + "-" +
              (info != nullptr ? std::string(info->name()) : std::string("test"));
  }
  Result<std::unique_ptr<Store>> Open(const StoreTestOptions& options) override {
    auto* cluster = SharedEtcd();
    if (!cluster->ok()) return Status::Unavailable("etcd cluster: " + cluster->error());
    EtcdStoreOptions eo;
    eo.client.endpoints = {cluster->ClientUrl(0), cluster->ClientUrl(1), cluster->ClientUrl(2)};
    eo.prefix = prefix_;
    eo.watch_buffer_events = options.watch_buffer_events;
    eo.compaction_interval = options.compaction_interval;
    eo.retain_duration = options.retain_duration;
    eo.retain_revisions = options.retain_revisions;
    TK_ASSIGN_OR_RETURN(auto store, EtcdStore::Open(eo));
    return std::unique_ptr<Store>(std::move(store));
  }
  Status WaitForCompaction(Store&) override { return Status::OK(); }

 private:
  std::string prefix_;
};

}  // namespace

std::vector<std::string> TestBackends() { return {STORAGE_TEST_BACKEND}; }

std::unique_ptr<StoreBackend> MakeBackend(const std::string& name) {
  if (name == "sqlite") return std::make_unique<SqliteBackend>();
  if (name == "etcd") {
    if (!::tinyk8s::testing::EtcdCluster::Available()) {
      ADD_FAILURE() << "etcd is not installed: run scripts/install-deps.sh";
      return nullptr;
    }
    return std::make_unique<EtcdBackend>();
  }
  ADD_FAILURE() << "unknown storage backend " << name;
  return nullptr;
}

}  // namespace tinyk8s::storage::testing
