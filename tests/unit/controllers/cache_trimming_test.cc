// The controller manager's informer transforms keep exactly the fields its controllers read.
#include "controllers/cache_trimming.h"

#include <gtest/gtest.h>

#include "api/json.h"

namespace tinyk8s::testing {
namespace {

std::string Trimmed(const std::string& json, void (*trim)(rapidjson::Value&)) {
  auto doc = api::ParseJson(json);
  EXPECT_TRUE(doc.ok());
  trim(*doc);
  return api::ToJson(*doc);
}

TEST(CacheTrimmingTest, PodsKeepWhatTheControllersRead) {
  EXPECT_EQ(
      Trimmed(
          R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"p","namespace":"t","uid":"u","resourceVersion":"5","labels":{"app":"a"},
      "annotations":{"x":"y"},"ownerReferences":[{"kind":"DaemonSet","name":"d","uid":"o"}],
      "deletionTimestamp":"2024-01-01T00:00:00Z","finalizers":["f"]},
    "spec":{"nodeName":"n1","hostname":"h","subdomain":"s","schedulerName":"default-scheduler",
      "tolerations":[{"key":"k","operator":"Exists"}],
      "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{}},
                  "podAntiAffinity":{}},
      "volumes":[{"name":"v","emptyDir":{}}],
      "containers":[{"name":"c","image":"nginx","env":[{"name":"A","value":"1"}],
                     "ports":[{"name":"http","containerPort":80,"protocol":"TCP"}]}]},
    "status":{"phase":"Running","podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.1"}],"hostIP":"1.2.3.4",
      "startTime":"2024-01-01T00:00:00Z","containerStatuses":[{"name":"c","ready":true}],
      "conditions":[{"type":"Ready","status":"True","lastProbeTime":null,
                     "lastTransitionTime":"2024-01-01T00:00:00Z","reason":"r","message":"m"}]}})",
          controllers::TrimPodForControllers),
      R"({"apiVersion":"v1","kind":"Pod",)"
      R"("metadata":{"name":"p","namespace":"t","uid":"u","resourceVersion":"5","labels":{"app":"a"},)"
      R"("annotations":{"x":"y"},"ownerReferences":[{"kind":"DaemonSet","name":"d","uid":"o"}],)"
      R"("deletionTimestamp":"2024-01-01T00:00:00Z","finalizers":["f"]},)"
      R"("spec":{"nodeName":"n1","hostname":"h","subdomain":"s",)"
      R"("tolerations":[{"key":"k","operator":"Exists"}],)"
      R"("affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{}}},)"
      R"("containers":[{"name":"c","ports":[{"name":"http","containerPort":80,"protocol":"TCP"}]}]},)"
      R"("status":{"phase":"Running","podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.1"}],)"
      R"("conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2024-01-01T00:00:00Z"}]}})");
}

TEST(CacheTrimmingTest, NodesKeepSpecAndConditionHeartbeats) {
  EXPECT_EQ(
      Trimmed(R"({"apiVersion":"v1","kind":"Node",
    "metadata":{"name":"n1","labels":{"topology.kubernetes.io/zone":"z"}},
    "spec":{"unschedulable":true,"taints":[{"key":"k","effect":"NoSchedule"}],"podCIDR":"10.0.0.0/24"},
    "status":{"capacity":{"cpu":"4"},"allocatable":{"cpu":"4"},"nodeInfo":{"kubeletVersion":"v"},
      "addresses":[{"type":"InternalIP","address":"1.2.3.4"}],"images":[{"names":["a"]}],
      "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"ok",
        "lastHeartbeatTime":"2024-01-01T00:00:00Z","lastTransitionTime":"2024-01-01T00:00:00Z"}]}})",
              controllers::TrimNodeForControllers),
      R"({"apiVersion":"v1","kind":"Node",)"
      R"("metadata":{"name":"n1","labels":{"topology.kubernetes.io/zone":"z"}},)"
      R"("spec":{"unschedulable":true,"taints":[{"key":"k","effect":"NoSchedule"}],"podCIDR":"10.0.0.0/24"},)"
      R"("status":{"conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2024-01-01T00:00:00Z"}]}})");
}

TEST(CacheTrimmingTest, MetadataOnlyAndMissingPartsAreFine) {
  EXPECT_EQ(
      Trimmed(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"}})",
              controllers::KeepMetadataOnly),
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}})");
  EXPECT_EQ(Trimmed(R"({"metadata":{"name":"p"}})", controllers::TrimPodForControllers),
            R"({"metadata":{"name":"p"}})");
  EXPECT_EQ(
      Trimmed(R"({"metadata":{"name":"n"},"status":"odd"})", controllers::TrimNodeForControllers),
      R"({"metadata":{"name":"n"},"status":"odd"})");
}

TEST(CacheTrimmingTest, ConfigMapsKeepMetadataExceptTheRootCaOnes) {
  auto other = api::ParseJson(
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":"v"}})");
  auto root = api::ParseJson(
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kube-root-ca.crt"},"data":{"ca.crt":"pem"}})");
  ASSERT_TRUE(other.ok() && root.ok());
  controllers::TrimConfigMapForControllers(*other);
  controllers::TrimConfigMapForControllers(*root);
  EXPECT_EQ(api::FindMember(*other, "data"), nullptr);
  EXPECT_EQ(api::GetString(*root, {"data", "ca.crt"}), "pem");
}

}  // namespace
}  // namespace tinyk8s::testing
