// End-to-end DaemonSet API details on `tinyk8s server --nodes 3` (no DNS), with kubectl 1.32
// and 1.27 and raw HTTP where upstream's e2e tests use the client library directly:
// DeleteCollection (E2E-9, AT-16b), status updates seen through a watch (E2E-10, AT-16a), the
// ControllerRevision lifecycle (E2E-11, AT-16c), defaults (AT-1) and validation (AT-7c, AT-12c,
// AT-12d, AT-14d, AT-17), and a namespace that is terminating (AT-10d).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "tests/integration/ds_scenario.h"

namespace tinyk8s::testing {
namespace {

const std::set<std::string> kAllNodes = {"node01", "node02", "node03"};
constexpr char kDaemonSets[] = "/apis/apps/v1/namespaces/t/daemonsets";
constexpr char kRevisions[] = "/apis/apps/v1/namespaces/t/controllerrevisions";

std::string ToJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

class DaemonSetApiTest : public DsScenarioTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DsScenarioTest::SetUp());
    if (!IsSkipped()) {
      ASSERT_NO_FATAL_FAILURE(Start(3));
    }
  }
  // RunDs applies DaemonSetYaml(name) and waits until it runs everywhere.
  void RunDs(const std::string& name, const std::string& version = "1.32") {
    auto r = ds_->Apply(DaemonSetYaml(name), version);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(Eventually(
        [&] { return ds_->RunningExactlyOn(name, kAllNodes) && ds_->StatusSettled(name, 3); }, 60))
        << ds_->Get({"get", "pods", "-o", "wide"});
  }
  std::vector<std::string> Revisions(const std::string& selector,
                                     const std::string& fields = "{.metadata.name}") {
    return SplitLines(ds_->Get({"get", "controllerrevisions", "-l", selector, "-o",
                                "jsonpath={range .items[*]}" + fields + "{\"\\n\"}{end}"}));
  }
  // Watch returns the events of the DaemonSets in t from `rv` on, for one second.
  std::string Watch(const std::string& rv) {
    return cluster_
        ->Http("GET",
               std::string(kDaemonSets) + "?watch=true&resourceVersion=" + rv + "&timeoutSeconds=1")
        .body;
  }
};

