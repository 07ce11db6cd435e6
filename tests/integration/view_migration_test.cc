// End-to-end: a data dir from before events.k8s.io/v1 became a view of core Events still holds
// Events under "/registry/events.k8s.io/events/"; the server moves them at start and both API
// versions serve them.
#include <gtest/gtest.h>

#include "storage/sqlite_store.h"
#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

TEST(ViewMigrationE2eTest, EventsOfAnOlderDataDirAreServedAfterARestart) {
  if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 not installed";
  const std::vector<std::string> api_only = {"--disable", "scheduler,controllers,dns"};
  TestCluster cluster(api_only);
  ASSERT_TRUE(cluster.ok()) << "server did not start";
  ASSERT_EQ(cluster.Kubectl({"create", "namespace", "t"}).exit_code, 0);
  ASSERT_EQ(cluster.Stop(), 0);
  {
    // What an older binary wrote for `kubectl create` of an events.k8s.io/v1 Event.
    storage::SqliteStoreOptions so;
    so.path = cluster.dir() + "/data/state.db";
    auto store = storage::SqliteStore::Open(so);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto created = (*store)->Create(
        "/registry/events.k8s.io/events/t/pulled",
        R"({"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"pulled",)"
        R"("namespace":"t","uid":"3f1c2a9e-0000-4000-8000-000000000001",)"
        R"("creationTimestamp":"2026-11-01T10:00:00Z"},)"
        R"("eventTime":"2026-11-01T10:00:00.000000Z","reportingController":"ctl",)"
        R"("reportingInstance":"ctl-1","action":"Pulled","reason":"Pulled",)"
        R"("regarding":{"kind":"Pod","namespace":"t","name":"web"},"note":"image pulled",)"
        R"("type":"Normal"})");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }
  // The same data dir again (the restart writes the kubeconfig with its new port).
  const std::string port_file = cluster.dir() + "/port-again";
  std::vector<std::string> args = {"server",   "--data-dir",   cluster.dir() + "/data",
                                   "--listen", "127.0.0.1:0",  "--port-file",
                                   port_file,  "--dns-listen", "127.0.0.1:0"};
  args.insert(args.end(), api_only.begin(), api_only.end());
  cluster.Spawn(args, "server-again");
  ASSERT_TRUE(WaitFor([&] { return !ReadFile(port_file).empty(); }, 30))
      << ReadFile(cluster.dir() + "/server-again.log");
  auto view = cluster.Kubectl(
      {"get", "events.v1.events.k8s.io", "-n", "t", "-o", "jsonpath={.items[*].note}"});
  EXPECT_EQ(view.out, "image pulled") << view.err;
  auto core = cluster.Kubectl({"get", "events", "-n", "t", "-o",
                               "jsonpath={.items[*].message}/{.items[*].involvedObject.name}"});
  EXPECT_EQ(core.out, "image pulled/web") << core.err;
}

}  // namespace
}  // namespace tinyk8s::testing
