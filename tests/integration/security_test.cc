// End-to-end: secure by default. TLS with the generated cluster CA, client certificates and
// bearer tokens, RBAC with the default roles, the node authorizer, kubectl auth can-i, and the
// co-processes' own identities.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

constexpr char kKubectl[] = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";

std::string BinaryPath() {
  const char* b = std::getenv("TINYK8S_BINARY");
  return b ? b : TINYK8S_BINARY_PATH;
}

int FileMode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 is not installed";
  }
  void Start(std::vector<std::string> args) {
    cluster_ = std::make_unique<TestCluster>(std::move(args));
    ASSERT_TRUE(cluster_->ok());
    ASSERT_TRUE(WaitFor([&] { return cluster_->Http("GET", "/readyz").status == 200; }));
  }
  // KubeconfigFor runs `tinyk8s kubeconfig` and stores the result in the test dir.
  std::string KubeconfigFor(const std::string& user, const std::vector<std::string>& groups = {}) {
    std::vector<std::string> argv = {
        BinaryPath(), "kubeconfig", "--data-dir", cluster_->dir() + "/data", "--user", user};
    for (const auto& g : groups) argv.insert(argv.end(), {"--group", g});
    CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string path = cluster_->dir() + "/" + user + ".kubeconfig";
    std::replace(path.begin() + cluster_->dir().size() + 1, path.end(), ':', '_');
    std::ofstream(path) << r.out;
    return path;
  }
  CommandResult As(const std::string& kubeconfig, std::vector<std::string> args) {
    std::vector<std::string> argv = {kKubectl, "--kubeconfig=" + kubeconfig,
                                     "--cache-dir=" + kubeconfig + ".cache"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
  CommandResult K(const std::vector<std::string>& args, const std::string& in = "") {
    return cluster_->Kubectl(args, in);
  }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(SecurityTest, AdminKubeconfigWorksAndAnonymousGets401) {
  Start({"apiserver"});
  auto ns = K({"get", "namespaces", "-o", "name"});
  ASSERT_EQ(ns.exit_code, 0) << ns.err;
  EXPECT_NE(ns.out.find("namespace/default"), std::string::npos);
  // The kubeconfig and every private key are private to the owner.
  EXPECT_EQ(FileMode(cluster_->kubeconfig()), 0600);
  for (const char* key : {"ca.key", "apiserver.key", "admin.key"}) {
    EXPECT_EQ(FileMode(cluster_->dir() + "/data/pki/" + key), 0600) << key;
  }
  std::ifstream in(cluster_->kubeconfig());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("server: https://127.0.0.1:"), std::string::npos) << text;
  EXPECT_NE(text.find("certificate-authority-data: "), std::string::npos);
  EXPECT_NE(text.find("client-key-data: "), std::string::npos);

  HttpCredentials anonymous;
  auto denied = cluster_->HttpAs(anonymous, "GET", "/api/v1/namespaces");
  EXPECT_EQ(denied.status, 401) << denied.body;
  EXPECT_NE(denied.body.find(R"("reason":"Unauthorized")"), std::string::npos) << denied.body;
  EXPECT_EQ(cluster_->HttpAs(anonymous, "GET", "/readyz").status, 200);
  EXPECT_EQ(cluster_->HttpAs(anonymous, "GET", "/version").status, 200);
  EXPECT_EQ(cluster_->HttpAs(anonymous, "GET", "/api").status, 401);
  // A token that is not in a token file is refused, too.
  auto bad = cluster_->HttpAs({"", "", "nope"}, "GET", "/api/v1/namespaces");
  EXPECT_EQ(bad.status, 401) << bad.body;
}

TEST_F(SecurityTest, ViewerCanGetButNotDelete) {
  // A lone API server creates pods only without ServiceAccount admission (no controller
  // creates the "default" accounts), as envtest users run it.
  Start({"apiserver", "--disable-admission-plugins", "ServiceAccount"});
  std::string jane = KubeconfigFor("jane");
  auto before = As(jane, {"get", "pods", "-n", "default"});
  EXPECT_NE(before.exit_code, 0);
  EXPECT_NE(
      before.err.find(
          R"(pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default")"),
      std::string::npos)
      << before.err;

  ASSERT_EQ(K({"create", "clusterrolebinding", "jane-view", "--clusterrole=view", "--user=jane"})
                .exit_code,
            0);
  ASSERT_EQ(K({"run", "web", "--image=nginx", "-n", "default"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] {
    return As(jane, {"get", "pod", "web", "-n", "default"}).exit_code == 0;
  })) << As(jane, {"get", "pod", "web"}).err;
  auto del = As(jane, {"delete", "pod", "web", "-n", "default"});
  EXPECT_NE(del.exit_code, 0);
  EXPECT_NE(
      del.err.find(
          R"(pods "web" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the namespace "default")"),
      std::string::npos)
      << del.err;
  auto nodes = As(jane, {"get", "nodes"});
  EXPECT_NE(
      nodes.err.find(
          R"(nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope)"),
      std::string::npos)
      << nodes.err;

  auto yes = As(jane, {"auth", "can-i", "get", "pods"});
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_EQ(yes.out, "yes\n");
  auto no = As(jane, {"auth", "can-i", "delete", "pods"});
  EXPECT_EQ(no.exit_code, 1) << no.err;
  EXPECT_EQ(no.out, "no\n");
  EXPECT_EQ(As(jane, {"auth", "can-i", "create", "daemonsets.apps", "-n", "kube-system"}).out,
            "no\n");
  EXPECT_EQ(K({"auth", "can-i", "delete", "nodes"}).out, "yes\n");

  // A namespaced grant: edit in "team" only.
  ASSERT_EQ(K({"create", "namespace", "team"}).exit_code, 0);
  ASSERT_EQ(
      K({"create", "rolebinding", "jane-edit", "-n", "team", "--clusterrole=edit", "--user=jane"})
          .exit_code,
      0);
  EXPECT_TRUE(WaitFor([&] {
    return As(jane, {"auth", "can-i", "delete", "pods", "-n", "team"}).out == "yes\n";
  }));
  EXPECT_EQ(As(jane, {"auth", "can-i", "delete", "pods", "-n", "default"}).out, "no\n");
  // Revoking takes effect without a restart.
  ASSERT_EQ(K({"delete", "clusterrolebinding", "jane-view"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] {
    return As(jane, {"auth", "can-i", "get", "pods", "-n", "default"}).out == "no\n";
  }));
}

TEST_F(SecurityTest, ImpersonationNeedsTheImpersonateVerb) {
  // A lone API server creates pods only without ServiceAccount admission (no controller
  // creates the "default" accounts), as envtest users run it.
  Start({"apiserver", "--disable-admission-plugins", "ServiceAccount"});
  ASSERT_EQ(K({"create", "clusterrolebinding", "devs-view", "--clusterrole=view", "--group=devs"})
                .exit_code,
            0);
  ASSERT_EQ(K({"run", "web", "--image=nginx", "-n", "default"}).exit_code, 0);
  // cluster-admin may impersonate anyone; the impersonated user's own rights apply.
  EXPECT_TRUE(WaitFor([&] {
    return K({"get", "pods", "--as=bob", "--as-group=devs", "-o", "name"}).out == "pod/web\n";
  }));
  auto bob = K({"get", "pods", "--as=bob"});
  EXPECT_NE(bob.exit_code, 0);
  EXPECT_NE(
      bob.err.find(
          R"(pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default")"),
      std::string::npos)
      << bob.err;
  // The impersonated user is in system:authenticated, which the discovery role is bound to.
  EXPECT_EQ(K({"get", "--raw", "/api", "--as=bob"}).exit_code, 0);
  EXPECT_EQ(K({"auth", "can-i", "delete", "pods", "--as=bob", "--as-group=devs"}).out, "no\n");
  EXPECT_EQ(K({"auth", "can-i", "get", "pods", "--as=bob", "--as-group=devs"}).out, "yes\n");
  EXPECT_EQ(
      cluster_->Kubectl("1.27", {"auth", "can-i", "get", "pods", "--as=bob", "--as-group=devs"})
          .out,
      "yes\n");

  std::string alice = KubeconfigFor("alice");
  // --raw: kubectl reports a 403 on its discovery requests as "unknown", whoever sends it.
  const std::string pods = "/api/v1/namespaces/default/pods";
  EXPECT_NE(As(alice, {"get", "pods", "--as=bob"}).exit_code, 0);
  auto denied = As(alice, {"get", "--raw", pods, "--as=bob"});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_NE(
      denied.err.find(
          R"(users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope)"),
      std::string::npos)
      << denied.err;
  // alice may impersonate bob (only), not the group devs or another user.
  ASSERT_EQ(K({"apply", "-f", "-"}, R"({"apiVersion":"v1","kind":"List","items":[
    {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole",
     "metadata":{"name":"impersonate-bob"},
     "rules":[{"apiGroups":[""],"resources":["users"],"resourceNames":["bob"],"verbs":["impersonate"]}]},
    {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding",
     "metadata":{"name":"alice-impersonates-bob"},
     "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"impersonate-bob"},
     "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"alice"}]}]})")
                .exit_code,
            0);
  EXPECT_TRUE(WaitFor([&] {
    return As(alice, {"auth", "can-i", "get", "pods", "--as=bob"}).out == "no\n";
  }));
  auto group = As(alice, {"get", "--raw", pods, "--as=bob", "--as-group=devs"});
  EXPECT_NE(
      group.err.find(
          R"(groups "devs" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope)"),
      std::string::npos)
      << group.err;
  auto carol = As(alice, {"get", "--raw", pods, "--as=carol"});
  EXPECT_NE(carol.err.find(R"(users "carol" is forbidden: User "alice" cannot impersonate)"),
            std::string::npos)
      << carol.err;
  auto uid = As(alice, {"get", "--raw", pods, "--as=bob", "--as-uid=42"});
  EXPECT_NE(
      uid.err.find(
          R"(uids.authentication.k8s.io "42" is forbidden: User "alice" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope)"),
      std::string::npos)
      << uid.err;
}

TEST_F(SecurityTest, AuthCanIListShowsTheRulesOfANamespace) {
  Start({"apiserver"});
  std::string jane = KubeconfigFor("jane");
  ASSERT_EQ(K({"create", "namespace", "team"}).exit_code, 0);
  ASSERT_EQ(
      K({"create", "rolebinding", "jane-edit", "-n", "team", "--clusterrole=edit", "--user=jane"})
          .exit_code,
      0);
  auto discovery = K({"api-resources", "--api-group=authorization.k8s.io", "-o", "wide"});
  EXPECT_NE(discovery.out.find("selfsubjectrulesreviews"), std::string::npos) << discovery.out;
  CommandResult team;
  ASSERT_TRUE(WaitFor([&] {
    team = As(jane, {"auth", "can-i", "--list", "-n", "team"});
    return team.exit_code == 0 && team.out.find("pods ") != std::string::npos;
  })) << team.out
      << team.err;
  // edit in team: pods may be deleted there; the discovery URLs come from system:discovery.
  EXPECT_NE(team.out.find("delete"), std::string::npos) << team.out;
  EXPECT_NE(team.out.find("[/api/*]"), std::string::npos) << team.out;
  EXPECT_NE(team.out.find("selfsubjectrulesreviews.authorization.k8s.io"), std::string::npos)
      << team.out;
  auto def = As(jane, {"auth", "can-i", "--list", "-n", "default"});
  EXPECT_EQ(def.exit_code, 0) << def.err;
  EXPECT_EQ(def.out.find("pods "), std::string::npos) << def.out;
  EXPECT_NE(def.out.find("[/api/*]"), std::string::npos) << def.out;
  auto admin = K({"auth", "can-i", "--list"});
  EXPECT_NE(admin.out.find("*.*"), std::string::npos) << admin.out;
  // Impersonation applies to the rules review as well.
  auto as_jane = K({"auth", "can-i", "--list", "-n", "team", "--as=jane"});
  EXPECT_EQ(as_jane.out, team.out);
  auto old_kubectl =
      cluster_->Kubectl("1.27", {"auth", "can-i", "--list", "-n", "team", "--as=jane"});
  EXPECT_EQ(old_kubectl.exit_code, 0) << old_kubectl.err;
  EXPECT_NE(old_kubectl.out.find("pods "), std::string::npos) << old_kubectl.out;
}

TEST_F(SecurityTest, ClusterRolesLabelledAggregateToViewExtendViewEditAndAdmin) {
  Start({"--disable", "scheduler,dns"});
  std::string kim = KubeconfigFor("kim");
  ASSERT_EQ(
      K({"create", "clusterrolebinding", "kim-view", "--clusterrole=view", "--user=kim"}).exit_code,
      0);
  auto view = K({"get", "clusterrole", "view", "-o", "jsonpath={.aggregationRule}"});
  EXPECT_NE(view.out.find(R"("rbac.authorization.k8s.io/aggregate-to-view":"true")"),
            std::string::npos)
      << view.out;
  EXPECT_TRUE(WaitFor([&] { return As(kim, {"auth", "can-i", "get", "pods"}).out == "yes\n"; }));
  EXPECT_EQ(As(kim, {"auth", "can-i", "list", "priorityclasses"}).out, "no\n");
  ASSERT_EQ(K({"apply", "-f", "-"}, R"({"apiVersion":"rbac.authorization.k8s.io/v1",
    "kind":"ClusterRole","metadata":{"name":"priority-reader",
    "labels":{"rbac.authorization.k8s.io/aggregate-to-view":"true"}},
    "rules":[{"apiGroups":["scheduling.k8s.io"],"resources":["priorityclasses"],
              "verbs":["get","list","watch"]}]})")
                .exit_code,
            0);
  // The controller manager writes the union into view, and through edit into admin.
  EXPECT_TRUE(WaitFor([&] {
    return As(kim, {"auth", "can-i", "list", "priorityclasses"}).out == "yes\n";
  }));
  EXPECT_TRUE(WaitFor([&] {
    return K({"get", "clusterrole", "admin", "-o", "jsonpath={.rules}"})
               .out.find("priorityclasses") != std::string::npos;
  }));
  EXPECT_NE(K({"get", "clusterrole", "view", "-o", "yaml"}).out.find("priorityclasses"),
            std::string::npos);
  EXPECT_EQ(
      cluster_->Kubectl("1.27", {"auth", "can-i", "watch", "priorityclasses", "--as=kim"}).out,
      "yes\n");
  // Removing the label takes the rules away again.
  ASSERT_EQ(
      K({"label", "clusterrole", "priority-reader", "rbac.authorization.k8s.io/aggregate-to-view-"})
          .exit_code,
      0);
  EXPECT_TRUE(WaitFor([&] {
    return As(kim, {"auth", "can-i", "list", "priorityclasses"}).out == "no\n";
  }));
  EXPECT_EQ(As(kim, {"auth", "can-i", "get", "pods"}).out, "yes\n");
}

TEST_F(SecurityTest, RolesAndBindingsCannotGrantMoreThanTheRequesterHolds) {
  Start({"apiserver"});
  std::string dana = KubeconfigFor("dana");
  ASSERT_EQ(K({"create", "namespace", "team"}).exit_code, 0);
  ASSERT_EQ(
      K({"create", "rolebinding", "dana-admin", "-n", "team", "--clusterrole=admin", "--user=dana"})
          .exit_code,
      0);
  // dana holds pods rights in team: she may hand them on, as a Role or by binding view.
  EXPECT_TRUE(WaitFor([&] {
    return As(dana, {"create", "role", "pod-reader", "-n", "team", "--verb=get", "--resource=pods"})
               .exit_code == 0;
  }));
  auto bind_view = As(dana, {"create", "rolebinding", "eve-view", "-n", "team",
                             "--clusterrole=view", "--user=eve"});
  EXPECT_EQ(bind_view.exit_code, 0) << bind_view.err;
  // ... but not rights she lacks.
  auto role = As(dana, {"create", "role", "pc-reader", "-n", "team", "--verb=get,list",
                        "--resource=priorityclasses"});
  EXPECT_NE(role.exit_code, 0);
  EXPECT_NE(
      role.err.find(
          "roles.rbac.authorization.k8s.io \"pc-reader\" is forbidden: user \"dana\" "
          "(groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not "
          "currently held:\n{APIGroups:[\"scheduling.k8s.io\"], Resources:[\"priorityclasses\"], "
          "Verbs:[\"get\" \"list\"]}"),
      std::string::npos)
      << role.err;
  auto bind_admin = As(dana, {"create", "rolebinding", "eve-admin", "-n", "team",
                              "--clusterrole=cluster-admin", "--user=eve"});
  EXPECT_NE(bind_admin.exit_code, 0);
  EXPECT_NE(bind_admin.err.find("rolebindings.rbac.authorization.k8s.io \"eve-admin\" is "
                                "forbidden: user \"dana\""),
            std::string::npos)
      << bind_admin.err;
  EXPECT_NE(bind_admin.err.find(R"({APIGroups:["*"], Resources:["*"], Verbs:["*"]})"),
            std::string::npos)
      << bind_admin.err;
  // An update may not add rights either.
  auto patch = As(dana, {"patch", "role", "pod-reader", "-n", "team", "--type=json", "-p",
                         R"([{"op":"add","path":"/rules/0/verbs/-","value":"delete"},
                             {"op":"add","path":"/rules/-","value":{"apiGroups":[""],
                              "resources":["nodes"],"verbs":["get"]}}])"});
  EXPECT_NE(patch.err.find(R"({APIGroups:[""], Resources:["nodes"], Verbs:["get"]})"),
            std::string::npos)
      << patch.err;
  // With `escalate` on roles and `bind` on cluster-admin she may.
  ASSERT_EQ(K({"apply", "-f", "-"}, R"({"apiVersion":"v1","kind":"List","items":[
    {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole",
     "metadata":{"name":"escalate-bind"},
     "rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles"],"verbs":["escalate"]},
              {"apiGroups":["rbac.authorization.k8s.io"],"resources":["clusterroles"],
               "resourceNames":["cluster-admin"],"verbs":["bind"]}]},
    {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding",
     "metadata":{"name":"dana-escalate-bind","namespace":"team"},
     "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"escalate-bind"},
     "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"dana"}]}]})")
                .exit_code,
            0);
  EXPECT_TRUE(WaitFor([&] {
    return As(dana, {"create", "role", "pc-reader", "-n", "team", "--verb=get,list",
                     "--resource=priorityclasses"})
               .exit_code == 0;
  }));
  auto bound = As(dana, {"create", "rolebinding", "eve-admin", "-n", "team",
                         "--clusterrole=cluster-admin", "--user=eve"});
  EXPECT_EQ(bound.exit_code, 0) << bound.err;
}

