// ClusterRole aggregation: the union of the selected roles' rules, in name order, each once,
// written into the aggregating role; roles without an aggregationRule are left alone.
#include "controllers/clusterroleaggregation/cluster_role_aggregation_controller.h"

#include <gtest/gtest.h>

#include "api/json.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/controllers/test_util.h"

namespace tinyk8s::testing {
namespace {

using controllers::clusterroleaggregation::ClusterRoles;

std::string Role(const std::string& name, const std::string& labels, const std::string& rules,
                 const std::string& aggregation = "") {
  return R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":")" +
         name + R"(","labels":{)" + labels + R"(}},)" +
         (aggregation.empty() ? "" : R"("aggregationRule":)" + aggregation + ",") + R"("rules":)" +
         rules + "}";
}

const char kToView[] = R"("rbac.authorization.k8s.io/aggregate-to-view":"true")";
const char kViewSelector[] =
    R"({"clusterRoleSelectors":[{"matchLabels":{"rbac.authorization.k8s.io/aggregate-to-view":"true"}}]})";
const char kPods[] = R"({"apiGroups":[""],"resources":["pods"],"verbs":["get"]})";
const char kLeases[] =
    R"({"apiGroups":["coordination.k8s.io"],"resources":["leases"],"verbs":["get"]})";

std::string RulesOf(FakeClient& fake, const std::string& name) {
  auto role = fake.Get(ClusterRoles(), "", name);
  EXPECT_TRUE(role.ok());
  if (!role.ok()) return "";
  const rapidjson::Value* rules = api::FindMember(**role, "rules");
  return rules ? api::ToJson(*rules) : "";
}

TEST(ClusterRoleAggregationTest, UnionOfSelectedRolesInNameOrder) {
  FakeClient fake;
  FakeClock clock;
  client::SharedInformerFactory factory(fake);
  controllers::clusterroleaggregation::ClusterRoleAggregationController ctrl(fake, factory, clock);
  fake.Add(ClusterRoles(), Role("view", "", "[]", kViewSelector));
  // "b-leases" repeats the pods rule: it appears once.
  fake.Add(ClusterRoles(),
           Role("b-leases", kToView, std::string("[") + kLeases + "," + kPods + "]"));
  fake.Add(ClusterRoles(), Role("a-pods", kToView, std::string("[") + kPods + "]"));
  fake.Add(ClusterRoles(), Role("unlabelled", "", std::string("[") + kLeases + "]"));
  CacheFrom(fake, factory.ForResource(ClusterRoles()));
  ASSERT_TRUE(ctrl.Sync("view").ok());
  auto want = api::ParseJson(std::string("[") + kPods + "," + kLeases + "]");
  ASSERT_TRUE(want.ok());
  EXPECT_EQ(RulesOf(fake, "view"), api::ToJson(*want));
  // A role without an aggregationRule keeps its rules.
  ASSERT_TRUE(ctrl.Sync("a-pods").ok());
  EXPECT_EQ(RulesOf(fake, "a-pods"), api::ToJson(*api::ParseJson(std::string("[") + kPods + "]")));
}

TEST(ClusterRoleAggregationTest, BadSelectorIsAnError) {
  auto role = api::ParseJson(
      Role("x", "", "[]",
           R"({"clusterRoleSelectors":[{"matchExpressions":[{"key":"a","operator":"Bogus"}]}]})"));
  ASSERT_TRUE(role.ok());
  EXPECT_FALSE(controllers::clusterroleaggregation::AggregatedRules(*role, {}).ok());
}

}  // namespace
}  // namespace tinyk8s::testing
