#include "node/pod_status.h"

#include <gtest/gtest.h>

#include "api/json.h"
#include "api/patch.h"
#include "api/schema/prune.h"
#include "api/schema/schema.h"

namespace tinyk8s::node {
namespace {

using rapidjson::Document;

// StoreLikeServer applies a status merge patch the way the API server stores it: merge, then
// prune against the Pod schema (which drops null members).
Document StoreLikeServer(const Document& pod, const Document& patch) {
  Document stored;
  stored.CopyFrom(pod, stored.GetAllocator());
  api::ApplyMergePatch(stored, patch, stored.GetAllocator());
  const auto* type = api::schema::BuiltinSchemas().ForKind("", "v1", "Pod");
  EXPECT_NE(type, nullptr);
  std::vector<std::string> problems;
  EXPECT_TRUE(api::schema::PruneObject(stored, *type, stored.GetAllocator(), &problems).ok());
  EXPECT_TRUE(problems.empty()) << problems.front();
  return stored;
}

Document PendingPod(const char* extra_spec = "") {
  auto pod = api::ParseJson(
      std::string(
          R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default",)"
          R"("uid":"0f1e2d3c-aaaa-bbbb-cccc-000000000001"},"spec":{"nodeName":"node01",)"
          R"("containers":[{"name":"app","image":"nginx:1.25"}],)"
          R"("initContainers":[{"name":"init","image":"busybox"}])") +
      extra_spec + R"(},"status":{"phase":"Pending","qosClass":"BestEffort"}})");
  EXPECT_TRUE(pod.ok());
  return std::move(*pod);
}

// The agent writes a pod's status once per transition: after the stored result of its first
// write comes back through the watch, recomputing the status finds nothing to change.
TEST(PodStatusTest, RunningStatusIsWrittenOncePerTransition) {
  Document pod = PendingPod();
  RunningState state{"172.16.0.1", "10.128.1.2", true};
  auto t0 = Clock::TimePoint(std::chrono::seconds(1'700'000'000));
  Document patch = RunningStatusPatch(pod, state, t0);
  ASSERT_TRUE(StatusChanged(pod, patch));
  Document stored = StoreLikeServer(pod, patch);
  EXPECT_FALSE(
      StatusChanged(stored, RunningStatusPatch(stored, state, t0 + std::chrono::seconds(3))))
      << api::ToJson(stored);

  // The next transition (unready) is one write again.
  state.ready = false;
  Document unready = RunningStatusPatch(stored, state, t0 + std::chrono::seconds(5));
  ASSERT_TRUE(StatusChanged(stored, unready));
  Document stored2 = StoreLikeServer(stored, unready);
  EXPECT_FALSE(
      StatusChanged(stored2, RunningStatusPatch(stored2, state, t0 + std::chrono::seconds(9))));
}

TEST(PodStatusTest, FailedStatusIsWrittenOnce) {
  Document pod = PendingPod();
  auto t0 = Clock::TimePoint(std::chrono::seconds(1'700'000'000));
  Document patch = FailedStatusPatch(pod, "OutOfcpu", "no room", t0);
  ASSERT_TRUE(StatusChanged(pod, patch));
  Document stored = StoreLikeServer(pod, patch);
  EXPECT_FALSE(StatusChanged(
      stored, FailedStatusPatch(stored, "OutOfcpu", "no room", t0 + std::chrono::seconds(2))))
      << api::ToJson(stored);
}

TEST(PodStatusTest, StatusChangedSeesRealChanges) {
  Document pod = PendingPod();
  RunningState state{"172.16.0.1", "10.128.1.2", true};
  auto t0 = Clock::TimePoint(std::chrono::seconds(1'700'000'000));
  Document stored = StoreLikeServer(pod, RunningStatusPatch(pod, state, t0));
  state.pod_ip = "10.128.1.3";
  EXPECT_TRUE(StatusChanged(stored, RunningStatusPatch(stored, state, t0)));
}

}  // namespace
}  // namespace tinyk8s::node