TEST_F(SecurityTest, NodeIdentitiesOnlyChangeTheirOwnNodes) {
  Start({"--nodes", "2", "--disable", "scheduler,controllers,dns"});
  ASSERT_TRUE(WaitFor([&] {
    std::string out = K({"get", "nodes", "--no-headers"}).out;
    return out.find("node01   Ready") != std::string::npos &&
           out.find("node02   Ready") != std::string::npos;
  }));
  // A kubelet-style identity for node01.
  std::string kubelet = KubeconfigFor("system:node:node01", {"system:nodes"});
  EXPECT_EQ(As(kubelet, {"label", "node", "node01", "owner=me"}).exit_code, 0);
  auto other = As(kubelet, {"label", "node", "node02", "owner=me"});
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(
      other.err.find(
          R"(nodes "node02" is forbidden: User "system:node:node01" cannot patch resource "nodes")"),
      std::string::npos)
      << other.err;
  EXPECT_NE(As(kubelet, {"delete", "namespace", "default"}).exit_code, 0);
  EXPECT_EQ(As(kubelet, {"get", "nodes"}).exit_code, 0);

  // The node agent's own credentials: its nodes, not others.
  std::string agent = cluster_->dir() + "/data/coprocesses/nodes.kubeconfig";
  EXPECT_EQ(FileMode(agent), 0600);
  EXPECT_EQ(As(agent, {"label", "node", "node02", "agent=yes"}).exit_code, 0);
  ASSERT_EQ(
      K({"create", "-f", "-"}, R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"edge-1"}})")
          .exit_code,
      0);
  auto foreign = As(agent, {"label", "node", "edge-1", "agent=yes"});
  EXPECT_NE(foreign.exit_code, 0);
  EXPECT_NE(foreign.err.find("is forbidden"), std::string::npos) << foreign.err;
  EXPECT_NE(As(agent, {"delete", "node", "edge-1"}).exit_code, 0);
  auto lease = As(agent, {"delete", "lease", "node01", "-n", "default"});
  EXPECT_NE(lease.exit_code, 0);
}

