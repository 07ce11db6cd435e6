// Garbage collector: background, foreground and orphan propagation (GC-2..GC-5).
#include "controllers/garbagecollector/garbage_collector.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/controllers/test_util.h"

namespace tinyk8s::testing {
namespace {

using controllers::garbagecollector::GarbageCollector;
namespace res = client::resources;

std::string PodOwnedBy(const std::string& name, const std::string& owner_uid,
                       const std::string& owner_name = "ds", bool block = true) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","namespace":"t","ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":")" +
         owner_name + R"(","uid":")" + owner_uid + R"(","controller":true,"blockOwnerDeletion":)" +
         (block ? "true" : "false") + R"(}]},"spec":{}})";
}

// A ConfigMap `name` (uid "uid-<name>") owned by the ConfigMaps `owners` (blocking refs).
std::string ConfigMapOwnedBy(const std::string& name, const std::vector<std::string>& owners) {
  std::string refs;
  for (const std::string& o : owners) {
    refs += std::string(refs.empty() ? "" : ",") +
            R"({"apiVersion":"v1","kind":"ConfigMap","name":")" + o + R"(","uid":"uid-)" + o +
            R"(","blockOwnerDeletion":true})";
  }
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
         R"(","namespace":"t","uid":"uid-)" + name + R"(","ownerReferences":[)" + refs + "]}}";
}

class GarbageCollectorTest : public ::testing::Test {
 protected:
  void CacheAll() {
    for (const auto& r : GarbageCollector::DefaultResources())
      CacheFrom(fake_, factory_.ForResource(r));
  }
  Status SyncObj(const client::Resource& r, const std::string& ns, const std::string& name) {
    auto obj = fake_.Get(r, ns, name);
    if (!obj.ok()) return obj.status();
    return gc_.Sync(*gc_.KeyFor(r, **obj));
  }
  bool Exists(const client::Resource& r, const std::string& name) {
    return fake_.Get(r, r.namespaced ? "t" : "", name).ok();
  }
  // Level-triggered processing as the workers would do it: `rounds` passes in which the cache
  // catches up and every ConfigMap is synced once.
  void SyncConfigMaps(int rounds) {
    for (int i = 0; i < rounds; ++i) {
      CacheAll();
      auto list = fake_.List(res::ConfigMaps(), "t");
      ASSERT_TRUE(list.ok());
      for (const auto& obj : list->items) {
        EXPECT_TRUE(gc_.Sync(*gc_.KeyFor(res::ConfigMaps(), *obj)).ok());
      }
    }
  }
  void DeleteInForeground(const std::string& config_map) {
    client::DeleteOptions foreground;
    foreground.propagation_policy = "Foreground";
    ASSERT_TRUE(fake_.Delete(res::ConfigMaps(), "t", config_map, foreground).ok());
  }

  FakeClient fake_;
  FakeClock clock_;
  client::SharedInformerFactory factory_{fake_};
  GarbageCollector gc_{fake_, factory_, clock_};
};

TEST_F(GarbageCollectorTest, BackgroundDeletesDependentsOfGoneOwners) {
  fake_.Add(res::Pods(), PodOwnedBy("p1", "gone-uid"));
  CacheAll();
  ASSERT_TRUE(SyncObj(res::Pods(), "t", "p1").ok());
  EXPECT_FALSE(Exists(res::Pods(), "p1"));
}

TEST_F(GarbageCollectorTest, LiveOwnerIsCheckedByUid) {
  fake_.Add(res::DaemonSets(), DsJson("ds"));
  fake_.Add(res::Pods(), PodOwnedBy("mine", "uid-ds"));
  fake_.Add(res::Pods(), PodOwnedBy("stale", "old-uid"));
  // The owner is missing from the cache: the live GET must keep "mine".
  CacheFrom(fake_, factory_.ForResource(res::Pods()));
  ASSERT_TRUE(SyncObj(res::Pods(), "t", "mine").ok());
  ASSERT_TRUE(SyncObj(res::Pods(), "t", "stale").ok());
  EXPECT_TRUE(Exists(res::Pods(), "mine"));
  EXPECT_FALSE(Exists(res::Pods(), "stale"));
}

