// End-to-end: core/v1 ServiceAccounts through the real binary and the installed kubectl.
#include <gtest/gtest.h>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The resource alone: no controller may create or delete service accounts behind the test.
TEST(ServiceAccountApiTest, KubectlCreateGetApplyExplainAndRbac) {
  if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 is not installed";
  TestCluster cluster({"--disable", "scheduler,controllers,dns"});
  ASSERT_TRUE(cluster.ok());
  auto K = [&](const std::vector<std::string>& args, const std::string& in = "") {
    return cluster.Kubectl(args, in);
  };

  auto created = K({"create", "serviceaccount", "builder"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "serviceaccount/builder created\n");
  const std::string manifest = R"(apiVersion: v1
kind: ServiceAccount
metadata:
  name: exporter
automountServiceAccountToken: false
secrets:
- name: exporter-token
- name: other
  namespace: elsewhere
  uid: "1234"
imagePullSecrets:
- name: registry
)";
  auto applied = K({"apply", "-f", "-"}, manifest);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(applied.out, "serviceaccount/exporter created\n");

  auto table = K({"get", "sa"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  auto lines = SplitLines(table.out);
  ASSERT_EQ(lines.size(), 3u) << table.out;
  EXPECT_EQ(lines[0].substr(0, lines[0].find("AGE")), "NAME       SECRETS   ") << table.out;
  EXPECT_EQ(lines[1].rfind("builder    0         ", 0), 0u) << table.out;
  EXPECT_EQ(lines[2].rfind("exporter   2         ", 0), 0u) << table.out;

  auto fields = K({"get", "serviceaccount", "exporter", "-o",
                   "jsonpath={.automountServiceAccountToken} {.secrets[1].name} "
                   "{.imagePullSecrets[0].name}"});
  ASSERT_EQ(fields.exit_code, 0) << fields.err;
  EXPECT_EQ(fields.out, "false other registry");
  // Secret references keep only their names (upstream's strategy).
  auto refs = K({"get", "sa", "exporter", "-o", "jsonpath={.secrets}"});
  EXPECT_EQ(refs.out, R"([{"name":"exporter-token"},{"name":"other"}])");

  // Not in category "all" (as upstream): `get all` lists no service accounts.
  auto all = K({"get", "all"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_FALSE(Contains(all.out, "serviceaccount")) << all.out;

  auto discovery = K({"api-resources", "--api-group="});
  ASSERT_EQ(discovery.exit_code, 0) << discovery.err;
  bool listed = false;
  for (const auto& line : SplitLines(discovery.out)) {
    if (line.rfind("serviceaccounts ", 0) == 0) {
      listed = true;
      EXPECT_TRUE(Contains(line, " sa ") && Contains(line, " true ") &&
                  Contains(line, "ServiceAccount"))
          << line;
    }
  }
  EXPECT_TRUE(listed) << discovery.out;

  auto explain = K({"explain", "sa.automountServiceAccountToken"});
  ASSERT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_TRUE(Contains(explain.out, "<boolean>")) << explain.out;

  auto bad_name = K({"create", "serviceaccount", "Not_A_Name"});
  EXPECT_NE(bad_name.exit_code, 0);
  EXPECT_TRUE(Contains(bad_name.err, "metadata.name: Invalid value: \"Not_A_Name\""))
      << bad_name.err;
  // Client-side validation of kubectl apply knows the schema.
  auto unknown = K({"apply", "-f", "-"},
                   "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\nsecret: []\n");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_TRUE(Contains(unknown.err, "unknown field \"secret\"")) << unknown.err;

  // Upstream's aggregated roles: edit writes service accounts, view reads them.
  ASSERT_EQ(K({"create", "rolebinding", "e", "--clusterrole=edit", "--user=editor"}).exit_code, 0);
  ASSERT_EQ(K({"create", "rolebinding", "v", "--clusterrole=view", "--user=viewer"}).exit_code, 0);
  EXPECT_EQ(K({"auth", "can-i", "create", "serviceaccounts", "--as=editor"}).out, "yes\n");
  EXPECT_EQ(K({"auth", "can-i", "delete", "sa", "--as=editor"}).out, "yes\n");
  EXPECT_EQ(K({"auth", "can-i", "list", "sa", "--as=viewer"}).out, "yes\n");
  EXPECT_EQ(K({"auth", "can-i", "create", "sa", "--as=viewer"}).out, "no\n");

  // Without the controller manager nobody creates "default": the ServiceAccount admission
  // plugin is off (as envtest users turn it off), so pods are accepted as before, unmounted.
  auto lone =
      K({"run", "lone", "--image=x", R"(--overrides={"spec":{"serviceAccountName":"ghost"}})"});
  ASSERT_EQ(lone.exit_code, 0) << lone.err;
  EXPECT_EQ(
      K({"get", "pod", "lone", "-o", "jsonpath={.spec.serviceAccountName}|{.spec.volumes}"}).out,
      "ghost|");

  auto deleted = K({"delete", "sa", "builder"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "serviceaccount \"builder\" deleted\n");
  EXPECT_EQ(cluster.Stop(), 0);
}

// The controller manager's serviceaccount controller and root CA publisher: every active
// namespace gets ServiceAccount "default" and ConfigMap kube-root-ca.crt (with the cluster CA),
// both come back when deleted or changed, and namespace deletion still finishes.
TEST(ServiceAccountControllersTest, DefaultAccountAndRootCaInEveryNamespace) {
  if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 is not installed";
  TestCluster cluster({"--disable", "scheduler,dns"});
  ASSERT_TRUE(cluster.ok());
  auto K = [&](const std::vector<std::string>& args) { return cluster.Kubectl(args); };
  auto ca_of = [&](const std::string& ns) {
    return K({"get", "configmap", "kube-root-ca.crt", "-n", ns, "-o", "jsonpath={.data.ca\\.crt}"})
        .out;
  };
  const std::string ca = cluster.CaPem();
  ASSERT_FALSE(ca.empty());

  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    EXPECT_TRUE(WaitFor([&] {
      return K({"get", "sa", "default", "-n", ns}).exit_code == 0;
    })) << ns;
    EXPECT_TRUE(WaitFor([&] { return ca_of(ns) == ca; })) << ns;
  }
  ASSERT_EQ(K({"create", "namespace", "fresh"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return K({"get", "sa", "default", "-n", "fresh"}).exit_code == 0; }));
  ASSERT_TRUE(WaitFor([&] { return ca_of("fresh") == ca; }));
  auto description = K({"get", "configmap", "kube-root-ca.crt", "-n", "fresh", "-o",
                        "jsonpath={.metadata.annotations.kubernetes\\.io/description}"});
  EXPECT_EQ(description.out,
            "Contains a CA bundle that can be used to verify the kube-apiserver when using "
            "internal endpoints such as the internal service IP or kubernetes.default.svc. No "
            "other usage is guaranteed across distributions of Kubernetes clusters.");

  // Deleted or changed: put back.
  auto uid_of_default = [&] {
    return K({"get", "sa", "default", "-n", "fresh", "-o", "jsonpath={.metadata.uid}"}).out;
  };
  std::string first_uid = uid_of_default();
  ASSERT_EQ(K({"delete", "sa", "default", "-n", "fresh"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] {
    std::string uid = uid_of_default();
    return !uid.empty() && uid != first_uid;
  }));
  ASSERT_EQ(K({"delete", "configmap", "kube-root-ca.crt", "-n", "fresh"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return ca_of("fresh") == ca; }));
  ASSERT_EQ(K({"patch", "configmap", "kube-root-ca.crt", "-n", "fresh", "-p",
               R"({"data":{"ca.crt":"changed"}})"})
                .exit_code,
            0);
  EXPECT_TRUE(WaitFor([&] { return ca_of("fresh") == ca; }));

  // Deletion finishes: nothing is re-created in the terminating namespace.
  ASSERT_EQ(K({"create", "serviceaccount", "extra", "-n", "fresh"}).exit_code, 0);
  auto deleted = cluster.Kubectl("1.32", {"delete", "namespace", "fresh", "--timeout=60s"}, "", 90);
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_NE(K({"get", "namespace", "fresh"}).exit_code, 0);
  auto leftovers = K({"get", "serviceaccounts,configmaps", "-A", "--field-selector",
                      "metadata.namespace=fresh", "-o", "name"});
  EXPECT_EQ(leftovers.exit_code, 0) << leftovers.err;
  EXPECT_EQ(leftovers.out, "") << leftovers.err;
  EXPECT_EQ(cluster.Stop(), 0);
}

// ServiceAccount admission through the whole cluster: pods get the kube-api-access volume
// unless automounting is off, a missing account is refused with upstream's 403, and the
// kube-prometheus node-exporter manifest (its own account) applies and runs on every node.
// --disable-admission-plugins=ServiceAccount turns the plugin off with the controllers running.
TEST(ServiceAccountAdmissionTest, PluginCanBeDisabled) {
  if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 is not installed";
  TestCluster cluster(
      {"--disable", "scheduler,dns", "--disable-admission-plugins", "ServiceAccount"});
  ASSERT_TRUE(cluster.ok());
  auto run = cluster.Kubectl({"run", "p", "--image=x"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(
      cluster
          .Kubectl({"get", "pod", "p", "-o", "jsonpath={.spec.serviceAccountName}|{.spec.volumes}"})
          .out,
      "default|");
  EXPECT_EQ(cluster.Stop(), 0);
}

TEST(ServiceAccountAdmissionTest, PodsGetCredentialsAndNodeExporterRuns) {
  if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 is not installed";
  TestCluster cluster({"--nodes", "3", "--disable", "dns"});
  ASSERT_TRUE(cluster.ok());
  auto K = [&](const std::vector<std::string>& args, const std::string& in = "") {
    return cluster.Kubectl(args, in);
  };
  // Right after its namespace exists a pod may come before "default": admission waits for it.
  ASSERT_EQ(K({"create", "namespace", "apps"}).exit_code, 0);
  auto run = K({"run", "web", "-n", "apps", "--image=nginx"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto spec = [&](const std::string& pod, const std::string& path) {
    return K({"get", "pod", pod, "-n", "apps", "-o", "jsonpath=" + path}).out;
  };
  std::string volume = spec("web", "{.spec.volumes[0].name}");
  EXPECT_EQ(volume.rfind("kube-api-access-", 0), 0u) << volume;
  EXPECT_EQ(volume.size(), 21u) << volume;
  EXPECT_EQ(spec("web", "{.spec.serviceAccountName} {.spec.serviceAccount}"), "default default");
  EXPECT_EQ(spec("web",
                 "{.spec.volumes[0].projected.defaultMode} "
                 "{.spec.volumes[0].projected.sources[0].serviceAccountToken.path} "
                 "{.spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds} "
                 "{.spec.volumes[0].projected.sources[1].configMap.name} "
                 "{.spec.volumes[0].projected.sources[1].configMap.items[0].key} "
                 "{.spec.volumes[0].projected.sources[2].downwardAPI.items[0].fieldRef.fieldPath}"),
            "420 token 3607 kube-root-ca.crt ca.crt metadata.namespace");
  EXPECT_EQ(spec("web",
                 "{.spec.containers[0].volumeMounts[0].name} "
                 "{.spec.containers[0].volumeMounts[0].mountPath} "
                 "{.spec.containers[0].volumeMounts[0].readOnly}"),
            volume + " /var/run/secrets/kubernetes.io/serviceaccount true");
  EXPECT_TRUE(WaitFor([&] { return spec("web", "{.status.phase}") == "Running"; }));

  // automountServiceAccountToken: false on the pod leaves the credentials out.
  auto quiet = K({"apply", "-f", "-"}, R"(apiVersion: v1
kind: Pod
metadata:
  name: quiet
  namespace: apps
spec:
  automountServiceAccountToken: false
  containers:
  - name: c
    image: busybox
)");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(spec("quiet", "{.spec.volumes}{.spec.containers[0].volumeMounts}"), "");

  // A missing account: upstream's 403.
  auto missing = K({"run", "lost", "-n", "apps", "--image=nginx",
                    R"(--overrides={"spec":{"serviceAccountName":"ghost"}})"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_EQ(missing.err,
            "Error from server (Forbidden): pods \"lost\" is forbidden: error looking up service "
            "account apps/ghost: serviceaccount \"ghost\" not found\n");
  // The account may not change on update (pod updates change only a few fields).
  ASSERT_EQ(K({"create", "serviceaccount", "other", "-n", "apps"}).exit_code, 0);
  auto changed =
      K({"patch", "pod", "web", "-n", "apps", "-p", R"({"spec":{"serviceAccountName":"other"}})"});
  EXPECT_NE(changed.exit_code, 0);
  EXPECT_TRUE(
      Contains(changed.err, "spec: Forbidden: pod updates may not change fields other than"))
      << changed.err;

  // kube-prometheus' node-exporter: every document is created and the pods run as its account.
  ASSERT_EQ(K({"apply", "-f", Testdata("namespace-monitoring.yaml")}).exit_code, 0);
  auto applied = K({"apply", "-f", Testdata("node-exporter-full.yaml")});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(applied.out,
            "serviceaccount/node-exporter created\n"
            "clusterrole.rbac.authorization.k8s.io/node-exporter created\n"
            "clusterrolebinding.rbac.authorization.k8s.io/node-exporter created\n"
            "daemonset.apps/node-exporter created\n"
            "service/node-exporter created\n");
  auto ready = [&] {
    return K({"get", "ds", "node-exporter", "-n", "monitoring", "-o",
              "jsonpath={.status.desiredNumberScheduled} {.status.numberReady}"})
               .out == "3 3";
  };
  ASSERT_TRUE(WaitFor(ready, 60));
  auto pods = K({"get", "pods", "-n", "monitoring", "-o",
                 "jsonpath={range .items[*]}{.spec.serviceAccountName} {.status.phase} "
                 "{.spec.volumes[2].name} {.spec.containers[1].volumeMounts[0].mountPath}\n{end}"});
  auto lines = SplitLines(pods.out);
  ASSERT_EQ(lines.size(), 3u) << pods.out;
  for (const auto& line : lines) {
    EXPECT_EQ(line.rfind("node-exporter Running kube-api-access-", 0), 0u) << line;
    EXPECT_TRUE(Contains(line, " /var/run/secrets/kubernetes.io/serviceaccount")) << line;
  }
  // An older and a newer kubectl read the accounts table the same way.
  for (std::string v : {"1.27", "1.33"}) {
    if (!TestCluster::KubectlAvailable(v)) continue;
    auto table = cluster.Kubectl(v, {"get", "sa", "-n", "monitoring"});
    ASSERT_EQ(table.exit_code, 0) << v << ": " << table.err;
    auto rows = SplitLines(table.out);
    ASSERT_EQ(rows.size(), 3u) << table.out;
    EXPECT_EQ(rows[0].rfind("NAME            SECRETS   AGE", 0), 0u) << table.out;
    EXPECT_EQ(rows[2].rfind("node-exporter   0         ", 0), 0u) << table.out;
  }

  // Deleting the namespace removes the pods, the accounts and kube-root-ca.crt, and finishes.
  auto deleted =
      cluster.Kubectl("1.32", {"delete", "namespace", "monitoring", "--timeout=90s"}, "", 120);
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_NE(K({"get", "namespace", "monitoring"}).exit_code, 0);
  EXPECT_EQ(cluster.Stop(), 0);
}

}  // namespace
}  // namespace tinyk8s::testing