TEST_F(SecurityTest, CertificatesFromAnotherCaAreRefused) {
  Start({"apiserver"});
  TestCluster other({"apiserver"});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(WaitFor([&] { return other.Http("GET", "/readyz").status == 200; }));
  HttpCredentials foreign = other.AdminCredentials();
  auto r = cluster_->HttpAs(foreign, "GET", "/api/v1/namespaces");
  EXPECT_TRUE(r.status == -1 || r.status == 401) << r.status << " " << r.body;
  // kubectl with this cluster's CA but the other cluster's admin certificate.
  std::string dir = cluster_->dir();
  std::ofstream(dir + "/foreign.crt") << foreign.cert_pem;
  std::ofstream(dir + "/foreign.key") << foreign.key_pem;
  auto k = K({"--client-certificate=" + dir + "/foreign.crt",
              "--client-key=" + dir + "/foreign.key", "get", "namespaces"});
  EXPECT_NE(k.exit_code, 0);
  EXPECT_EQ(k.out, "");
  // And the other way round: this cluster's serving certificate is not trusted by a client that
  // only knows the other CA.
  EXPECT_EQ(other.Http("GET", "/api/v1/namespaces").status, 200);
}

TEST_F(SecurityTest, TokenFileAndCoprocessRoles) {
  std::string tokens = "/tmp/tinyk8s-security-tokens-" + std::to_string(::getpid()) + ".csv";
  std::ofstream(tokens) << "s3cret,ops,1001,\"system:masters\"\nr3ad,bob,1002\n";
  Start({"--token-auth-file", tokens, "--disable", "dns"});
  std::filesystem::remove(tokens);
  auto ops = cluster_->HttpAs({"", "", "s3cret"}, "GET", "/api/v1/namespaces");
  EXPECT_EQ(ops.status, 200) << ops.body;
  auto bob = cluster_->HttpAs({"", "", "r3ad"}, "DELETE", "/api/v1/namespaces/default");
  EXPECT_EQ(bob.status, 403) << bob.body;
  EXPECT_NE(
      bob.body.find(
          R"(namespaces \"default\" is forbidden: User \"bob\" cannot delete resource \"namespaces\" in API group \"\" at the cluster scope)"),
      std::string::npos)
      << bob.body;

  // The scheduler may bind pods and write events, but not delete namespaces.
  std::string sched = cluster_->dir() + "/data/coprocesses/scheduler.kubeconfig";
  EXPECT_EQ(As(sched, {"auth", "can-i", "create", "pods", "--subresource=binding"}).out, "yes\n");
  EXPECT_EQ(As(sched, {"auth", "can-i", "create", "events"}).out, "yes\n");
  EXPECT_EQ(As(sched, {"auth", "can-i", "delete", "namespaces"}).out, "no\n");
  EXPECT_EQ(As(sched, {"auth", "can-i", "create", "clusterrolebindings"}).out, "no\n");
  auto del = As(sched, {"delete", "namespace", "kube-public"});
  EXPECT_NE(del.err.find(R"(User "system:kube-scheduler" cannot delete resource "namespaces")"),
            std::string::npos)
      << del.err;
  std::string cm = cluster_->dir() + "/data/coprocesses/controller-manager.kubeconfig";
  EXPECT_EQ(As(cm, {"auth", "can-i", "create", "pods"}).out, "yes\n");
  EXPECT_EQ(As(cm, {"auth", "can-i", "create", "clusterrolebindings"}).out, "no\n");
}