// An owner lookup that fails (transport error) decides nothing: the sync fails so the queue
// retries it, instead of treating the owner as alive and never looking again.
TEST_F(GarbageCollectorTest, FailedOwnerLookupIsRetried) {
  fake_.Add(res::Pods(), PodOwnedBy("p1", "gone-uid"));
  CacheAll();
  fake_.PrependReactor("get", "daemonsets", [](const FakeAction&) -> std::optional<Status> {
    return Status::Unavailable("read response: stream truncated");
  });
  EXPECT_FALSE(SyncObj(res::Pods(), "t", "p1").ok());
  EXPECT_TRUE(Exists(res::Pods(), "p1"));
}

TEST_F(GarbageCollectorTest, SurvivingOwnerOnlyLosesDanglingRef) {
  fake_.Add(res::DaemonSets(), DsJson("ds"));
  fake_.Add(
      res::Pods(),
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"t","ownerReferences":[)"
      R"({"apiVersion":"apps/v1","kind":"DaemonSet","name":"ds","uid":"uid-ds"},)"
      R"({"apiVersion":"apps/v1","kind":"DaemonSet","name":"old","uid":"gone"}]},"spec":{}})");
  CacheAll();
  ASSERT_TRUE(SyncObj(res::Pods(), "t", "p").ok());
  auto p = fake_.Get(res::Pods(), "t", "p");
  ASSERT_TRUE(p.ok());
  auto refs = api::GetOwnerReferences(**p);
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].uid, "uid-ds");
}

TEST_F(GarbageCollectorTest, OrphanStripsRefsThenFinalizer) {
  fake_.Add(res::DaemonSets(), DsJson("ds"));
  fake_.Add(res::Pods(), PodOwnedBy("p1", "uid-ds"));
  fake_.Add(
      res::ControllerRevisions(),
      R"({"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"r1","namespace":"t","ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"ds","uid":"uid-ds","controller":true}]},"revision":1,"data":{}})");
  ASSERT_TRUE(fake_
                  .Patch(res::DaemonSets(), "t", "ds", client::PatchType::kMerge,
                         R"({"metadata":{"finalizers":["orphan"]}})")
                  .ok());
  ASSERT_TRUE(fake_.Delete(res::DaemonSets(), "t", "ds").ok());
  CacheAll();
  ASSERT_TRUE(SyncObj(res::DaemonSets(), "t", "ds").ok());
  EXPECT_FALSE(Exists(res::DaemonSets(), "ds"));
  auto p = fake_.Get(res::Pods(), "t", "p1");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(api::GetOwnerReferences(**p).empty());
  auto r = fake_.Get(res::ControllerRevisions(), "t", "r1");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(api::GetOwnerReferences(**r).empty());
}

TEST_F(GarbageCollectorTest, ForegroundWaitsForBlockingDependents) {
  fake_.Add(res::DaemonSets(), DsJson("ds"));
  // A pod with a finalizer of its own stays (terminating) after its delete, like a pod that the
  // kubelet has not finished yet.
  fake_.Add(
      res::Pods(),
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1","namespace":"t","finalizers":["test/hold"],"ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"ds","uid":"uid-ds","controller":true,"blockOwnerDeletion":true}]},"spec":{}})");
  ASSERT_TRUE(fake_
                  .Patch(res::DaemonSets(), "t", "ds", client::PatchType::kMerge,
                         R"({"metadata":{"finalizers":["foregroundDeletion"]}})")
                  .ok());
  ASSERT_TRUE(fake_.Delete(res::DaemonSets(), "t", "ds").ok());
  CacheAll();
  ASSERT_TRUE(SyncObj(res::DaemonSets(), "t", "ds").ok());
  auto p = fake_.Get(res::Pods(), "t", "p1");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(api::HasDeletionTimestamp(**p));
  EXPECT_TRUE(Exists(res::DaemonSets(), "ds"));  // still blocked by p1
  // p1 goes; the owner's finalizer is removed and it disappears.
  ASSERT_TRUE(fake_
                  .Patch(res::Pods(), "t", "p1", client::PatchType::kMerge,
                         R"({"metadata":{"finalizers":null}})")
                  .ok());
  CacheAll();
  ASSERT_TRUE(SyncObj(res::DaemonSets(), "t", "ds").ok());
  EXPECT_FALSE(Exists(res::DaemonSets(), "ds"));
}