// AT-1 defaults, E2E-9 and AT-16b (DeleteCollection by label), E2E-10 and AT-16a (status).
TEST_F(DaemonSetApiTest, DefaultsDeleteCollectionAndStatusUpdates) {
  DsScenario& d = *ds_;
  rapidjson::Document list;
  list.Parse(cluster_->Http("GET", kDaemonSets).body.c_str());
  ASSERT_TRUE(list.IsObject() && list.HasMember("metadata"));
  std::string rv0 = list["metadata"]["resourceVersion"].GetString();

  RunDs("daemon-set");
  RunDs("status-ds", "1.27");
  // AT-1: the defaults kubectl shows.
  EXPECT_EQ(d.DsField("daemon-set", ".spec.updateStrategy.type"), "RollingUpdate");
  EXPECT_EQ(d.DsField("daemon-set", ".spec.updateStrategy.rollingUpdate.maxUnavailable"), "1");
  EXPECT_EQ(d.DsField("daemon-set", ".spec.updateStrategy.rollingUpdate.maxSurge"), "0");
  EXPECT_EQ(d.DsField("daemon-set", ".spec.revisionHistoryLimit"), "10");
  EXPECT_EQ(d.DsField("daemon-set",
                      ".metadata.annotations.deprecated\\.daemonset\\.template\\.generation"),
            "1");

  // E2E-9: a cluster-wide list by label, then DeleteCollection by label with a grace period.
  EXPECT_EQ(
      SplitLines(cluster_->Kubectl({"get", "ds", "-A", "-l", "app=daemon-set", "-o", "name"}).out)
          .size(),
      1u);
  auto del = cluster_->Http("DELETE", std::string(kDaemonSets) + "?labelSelector=app%3Ddaemon-set",
                            R"({"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":1})");
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(cluster_->Kubectl({"get", "ds", "-A", "-l", "app=daemon-set", "-o", "name"}).out, "");
  EXPECT_EQ(d.K({"get", "ds", "status-ds"}).exit_code, 0);  // AT-16b: the others stay
  EXPECT_TRUE(Eventually([&] { return d.Pods("daemon-set").empty(); }, 60));

  // E2E-10: UpdateStatus adds a condition; a watch from before the create shows it.
  const std::string status_path = std::string(kDaemonSets) + "/status-ds/status";
  bool updated = false;
  for (int attempt = 0; attempt < 5 && !updated; ++attempt) {
    auto got = cluster_->Http("GET", status_path);
    ASSERT_EQ(got.status, 200) << got.body;
    rapidjson::Document obj;
    obj.Parse(got.body.c_str());
    ASSERT_TRUE(obj.IsObject());
    EXPECT_EQ(std::string(obj["kind"].GetString()), "DaemonSet");
    auto& a = obj.GetAllocator();
    rapidjson::Value& status = obj["status"];
    if (!status.HasMember("conditions")) {
      status.AddMember("conditions", rapidjson::Value(rapidjson::kArrayType), a);
    }
    rapidjson::Value cond(rapidjson::kObjectType);
    cond.AddMember("type", "StatusUpdate", a);
    cond.AddMember("status", "True", a);
    cond.AddMember("reason", "E2E", a);
    cond.AddMember("message", "Set from e2e test", a);
    status["conditions"].PushBack(cond, a);
    auto put = cluster_->Http("PUT", status_path, ToJson(obj));
    if (put.status == 409) continue;  // retry on conflict, like RetryOnConflict
    ASSERT_EQ(put.status, 200) << put.body;
    updated = true;
  }
  ASSERT_TRUE(updated);
  std::string events = Watch(rv0);
  EXPECT_NE(events.find("\"type\":\"StatusUpdate\""), std::string::npos) << events;
  EXPECT_NE(events.find("Set from e2e test"), std::string::npos);
  // AT-16a: a merge patch of /status through kubectl; the condition survives controller writes.
  auto patch = d.K({"patch", "ds", "status-ds", "--subresource=status", "--type=merge", "-p",
                    R"({"status":{"conditions":[{"type":"StatusPatched","status":"True"}]}})"},
                   "1.27");
  ASSERT_EQ(patch.exit_code, 0) << patch.err;
  EXPECT_NE(Watch(rv0).find("\"type\":\"StatusPatched\""), std::string::npos);
  ASSERT_EQ(d.K({"set", "image", "ds/status-ds", "agent=registry.local/agent:2.0"}).exit_code, 0);
  ASSERT_TRUE(
      Eventually([&] { return d.DsField("status-ds", ".status.observedGeneration") == "2"; }));
  EXPECT_NE(d.Get({"get", "ds", "status-ds", "-o", "yaml"}).find("type: StatusPatched"),
            std::string::npos);
  EXPECT_TRUE(Eventually([&] { return d.StatusSettled("status-ds", 3); }, 60));
  EXPECT_EQ(d.DsField("status-ds", ".status.conditions[*].type"), "StatusPatched");
}