// As kube-apiserver, every start reconciles the bootstrap policy with the data dir: what a
// bootstrap role or binding lacks is added back, what the user added stays, and objects
// annotated rbac.authorization.kubernetes.io/autoupdate=false are left as they are.
TEST_F(SecurityTest, BootstrapPolicyIsReconciledAtEveryStart) {
  Start({"apiserver"});
  auto rules = [&](const std::string& role) {
    return K({"get", "clusterrole", role, "-o",
              R"(jsonpath={range .rules[*]}{.apiGroups}{.resources}{.verbs}{"\n"}{end})"})
        .out;
  };
  const std::string slices = R"(["discovery.k8s.io"]["endpointslices"]["get","list","watch"])";
  const std::string secrets = R"([""]["secrets"]["get"])";
  const std::string added_rule =
      R"({"op":"add","path":"/rules/-","value":{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}})";
  ASSERT_NE(rules("system:kube-dns").find(slices), std::string::npos);
  // Drop the endpointslices rule of system:kube-dns and add one of our own.
  ASSERT_EQ(K({"patch", "clusterrole", "system:kube-dns", "--type=json", "-p",
               R"([{"op":"test","path":"/rules/1/resources","value":["endpointslices"]},)"
               R"({"op":"remove","path":"/rules/1"},)" +
                   added_rule + "]"})
                .exit_code,
            0);
  // A similar edit on system:kube-scheduler, which opts out of reconciliation.
  ASSERT_EQ(K({"annotate", "--overwrite", "clusterrole", "system:kube-scheduler",
               "rbac.authorization.kubernetes.io/autoupdate=false"})
                .exit_code,
            0);
  ASSERT_EQ(K({"patch", "clusterrole", "system:kube-scheduler", "--type=json", "-p",
               R"([{"op":"remove","path":"/rules/0"},)" + added_rule + "]"})
                .exit_code,
            0);
  // A binding that lost a subject and gained one.
  ASSERT_EQ(
      K({"patch", "clusterrolebinding", "system:public-info-viewer", "--type=json", "-p",
         R"([{"op":"test","path":"/subjects/1/name","value":"system:unauthenticated"},)"
         R"({"op":"remove","path":"/subjects/1"},)"
         R"({"op":"add","path":"/subjects/-","value":{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"jane"}}])"})
          .exit_code,
      0);
  // A binding made again by hand with another role: roleRef cannot change, so the next start
  // recreates it with the expected role, keeping the user's subject.
  ASSERT_EQ(K({"delete", "clusterrolebinding", "system:kube-dns"}).exit_code, 0);
  ASSERT_EQ(
      K({"create", "clusterrolebinding", "system:kube-dns", "--clusterrole=view", "--user=jane"})
          .exit_code,
      0);
  std::string scheduler_before = rules("system:kube-scheduler");
  const std::string scheduler_pods = R"([""]["pods"]["get","list","watch","delete"])";
  ASSERT_EQ(scheduler_before.find(scheduler_pods), std::string::npos) << scheduler_before;
  ASSERT_NE(scheduler_before.find(secrets), std::string::npos) << scheduler_before;
  ASSERT_EQ(rules("system:kube-dns").find(slices), std::string::npos);
  auto dns_can_list_slices = [&] {
    auto r =
        K({"auth", "can-i", "list", "endpointslices.discovery.k8s.io", "--as=system:kube-dns"});
    return r.out + r.err;
  };
  EXPECT_EQ(dns_can_list_slices(), "no\n");

  ASSERT_TRUE(cluster_->Restart());
  ASSERT_TRUE(WaitFor([&] { return cluster_->Http("GET", "/readyz").status == 200; }));
  std::string dns = rules("system:kube-dns");
  EXPECT_NE(dns.find(slices), std::string::npos) << dns;
  EXPECT_NE(dns.find(secrets), std::string::npos) << dns;
  EXPECT_EQ(rules("system:kube-scheduler"), scheduler_before);
  EXPECT_EQ(
      K({"get", "clusterrole", "system:kube-scheduler", "-o",
         R"(jsonpath={.metadata.annotations.rbac\.authorization\.kubernetes\.io/autoupdate})"})
          .out,
      "false");
  EXPECT_EQ(K({"get", "clusterrolebinding", "system:public-info-viewer", "-o",
               R"(jsonpath={range .subjects[*]}{.kind}:{.name} {end})"})
                .out,
            "Group:system:authenticated User:jane Group:system:unauthenticated ");
  EXPECT_EQ(K({"get", "clusterrolebinding", "system:kube-dns", "-o",
               R"(jsonpath={.roleRef.name} {range .subjects[*]}{.kind}:{.name} {end})"})
                .out,
            "system:kube-dns User:jane User:system:kube-dns ");
  EXPECT_EQ(dns_can_list_slices(), "yes\n");

  // A start with nothing to reconcile writes nothing.
  std::string rv =
      K({"get", "clusterrole", "system:kube-dns", "-o", "jsonpath={.metadata.resourceVersion}"})
          .out;
  ASSERT_TRUE(cluster_->Restart());
  ASSERT_TRUE(WaitFor([&] { return cluster_->Http("GET", "/readyz").status == 200; }));
  EXPECT_EQ(
      K({"get", "clusterrole", "system:kube-dns", "-o", "jsonpath={.metadata.resourceVersion}"})
          .out,
      rv);
}

TEST_F(SecurityTest, PlainHttpOnlyOnLoopbackAndOnlyWhenAsked) {
  auto refused = RunCommand(
      {BinaryPath(), "apiserver", "--insecure-http", "--listen", "0.0.0.0:0", "--ephemeral"}, "",
      20);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("loopback"), std::string::npos) << refused.err;
  Start({"apiserver", "--insecure-http"});
  auto plain = cluster_->Http("GET", "/api/v1/namespaces");
  EXPECT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(K({"get", "ns", "default", "-o", "name"}).out, "namespace/default\n");
}

}  // namespace
}  // namespace tinyk8s::testing