// Upstream's cycle guard: A owns B and B owns A, both blocking. Deleting A in the foreground
// deletes B in the foreground too; B, whose dependent A waits for its dependents, first stops
// blocking A. A then finishes, and B after it. Without the guard each waits for the other.
TEST_F(GarbageCollectorTest, ForegroundDeletionThroughATwoObjectCycleFinishes) {
  fake_.Add(res::ConfigMaps(), ConfigMapOwnedBy("a", {"b"}));
  fake_.Add(res::ConfigMaps(), ConfigMapOwnedBy("b", {"a"}));
  DeleteInForeground("a");
  SyncConfigMaps(1);
  auto b = fake_.Get(res::ConfigMaps(), "t", "b");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(api::HasDeletionTimestamp(**b));
  ASSERT_EQ(api::GetOwnerReferences(**b).size(), 1u);
  EXPECT_FALSE(api::GetOwnerReferences(**b)[0].block_owner_deletion);  // unblocked, kept
  SyncConfigMaps(3);
  EXPECT_FALSE(Exists(res::ConfigMaps(), "a"));
  EXPECT_FALSE(Exists(res::ConfigMaps(), "b"));
}

// A owns B, B owns C, C owns A: C is the one whose dependent (A) waits, so C stops blocking B.
TEST_F(GarbageCollectorTest, ForegroundDeletionThroughALongerCycleFinishes) {
  fake_.Add(res::ConfigMaps(), ConfigMapOwnedBy("a", {"c"}));
  fake_.Add(res::ConfigMaps(), ConfigMapOwnedBy("b", {"a"}));
  fake_.Add(res::ConfigMaps(), ConfigMapOwnedBy("c", {"b"}));
  DeleteInForeground("a");
  SyncConfigMaps(6);
  for (const char* name : {"a", "b", "c"}) EXPECT_FALSE(Exists(res::ConfigMaps(), name)) << name;
}

// An object that blocks its own foreground deletion waits, as upstream's does (it is its own
// blocking dependent and never deletes itself again); Sync returns each time. Dropping the
// reference releases it.
TEST_F(GarbageCollectorTest, SelfOwnedObjectWaitsUntilItsReferenceGoes) {
  fake_.Add(res::ConfigMaps(), ConfigMapOwnedBy("self", {"self"}));
  DeleteInForeground("self");
  SyncConfigMaps(3);
  ASSERT_TRUE(Exists(res::ConfigMaps(), "self"));
  ASSERT_TRUE(fake_
                  .Patch(res::ConfigMaps(), "t", "self", client::PatchType::kMerge,
                         R"({"metadata":{"ownerReferences":null}})")
                  .ok());
  SyncConfigMaps(1);
  EXPECT_FALSE(Exists(res::ConfigMaps(), "self"));
}

// A dependent of a foreground-deleting owner that has another, solid owner is not deleted: it
// only loses the reference to the deleting owner, which then finishes.
TEST_F(GarbageCollectorTest, ForegroundDependentWithAnotherSolidOwnerStays) {
  fake_.Add(res::ConfigMaps(), ConfigMapOwnedBy("going", {}));
  fake_.Add(res::ConfigMaps(), ConfigMapOwnedBy("staying", {}));
  fake_.Add(res::ConfigMaps(), ConfigMapOwnedBy("shared", {"going", "staying"}));
  DeleteInForeground("going");
  SyncConfigMaps(3);
  EXPECT_FALSE(Exists(res::ConfigMaps(), "going"));
  auto shared = fake_.Get(res::ConfigMaps(), "t", "shared");
  ASSERT_TRUE(shared.ok());
  EXPECT_FALSE(api::HasDeletionTimestamp(**shared));
  auto refs = api::GetOwnerReferences(**shared);
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].uid, "uid-staying");
}

TEST_F(GarbageCollectorTest, ClusterScopedOwner) {
  fake_.Add(
      res::Leases(),
      R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"n1","namespace":"kube-node-lease","ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"n1","uid":"node-uid"}]},"spec":{}})");
  CacheAll();
  auto lease = fake_.Get(res::Leases(), "kube-node-lease", "n1");
  ASSERT_TRUE(gc_.Sync(*gc_.KeyFor(res::Leases(), **lease)).ok());
  EXPECT_FALSE(fake_.Get(res::Leases(), "kube-node-lease", "n1").ok());
}

}  // namespace
}  // namespace tinyk8s::testing