// E2E-11 and AT-16c: revisions made and changed by hand next to the controller's.
TEST_F(DaemonSetApiTest, ControllerRevisionLifecycle) {
  DsScenario& d = *ds_;
  // The hash our controller gives the template with terminationGracePeriodSeconds 1: a
  // DaemonSet with that template in another namespace tells.
  ASSERT_EQ(cluster_->Kubectl({"create", "namespace", "scratch"}).exit_code, 0);
  DsScenario scratch(*cluster_, "scratch");
  ASSERT_EQ(
      scratch.Apply(DaemonSetYaml("e2e-cr", "", "terminationGracePeriodSeconds: 1")).exit_code, 0);
  std::string hash_tgps1;
  ASSERT_TRUE(Eventually([&] {
    hash_tgps1 = scratch.Get({"get", "controllerrevisions", "-l", "app=e2e-cr", "-o",
                              "jsonpath={.items[*].metadata.labels.controller-revision-hash}"});
    return !hash_tgps1.empty();
  }));
  ASSERT_EQ(cluster_->Kubectl("1.32", {"delete", "namespace", "scratch", "--timeout=60s"}, "", 90)
                .exit_code,
            0);

  RunDs("e2e-cr");
  auto first = Revisions("app=e2e-cr",
                         "{.metadata.name} {.revision} {.metadata.ownerReferences[0].kind}/"
                         "{.metadata.ownerReferences[0].name}");
  ASSERT_EQ(first.size(), 1u);
  auto w = SplitWords(first[0]);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[1], "1");
  EXPECT_EQ(w[2], "DaemonSet/e2e-cr");
  const std::string r1 = w[0];
  auto patched = d.K(
      {"patch", "controllerrevision", r1, "-p", R"({"metadata":{"labels":{"e2e":"patched"}}})"});
  ASSERT_EQ(patched.exit_code, 0) << patched.err;
  EXPECT_EQ(Revisions("e2e=patched"), std::vector<std::string>{r1});

  // A second revision by hand: the first one's data, the next number, owned by the DS.
  const std::string r2 = "e2e-cr-" + hash_tgps1;
  std::string data = d.Get({"get", "controllerrevision", r1, "-o", "jsonpath={.data}"});
  std::string uid = d.DsField("e2e-cr", ".metadata.uid");
  auto created = d.K(
      {"create", "-f", "-"}, "1.27",
      R"({"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":")" + r2 +
          R"(","labels":{"app":"e2e-cr","controller-revision-hash":")" + hash_tgps1 +
          R"("},"ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"e2e-cr",)" +
          R"("uid":")" + uid + R"(","controller":true,"blockOwnerDeletion":true}]},"data":)" +
          data + R"(,"revision":2})");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(Revisions("app=e2e-cr").size(), 2u);
  ASSERT_EQ(d.K({"delete", "controllerrevision", r1}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return Revisions("app=e2e-cr") == std::vector<std::string>{r2}; }))
      << ::testing::PrintToString(Revisions("app=e2e-cr"));
  ASSERT_EQ(d.K({"label", "controllerrevision", r2, "e2e=updated"}, "1.27").exit_code, 0);

  // The template change collides with the hand-made name (DS-43) and is numbered 3 (DS-42);
  // the stray top-level updateStrategy in the patch is dropped (GEN-4).
  auto ds_patch =
      cluster_->Http("PATCH", std::string(kDaemonSets) + "/e2e-cr",
                     R"({"spec":{"template":{"spec":{"terminationGracePeriodSeconds":1}}},)"
                     R"("updateStrategy":{"type":"RollingUpdate"}})",
                     "application/strategic-merge-patch+json");
  ASSERT_EQ(ds_patch.status, 200) << ds_patch.body;
  ASSERT_TRUE(Eventually([&] { return Revisions("app=e2e-cr").size() == 2u; }))
      << ::testing::PrintToString(Revisions("app=e2e-cr"));
  auto gone = cluster_->Http("DELETE", std::string(kRevisions) + "?labelSelector=e2e%3Dupdated");
  EXPECT_EQ(gone.status, 200) << gone.body;
  ASSERT_TRUE(Eventually([&] { return Revisions("app=e2e-cr").size() == 1u; }));
  auto last = Revisions("app=e2e-cr", "{.metadata.name} {.revision}");
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(SplitWords(last[0])[1], "3") << last[0];
  EXPECT_NE(SplitWords(last[0])[0], r2);
  EXPECT_EQ(d.DsField("e2e-cr", ".status.collisionCount"), "1");
  EXPECT_TRUE(Eventually([&] { return d.StatusSettled("e2e-cr", 3); }, 60));
  for (const DaemonPod& p : d.Pods("e2e-cr")) {
    if (p.Live()) {
      EXPECT_EQ(p.name.rfind("e2e-cr-", 0), 0u);
    }
  }
}

