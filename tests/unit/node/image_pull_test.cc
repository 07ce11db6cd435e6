#include <gtest/gtest.h>

#include "api/json.h"
#include "node/pod_status.h"

namespace tinyk8s::node {
namespace {

rapidjson::Document Pod(const std::string& image) {
  rapidjson::Document d;
  d.Parse((R"({"metadata":{"name":"p","namespace":"t","uid":"0123456789"},)"
           R"("spec":{"nodeName":"node01","containers":[{"name":"app","image":")" +
           image + R"("},{"name":"side","image":"registry.local/side:1.0"}]}})")
              .c_str());
  return d;
}

std::string Field(const rapidjson::Value& v, std::initializer_list<std::string_view> path) {
  return api::GetString(v, path);
}

TEST(ImagePullTest, PulledImagesRunAndBecomeReady) {
  auto pod = Pod("registry.local/agent:1.0");
  RunningState state{"172.16.0.1", "10.128.1.5", true};
  auto patch = RunningStatusPatch(pod, state, Clock::TimePoint{});
  const auto& status = patch["status"];
  EXPECT_EQ(Field(status, {"phase"}), "Running");
  const auto& app = status["containerStatuses"][0];
  EXPECT_TRUE(app["state"].HasMember("running"));
  EXPECT_TRUE(app["ready"].GetBool());
  EXPECT_TRUE(app["started"].GetBool());
}

// SIM-2: foo:non-existent never starts; the pod stays Pending and unready even when the
// readiness delay is over; the other containers run.
TEST(ImagePullTest, ImageThatCannotBePulledKeepsThePodPending) {
  auto pod = Pod("foo:non-existent");
  RunningState state{"172.16.0.1", "10.128.1.5", true};
  auto patch = RunningStatusPatch(pod, state, Clock::TimePoint{});
  const auto& status = patch["status"];
  EXPECT_EQ(Field(status, {"phase"}), "Pending");
  EXPECT_EQ(Field(status, {"podIP"}), "10.128.1.5");
  for (const auto& c : status["conditions"].GetArray()) {
    std::string type = Field(c, {"type"});
    if (type == "Ready" || type == "ContainersReady") {
      EXPECT_EQ(Field(c, {"status"}), "False") << type;
      EXPECT_EQ(Field(c, {"reason"}), "ContainersNotReady") << type;
      EXPECT_EQ(Field(c, {"message"}), "containers with unready status: [app side]") << type;
    }
  }
  const auto& app = status["containerStatuses"][0];
  EXPECT_EQ(Field(app, {"state", "waiting", "reason"}), "ImagePullBackOff");
  EXPECT_EQ(Field(app, {"state", "waiting", "message"}),
            "Back-off pulling image \"foo:non-existent\"");
  EXPECT_FALSE(app["ready"].GetBool());
  EXPECT_FALSE(app["started"].GetBool());
  const auto& side = status["containerStatuses"][1];
  EXPECT_TRUE(side["state"].HasMember("running"));
  EXPECT_FALSE(side["ready"].GetBool());
}

// imageID is the repository digest as containerd reports it: fully qualified, no tag.
TEST(ImagePullTest, ImageIdIsTheQualifiedRepositoryDigest) {
  RunningState state{"172.16.0.1", "10.128.1.5", true};
  for (const auto& [image, repo] : std::vector<std::pair<std::string, std::string>>{
           {"prom/node-exporter:v1.6.0", "docker.io/prom/node-exporter@sha256:"},
           {"busybox", "docker.io/library/busybox@sha256:"},
           {"registry.local:5000/agent:1.0", "registry.local:5000/agent@sha256:"}}) {
    auto patch = RunningStatusPatch(Pod(image), state, Clock::TimePoint{});
    std::string id = Field(patch["status"]["containerStatuses"][0], {"imageID"});
    EXPECT_EQ(id.rfind(repo, 0), 0u) << id;
    EXPECT_EQ(id.size(), repo.size() + 64) << id;
  }
}

TEST(ImagePullTest, OnlyTheNonExistentTagCannotBePulled) {
  EXPECT_TRUE(ImageCannotBePulled("foo:non-existent"));
  EXPECT_TRUE(ImageCannotBePulled("registry.local:5000/foo:non-existent"));
  EXPECT_FALSE(ImageCannotBePulled("registry.local:5000/non-existent"));
  EXPECT_FALSE(ImageCannotBePulled("non-existent"));
  EXPECT_FALSE(ImageCannotBePulled("foo:1.0"));
}

}  // namespace
}  // namespace tinyk8s::node
