// Unit tests of the bootstrap policy reconciliation rules (upstream
// pkg/registry/rbac/reconciliation, union mode): what is missing is added, what the user added
// stays, autoupdate=false protects, labels and annotations merge with the user's values winning.
#include "apiserver/auth/policy_reconciliation.h"

#include <gtest/gtest.h>

#include "api/json.h"

namespace tinyk8s::apiserver::auth {
namespace {

rapidjson::Document Json(const std::string& text) {
  auto doc = api::ParseJson(text);
  EXPECT_TRUE(doc.ok()) << text;
  return doc.ok() ? std::move(*doc) : rapidjson::Document();
}

std::string Field(const rapidjson::Value& obj, std::initializer_list<std::string_view> path) {
  const rapidjson::Value* v = api::FindPath(obj, path);
  return v ? api::ToJson(*v) : "<missing>";
}

const char* kExpectedRole = R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole",
  "metadata":{"name":"reader","labels":{"kubernetes.io/bootstrapping":"rbac-defaults"},
    "annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},
  "rules":[{"apiGroups":[""],"resources":["pods","configmaps"],"verbs":["get","list"]},
           {"nonResourceURLs":["/healthz"],"verbs":["get"]}]})";

TEST(PolicyReconciliationTest, AbsentRoleIsCreatedAsExpected) {
  auto expected = Json(kExpectedRole);
  ReconcileResult r = ReconcileClusterRole(nullptr, expected);
  EXPECT_EQ(r.operation, ReconcileOperation::kCreate);
  EXPECT_FALSE(r.is_protected);
  EXPECT_TRUE(api::JsonEqual(r.object, expected));
}

TEST(PolicyReconciliationTest, UnchangedRoleNeedsNothing) {
  auto expected = Json(kExpectedRole);
  auto existing = Json(kExpectedRole);
  EXPECT_EQ(ReconcileClusterRole(&existing, expected).operation, ReconcileOperation::kNone);
  // A wider rule the user wrote covers the expected ones: nothing is added either.
  auto wider = Json(R"({"kind":"ClusterRole","metadata":{"name":"reader",
    "labels":{"kubernetes.io/bootstrapping":"rbac-defaults"},
    "annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},
    "rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]},
             {"nonResourceURLs":["/heal*"],"verbs":["get"]}]})");
  EXPECT_EQ(ReconcileClusterRole(&wider, expected).operation, ReconcileOperation::kNone);
}

TEST(PolicyReconciliationTest, MissingRulesAreAddedAndUserRulesKept) {
  auto expected = Json(kExpectedRole);
  // An older version's role: pods only get, no configmaps, no /healthz; plus a user rule.
  auto existing = Json(R"({"kind":"ClusterRole","metadata":{"name":"reader",
    "resourceVersion":"7","labels":{"kubernetes.io/bootstrapping":"rbac-defaults"},
    "annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},
    "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]},
             {"apiGroups":["apps"],"resources":["daemonsets"],"verbs":["get"]}]})");
  ReconcileResult r = ReconcileClusterRole(&existing, expected);
  EXPECT_EQ(r.operation, ReconcileOperation::kUpdate);
  EXPECT_FALSE(r.is_protected);
  EXPECT_EQ(Field(r.object, {"rules"}),
            R"([{"apiGroups":[""],"resources":["pods"],"verbs":["get"]},)"
            R"({"apiGroups":["apps"],"resources":["daemonsets"],"verbs":["get"]},)"
            R"({"verbs":["list"],"apiGroups":[""],"resources":["pods"]},)"
            R"({"verbs":["get","list"],"apiGroups":[""],"resources":["configmaps"]},)"
            R"({"verbs":["get"],"nonResourceURLs":["/healthz"]}])");
  // The write is guarded by what was read.
  EXPECT_EQ(Field(r.object, {"metadata", "resourceVersion"}), R"("7")");
  // Reconciling the result again changes nothing.
  EXPECT_EQ(ReconcileClusterRole(&r.object, expected).operation, ReconcileOperation::kNone);
}

TEST(PolicyReconciliationTest, AutoupdateFalseProtectsTheRole) {
  auto expected = Json(kExpectedRole);
  auto existing = Json(R"({"kind":"ClusterRole","metadata":{"name":"reader",
    "annotations":{"rbac.authorization.kubernetes.io/autoupdate":"false"}},
    "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]})");
  ReconcileResult r = ReconcileClusterRole(&existing, expected);
  EXPECT_TRUE(r.is_protected);
  EXPECT_EQ(r.operation, ReconcileOperation::kUpdate);  // what would change, not to be written
  // The user's "false" is not overwritten by the expected "true".
  EXPECT_EQ(Field(r.object, {"metadata", "annotations"}),
            R"({"rbac.authorization.kubernetes.io/autoupdate":"false"})");
}