// AT-17, AT-7c, AT-12c, AT-12d with both kubectl versions; AT-10d.
TEST_F(DaemonSetApiTest, DefaultsValidationAndTerminatingNamespace) {
  DsScenario& d = *ds_;
  for (const std::string v : {"1.32", "1.27"}) {
    SCOPED_TRACE("kubectl " + v);
    const std::string suffix = v == "1.32" ? "32" : "27";
    ASSERT_EQ(d.K({"run", "x" + suffix, "--image=nginx"}, v).exit_code, 0);
    EXPECT_EQ(d.Get({"get", "pod", "x" + suffix, "-o",
                     "jsonpath={.spec.containers[0].imagePullPolicy} {.spec.restartPolicy} "
                     "{.spec.dnsPolicy} {.spec.terminationGracePeriodSeconds} "
                     "{.spec.schedulerName} {.spec.containers[0].terminationMessagePath}"}),
              "Always Always ClusterFirst 30 default-scheduler /dev/termination-log");
    ASSERT_EQ(d.K({"run", "y" + suffix, "--image=nginx:1.25"}, v).exit_code, 0);
    EXPECT_EQ(
        d.Get({"get", "pod", "y" + suffix, "-o", "jsonpath={.spec.containers[0].imagePullPolicy}"}),
        "IfNotPresent");

    auto refused = [&](const std::string& yaml, const std::string& want) {
      auto r = d.Apply(yaml, v);
      EXPECT_NE(r.exit_code, 0);
      EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
    };
    std::string mismatched = DaemonSetYaml("bad" + suffix);
    mismatched.replace(mismatched.rfind("labels: {app: bad"), 17, "labels: {app: odd");
    refused(mismatched, "`selector` does not match template `labels`");
    refused(DaemonSetYaml("never" + suffix, "", "restartPolicy: Never"),
            "Unsupported value: \"Never\": supported values: \"Always\"");
    refused(DaemonSetYaml("zero" + suffix,
                          "updateStrategy:\n  rollingUpdate: {maxUnavailable: 0, maxSurge: 0}"),
            "cannot be 0 when maxSurge is 0");
    refused(DaemonSetYaml("both" + suffix,
                          "updateStrategy:\n  rollingUpdate: {maxUnavailable: 1, maxSurge: 1}"),
            "may not be set when maxUnavailable is non-zero");
    ASSERT_EQ(d.Apply(DaemonSetYaml("sel" + suffix), v).exit_code, 0);
    auto immutable = d.K({"patch", "ds", "sel" + suffix, "--type=merge", "-p",
                          R"({"spec":{"selector":{"matchLabels":{"other":"x"}}}})"},
                         v);
    EXPECT_NE(immutable.exit_code, 0);
    EXPECT_NE(immutable.err.find("field is immutable"), std::string::npos) << immutable.err;
    // AT-12c.
    auto ghost = d.Apply(PlainPodYaml("ghost" + suffix, "priorityClassName: does-not-exist"), v);
    EXPECT_NE(ghost.exit_code, 0);
    EXPECT_NE(ghost.err.find("no PriorityClass with name does-not-exist was found"),
              std::string::npos)
        << ghost.err;
  }
  // AT-14d: with hostNetwork, container ports are host ports.
  ASSERT_EQ(d.Apply(PlainPodYaml("hostnet", "hostNetwork: true", "ports: [{containerPort: 9100}]"))
                .exit_code,
            0);
  EXPECT_EQ(
      d.Get({"get", "pod", "hostnet", "-o", "jsonpath={.spec.containers[0].ports[0].hostPort}"}),
      "9100");
  // AT-12d: one global default only; pods without a class get its value.
  ASSERT_EQ(d.Apply("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: d1}\n"
                    "value: 7\nglobalDefault: true\n")
                .exit_code,
            0);
  auto second = d.Apply(
      "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: d2}\n"
      "value: 8\nglobalDefault: true\n");
  EXPECT_NE(second.exit_code, 0);
  ASSERT_EQ(d.K({"run", "defaulted", "--image=nginx"}).exit_code, 0);
  EXPECT_EQ(d.Get({"get", "pod", "defaulted", "-o", "jsonpath={.spec.priority}"}), "7");

  // AT-10d: while a namespace is terminating (held by a finalizer), nothing new goes in.
  ASSERT_EQ(cluster_->Kubectl({"create", "namespace", "doomed"}).exit_code, 0);
  DsScenario doomed(*cluster_, "doomed");
  ASSERT_EQ(doomed
                .Apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n"
                       "  finalizers: [e2e.tinyk8s.io/hold]\n")
                .exit_code,
            0);
  ASSERT_EQ(doomed.Apply(DaemonSetYaml("ds1")).exit_code, 0);
  ASSERT_EQ(cluster_->Kubectl({"delete", "namespace", "doomed", "--wait=false"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return doomed.Pods("ds1").empty(); }, 60));
  for (const std::string v : {"1.32", "1.27"}) {
    auto create = doomed.K({"create", "configmap", "x"}, v);
    EXPECT_NE(create.exit_code, 0);
    EXPECT_NE(create.err.find("because it is being terminated"), std::string::npos) << create.err;
  }
  EXPECT_EQ(doomed.K({"get", "ds", "ds1"}).exit_code, 1);
  ASSERT_EQ(doomed
                .K({"patch", "configmap", "held", "--type=merge", "-p",
                    R"({"metadata":{"finalizers":null}})"})
                .exit_code,
            0);
  EXPECT_TRUE(Eventually(
      [&] {
        return cluster_->Kubectl({"get", "namespace", "doomed"}).exit_code != 0;
      },
      60));
}

}  // namespace
}  // namespace tinyk8s::testing