TEST(PolicyReconciliationTest, LabelsAndAnnotationsMergeWithTheUsersValuesWinning) {
  auto expected = Json(R"({"kind":"ClusterRole","metadata":{"name":"reader",
    "labels":{"kubernetes.io/bootstrapping":"rbac-defaults",
              "rbac.authorization.k8s.io/aggregate-to-view":"true"},
    "annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},
    "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]})");
  auto existing = Json(R"({"kind":"ClusterRole","metadata":{"name":"reader",
    "labels":{"kubernetes.io/bootstrapping":"mine","team":"a"}},
    "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]})");
  ReconcileResult r = ReconcileClusterRole(&existing, expected);
  EXPECT_EQ(r.operation, ReconcileOperation::kUpdate);
  EXPECT_FALSE(r.is_protected);  // no annotation is not "false"
  EXPECT_EQ(Field(r.object, {"metadata", "labels"}),
            R"({"kubernetes.io/bootstrapping":"mine","team":"a",)"
            R"("rbac.authorization.k8s.io/aggregate-to-view":"true"})");
  EXPECT_EQ(Field(r.object, {"metadata", "annotations"}),
            R"({"rbac.authorization.kubernetes.io/autoupdate":"true"})");
  EXPECT_EQ(Field(r.object, {"rules"}), Field(existing, {"rules"}));
}

TEST(PolicyReconciliationTest, AggregatedRolesKeepTheirAggregationRuleAndGainSelectors) {
  auto expected = Json(R"({"kind":"ClusterRole","metadata":{"name":"view"},
    "aggregationRule":{"clusterRoleSelectors":[
      {"matchLabels":{"rbac.authorization.k8s.io/aggregate-to-view":"true"}}]},
    "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]})");
  // The aggregation controller owns the rules: the computed ones are not touched.
  auto same = Json(R"({"kind":"ClusterRole","metadata":{"name":"view"},
    "aggregationRule":{"clusterRoleSelectors":[
      {"matchLabels":{"rbac.authorization.k8s.io/aggregate-to-view":"true"}}]},
    "rules":[{"apiGroups":["apps"],"resources":["daemonsets"],"verbs":["get"]}]})");
  EXPECT_EQ(ReconcileClusterRole(&same, expected).operation, ReconcileOperation::kNone);
  // A user's own selector stays; the expected one is appended.
  auto other = Json(R"({"kind":"ClusterRole","metadata":{"name":"view"},
    "aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"mine":"true"}}]},"rules":[]})");
  ReconcileResult r = ReconcileClusterRole(&other, expected);
  EXPECT_EQ(r.operation, ReconcileOperation::kUpdate);
  EXPECT_EQ(Field(r.object, {"aggregationRule"}),
            R"({"clusterRoleSelectors":[{"matchLabels":{"mine":"true"}},)"
            R"({"matchLabels":{"rbac.authorization.k8s.io/aggregate-to-view":"true"}}]})");
  EXPECT_EQ(Field(r.object, {"rules"}), "[]");
}

const char* kExpectedBinding = R"({"kind":"ClusterRoleBinding","metadata":{"name":"readers",
  "annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},
  "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"reader"},
  "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:authenticated"},
              {"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"reader"}]})";

TEST(PolicyReconciliationTest, BindingsGainMissingSubjectsAndKeepExtraOnes) {
  auto expected = Json(kExpectedBinding);
  auto existing = Json(R"({"kind":"ClusterRoleBinding","metadata":{"name":"readers",
    "annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"reader"},
    "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"reader"},
                {"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"jane"}]})");
  ReconcileResult r = ReconcileClusterRoleBinding(&existing, expected);
  EXPECT_EQ(r.operation, ReconcileOperation::kUpdate);
  EXPECT_EQ(
      Field(r.object, {"subjects"}),
      R"([{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"reader"},)"
      R"({"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"jane"},)"
      R"({"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:authenticated"}])");
  EXPECT_EQ(ReconcileClusterRoleBinding(&r.object, expected).operation, ReconcileOperation::kNone);
}

TEST(PolicyReconciliationTest, BindingToAnotherRoleIsRecreatedUnlessProtected) {
  auto expected = Json(kExpectedBinding);
  auto existing = Json(R"({"kind":"ClusterRoleBinding","metadata":{"name":"readers"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"other"},
    "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"jane"}]})");
  ReconcileResult r = ReconcileClusterRoleBinding(&existing, expected);
  EXPECT_EQ(r.operation, ReconcileOperation::kRecreate);
  EXPECT_FALSE(r.is_protected);
  EXPECT_EQ(api::GetString(r.object, {"roleRef", "name"}), "reader");
  EXPECT_EQ(r.object["subjects"].Size(), 3u);

  auto kept = Json(R"({"kind":"ClusterRoleBinding","metadata":{"name":"readers",
    "annotations":{"rbac.authorization.kubernetes.io/autoupdate":"false"}},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"other"},
    "subjects":[]})");
  ReconcileResult p = ReconcileClusterRoleBinding(&kept, expected);
  EXPECT_TRUE(p.is_protected);
  EXPECT_EQ(p.operation, ReconcileOperation::kRecreate);
}

}  // namespace
}  // namespace tinyk8s::apiserver::auth
