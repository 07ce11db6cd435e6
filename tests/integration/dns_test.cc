// End-to-end (behavior-spec AT-13, SVC-*, EPS-*, DNS-*): the real server with simulated nodes,
// the DaemonSet and EndpointSlice controllers and the DNS co-process, driven by kubectl 1.32 and
// queried with dig (Debian dnsutils).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <sstream>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

constexpr char kDig[] = "/usr/bin/dig";  // RunCommand does not search PATH

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != ';') out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

constexpr char kManifests[] = R"(apiVersion: v1
kind: Namespace
metadata: {name: t}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds1, namespace: t}
spec:
  selector: {matchLabels: {app: ds1}}
  template:
    metadata: {labels: {app: ds1}}
    spec:
      containers:
      - name: c
        image: registry.k8s.io/pause:3.9
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: ds1-hl, namespace: t}
spec:
  clusterIP: None
  selector: {app: ds1}
  ports: [{name: http, port: 80, targetPort: http, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: ds1, namespace: t}
spec:
  selector: {app: ds1}
  ports: [{name: http, port: 80, targetPort: http, protocol: TCP}]
)";

// Its own label and headless service, so the DaemonSet never sees (or adopts) it.
constexpr char kHostnamePod[] = R"(apiVersion: v1
kind: Service
metadata: {name: sub, namespace: t}
spec:
  clusterIP: None
  selector: {role: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: t, labels: {role: web}}
spec:
  hostname: web-0
  subdomain: sub
  nodeName: node01
  containers:
  - name: c
    image: registry.k8s.io/pause:3.9
    ports: [{name: http, containerPort: 8080}]
)";

// A DaemonSet on the ssd=true nodes behind two headless services: `ssd-hl` (per-endpoint names
// are dashed IPs) and `ssd-sub`, the template's subdomain, so every daemon pod also answers for
// the one shared hostname.
constexpr char kSsdManifests[] = R"(apiVersion: v1
kind: Namespace
metadata: {name: t}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ssd, namespace: t}
spec:
  selector: {matchLabels: {app: ssd}}
  template:
    metadata: {labels: {app: ssd}}
    spec:
      nodeSelector: {ssd: "true"}
      hostname: cache
      subdomain: ssd-sub
      containers:
      - name: c
        image: registry.k8s.io/pause:3.9
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: ssd-hl, namespace: t}
spec:
  clusterIP: None
  selector: {app: ssd}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: ssd-sub, namespace: t}
spec:
  clusterIP: None
  selector: {app: ssd}
  ports: [{name: http, port: 80, targetPort: http}]
)";

constexpr char kPodDnsNoneWithoutConfig[] = R"(apiVersion: v1
kind: Pod
metadata: {name: bad-dns, namespace: t}
spec:
  dnsPolicy: None
  containers: [{name: c, image: registry.k8s.io/pause:3.9}]
)";

class DnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 is not installed";
    if (RunCommand({kDig, "-v"}).exit_code != 0) GTEST_SKIP() << "dig is not installed";
    port_ = FreeLoopbackPort();
    ASSERT_GT(port_, 0);
  }
  CommandResult K(const std::vector<std::string>& args, const std::string& in = "") {
    return cluster_->Kubectl(args, in);
  }
  std::string Get(const std::vector<std::string>& args) { return K(args).out; }
  // Dig runs `dig @127.0.0.1 -p PORT <args>`; returns stdout.
  std::string Dig(std::vector<std::string> args) {
    std::vector<std::string> argv = {kDig,      "@127.0.0.1", "-p", std::to_string(port_),
                                     "+time=1", "+tries=1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, "", 10).out;
  }
  std::vector<std::string> Short(const std::string& name, const std::string& type = "A",
                                 bool tcp = false) {
    std::vector<std::string> args = {name, type, "+short"};
    if (tcp) args.push_back("+tcp");
    return Lines(Dig(args));
  }
  std::string Status(const std::string& name, const std::string& type = "A") {
    std::string out = Dig({name, type, "+noall", "+comments"});
    size_t at = out.find("status: ");
    return at == std::string::npos ? out : out.substr(at + 8, out.find(',', at) - at - 8);
  }
  std::vector<std::string> PodIps() {
    std::string out = Get({"get", "pods", "-n", "t", "-l", "app=ds1", "-o",
                           "jsonpath={range .items[*]}{.status.podIP}{\"\\n\"}{end}"});
    auto ips = Lines(out);
    ips.erase(std::remove(ips.begin(), ips.end(), ""), ips.end());
    return ips;
  }
  static std::string Dashed(std::string ip) {
    std::replace(ip.begin(), ip.end(), '.', '-');
    return ip;
  }
  static std::string Reverse(const std::string& ip) {
    unsigned a, b, c, d;
    std::sscanf(ip.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
    return std::to_string(d) + "." + std::to_string(c) + "." + std::to_string(b) + "." +
           std::to_string(a) + ".in-addr.arpa";
  }

  int port_ = 0;
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(DnsTest, HeadlessServiceRecordsFollowDaemonPods) {
  cluster_ = std::make_unique<TestCluster>(std::vector<std::string>{
      "--nodes", "3", "--dns-listen", "127.0.0.1:" + std::to_string(port_)});
  ASSERT_TRUE(cluster_->ok());
  auto applied = K({"apply", "--validate=false", "-f", "-"}, kManifests);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  std::vector<std::string> ips;
  ASSERT_TRUE(WaitFor(
      [&] {
        ips = PodIps();
        return ips.size() == 3 && Short("ds1-hl.t.svc.cluster.local") == ips;
      },
      60))
      << Join(ips) << "dig:\n"
      << Dig({"ds1-hl.t.svc.cluster.local"})
      << Get({"get", "pods,endpointslices", "-n", "t", "-o", "wide"});

  // Authoritative, TTL 5.
  std::string full = Dig({"ds1-hl.t.svc.cluster.local", "A", "+noall", "+comments", "+answer"});
  EXPECT_NE(full.find("flags: qr aa"), std::string::npos) << full;
  EXPECT_NE(full.find("ds1-hl.t.svc.cluster.local. 5\tIN\tA\t" + ips[0]), std::string::npos)
      << full;

  // SRV for the named port: the resolved targetPort, dashed-IP targets that resolve.
  std::vector<std::string> want_srv;
  for (const auto& ip : ips) {
    want_srv.push_back("0 33 8080 " + Dashed(ip) + ".ds1-hl.t.svc.cluster.local.");
  }
  std::sort(want_srv.begin(), want_srv.end());
  EXPECT_EQ(Short("_http._tcp.ds1-hl.t.svc.cluster.local", "SRV"), want_srv);
  for (const auto& ip : ips) {
    EXPECT_EQ(Short(Dashed(ip) + ".ds1-hl.t.svc.cluster.local"), std::vector<std::string>{ip});
    auto ptr = Short(Reverse(ip), "PTR");
    EXPECT_NE(std::find(ptr.begin(), ptr.end(), Dashed(ip) + ".ds1-hl.t.svc.cluster.local."),
              ptr.end())
        << Join(ptr);
  }

  // NODATA, NXDOMAIN, the schema version, TCP.
  EXPECT_EQ(Status("ds1-hl.t.svc.cluster.local", "AAAA"), "NOERROR");
  EXPECT_TRUE(Short("ds1-hl.t.svc.cluster.local", "AAAA").empty());
  EXPECT_NE(Dig({"ds1-hl.t.svc.cluster.local", "AAAA", "+noall", "+authority"})
                .find("SOA\tns.dns.cluster.local. hostmaster.cluster.local."),
            std::string::npos);
  EXPECT_EQ(Status("nope.t.svc.cluster.local"), "NXDOMAIN");
  EXPECT_EQ(Short("dns-version.cluster.local", "TXT"), std::vector<std::string>{"\"1.1.0\""});
  EXPECT_EQ(Short("ds1-hl.t.svc.cluster.local", "A", /*tcp=*/true), ips);
  EXPECT_EQ(Status("example.com"), "REFUSED");

  // AT-13b: the ClusterIP service answers its IP, PTR and SRV with the service port.
  std::string cluster_ip =
      Get({"get", "svc", "ds1", "-n", "t", "-o", "jsonpath={.spec.clusterIP}"});
  EXPECT_EQ(cluster_ip.rfind("10.43.", 0), 0u) << cluster_ip;
  EXPECT_EQ(Short("ds1.t.svc.cluster.local"), std::vector<std::string>{cluster_ip});
  EXPECT_EQ(Short(Reverse(cluster_ip), "PTR"),
            std::vector<std::string>{"ds1.t.svc.cluster.local."});
  EXPECT_EQ(Short("_http._tcp.ds1.t.svc.cluster.local", "SRV"),
            std::vector<std::string>{"0 100 80 ds1.t.svc.cluster.local."});
  EXPECT_EQ(Short("kubernetes.default.svc.cluster.local"), std::vector<std::string>{"10.43.0.1"});

  // AT-13c: hostname + subdomain.
  ASSERT_EQ(K({"apply", "--validate=false", "-f", "-"}, kHostnamePod).exit_code, 0);
  std::string web_ip;
  EXPECT_TRUE(WaitFor(
      [&] {
        web_ip = Get({"get", "pod", "web-0", "-n", "t", "-o", "jsonpath={.status.podIP}"});
        return !web_ip.empty() &&
               Short("web-0.sub.t.svc.cluster.local") == std::vector<std::string>{web_ip};
      },
      30))
      << web_ip;
  ASSERT_EQ(K({"delete", "pod", "web-0", "-n", "t", "--timeout=30s"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return Status("web-0.sub.t.svc.cluster.local") == "NXDOMAIN"; }));

  // An unready pod leaves the answer; publishNotReadyAddresses brings it back.
  std::string pod = Lines(Get({"get", "pods", "-n", "t", "-l", "app=ds1", "-o", "name"}))[0];
  std::string pod_ip = Get({"get", pod, "-n", "t", "-o", "jsonpath={.status.podIP}"});
  ASSERT_EQ(K({"annotate", pod, "-n", "t", "tinyk8s.io/unready=true"}).exit_code, 0);
  std::vector<std::string> others = ips;
  others.erase(std::remove(others.begin(), others.end(), pod_ip), others.end());
  EXPECT_TRUE(WaitFor([&] { return Short("ds1-hl.t.svc.cluster.local") == others; }, 30))
      << Join(Short("ds1-hl.t.svc.cluster.local"));
  ASSERT_EQ(K({"patch", "svc", "ds1-hl", "-n", "t", "-p",
               R"({"spec":{"publishNotReadyAddresses":true}})"})
                .exit_code,
            0);
  EXPECT_TRUE(WaitFor([&] { return Short("ds1-hl.t.svc.cluster.local") == ips; }, 30));

  // The DaemonSet goes: no endpoints, NXDOMAIN, while the Service still exists.
  ASSERT_EQ(K({"delete", "ds", "ds1", "-n", "t"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return Status("ds1-hl.t.svc.cluster.local") == "NXDOMAIN"; }, 60))
      << Dig({"ds1-hl.t.svc.cluster.local"});
  EXPECT_EQ(K({"get", "svc", "ds1-hl", "-n", "t"}).exit_code, 0);
  EXPECT_EQ(Short("ds1.t.svc.cluster.local"), std::vector<std::string>{cluster_ip});
}

// Records follow the daemon pods as nodes join or leave the DaemonSet's node selector: by label
// edits and by a node agent starting and its node being deleted.
TEST_F(DnsTest, HeadlessRecordsFollowNodesJoiningAndLeavingTheSelector) {
  cluster_ = std::make_unique<TestCluster>(
      std::vector<std::string>{"--nodes", "0", "--disable", "controllers", "--dns-listen",
                               "127.0.0.1:" + std::to_string(port_)});
  ASSERT_TRUE(cluster_->ok());
  // Agents started by hand need the kube-dns address the server passes to its own (kubelet
  // --cluster-dns); without it ClusterFirst pods fall back to the host's resolver.
  auto spawn_nodes = [&](const std::string& prefix, const std::string& count,
                         const std::vector<std::string>& extra) {
    std::vector<std::string> args = {
        "nodes",     "--kubeconfig", cluster_->kubeconfig(),      "--count", count,
        "--prefix",  prefix,         "--lease-renew-interval-ms", "200",     "--cluster-dns",
        "10.43.0.10"};
    args.insert(args.end(), extra.begin(), extra.end());
    return cluster_->Spawn(args, "nodes-" + prefix);
  };
  ASSERT_GT(spawn_nodes("node", "3", {}), 0);
  // Pod GC after 1 s, so a deleted node's daemon pod goes quickly.
  ASSERT_GT(cluster_->Spawn({"controller-manager", "--kubeconfig", cluster_->kubeconfig(),
                             "--node-monitor-grace-period", "3s", "--node-monitor-period", "200ms",
                             "--pod-gc-quarantine", "1s"},
                            "controller-manager"),
            0);
  ASSERT_TRUE(WaitFor([&] { return Lines(Get({"get", "nodes", "-o", "name"})).size() == 3; }, 30));
  auto applied = K({"apply", "--validate=false", "-f", "-"}, kSsdManifests);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;

  // The server refuses `dnsPolicy: None` without `dnsConfig` in upstream's words.
  auto refused = K({"create", "-f", "-"}, kPodDnsNoneWithoutConfig);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("The Pod \"bad-dns\" is invalid: spec.dnsConfig: Required value: "
                             "must provide `dnsConfig` when `dnsPolicy` is None"),
            std::string::npos)
      << refused.err;

  // node -> pod IP of the live daemon pods (deleted ones still terminating left out).
  auto daemon_pods = [&] {
    std::map<std::string, std::string> out;
    for (const auto& line : Lines(Get({"get", "pods", "-n", "t", "-l", "app=ssd", "-o",
                                       "jsonpath={range .items[*]}{.spec.nodeName} {.status.podIP} "
                                       "{.metadata.deletionTimestamp}{\"\\n\"}{end}"}))) {
      std::istringstream in(line);
      std::string node, ip, deleted;
      in >> node >> ip >> deleted;
      if (deleted.empty()) out[node] = ip;
    }
    return out;
  };
  std::string last;  // what the last check saw, for failure messages
  // Answers: the daemon pods run exactly on `nodes`, and both names answer with their IPs.
  auto answers_for = [&](const std::set<std::string>& nodes) {
    auto pods = daemon_pods();
    std::vector<std::string> ips, srv;
    for (const auto& [node, ip] : pods) {
      if (!nodes.count(node) || ip.empty()) break;
      ips.push_back(ip);
    }
    std::sort(ips.begin(), ips.end());
    std::string weight = ips.empty() ? "" : std::to_string(100 / ips.size());
    for (const auto& ip : ips) {
      srv.push_back("0 " + weight + " 8080 " + Dashed(ip) + ".ssd-hl.t.svc.cluster.local.");
    }
    std::sort(srv.begin(), srv.end());
    auto a = Short("ssd-hl.t.svc.cluster.local");
    auto got_srv = Short("_http._tcp.ssd-hl.t.svc.cluster.local", "SRV");
    auto shared = Short("cache.ssd-sub.t.svc.cluster.local");
    last = "pods:\n" + Get({"get", "pods", "-n", "t", "-o", "wide"}) + "A:\n" + Join(a) + "SRV:\n" +
           Join(got_srv) + "cache.ssd-sub:\n" + Join(shared);
    return pods.size() == nodes.size() && ips.size() == nodes.size() && a == ips &&
           got_srv == srv && shared == ips;
  };

  // No node has the label yet: the services have no endpoints.
  EXPECT_TRUE(WaitFor([&] { return Status("ssd-hl.t.svc.cluster.local") == "NXDOMAIN"; }));
  ASSERT_EQ(K({"label", "node", "node01", "node02", "ssd=true"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return answers_for({"node01", "node02"}); }, 60)) << last;
  ASSERT_EQ(K({"label", "node", "node03", "ssd=true"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return answers_for({"node01", "node02", "node03"}); }, 60)) << last;
  std::string gone_ip = daemon_pods()["node01"];
  ASSERT_EQ(K({"label", "node", "node01", "ssd-"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return answers_for({"node02", "node03"}); }, 60)) << last;
  EXPECT_EQ(Status(Dashed(gone_ip) + ".ssd-hl.t.svc.cluster.local"), "NXDOMAIN");

  // A daemon pod resolves like any ClusterFirst pod: hostname and subdomain change no search.
  std::string pod = Get({"get", "pods", "-n", "t", "-l", "app=ssd", "--field-selector",
                         "spec.nodeName=node02", "-o", "jsonpath={.items[0].metadata.name}"});
  std::string resolv = Get({"get", "pod", pod, "-n", "t", "-o",
                            "jsonpath={.metadata.annotations.tinyk8s\\.io/resolv-conf}"});
  EXPECT_EQ(resolv.rfind("nameserver 10.43.0.10\n"
                         "search t.svc.cluster.local svc.cluster.local cluster.local",
                         0),
            0u)
      << resolv;

  // A node joining with the label gets a daemon pod whose IP joins the answers; once the node
  // is gone (agent stopped, Node deleted), pod GC removes the pod and its records.
  int extra = spawn_nodes("extra", "1", {"--labels", "ssd=true"});
  ASSERT_GT(extra, 0);
  ASSERT_TRUE(WaitFor([&] { return answers_for({"node02", "node03", "extra01"}); }, 60)) << last;
  std::string extra_ip = daemon_pods()["extra01"];
  EXPECT_EQ(Short(Dashed(extra_ip) + ".ssd-hl.t.svc.cluster.local"),
            std::vector<std::string>{extra_ip});
  EXPECT_EQ(cluster_->StopSpawned(extra), 0);
  ASSERT_EQ(K({"delete", "node", "extra01"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return answers_for({"node02", "node03"}); }, 60)) << last;
  EXPECT_EQ(Status(Dashed(extra_ip) + ".ssd-hl.t.svc.cluster.local"), "NXDOMAIN");
}

TEST_F(DnsTest, ServiceCidrAndClusterIpAdmission) {
  cluster_ = std::make_unique<TestCluster>(std::vector<std::string>{
      "--service-cidr", "10.96.0.0/16", "--disable", "scheduler,controllers", "--dns-listen",
      "127.0.0.1:" + std::to_string(port_)});
  ASSERT_TRUE(cluster_->ok());
  EXPECT_EQ(Get({"get", "svc", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"}), "10.96.0.1");
  ASSERT_EQ(K({"create", "service", "clusterip", "a", "--tcp=80:8080"}).exit_code, 0);
  std::string ip = Get({"get", "svc", "a", "-o", "jsonpath={.spec.clusterIP}"});
  EXPECT_EQ(ip.rfind("10.96.", 0), 0u) << ip;
  EXPECT_TRUE(WaitFor(
      [&] { return Short("a.default.svc.cluster.local") == std::vector<std::string>{ip}; }));

  std::string dup =
      R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"b"},"spec":{"clusterIP":")" + ip +
      R"(","ports":[{"port":80}]}})";
  auto refused = K({"create", "-f", "-"}, dup);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("provided IP is already allocated"), std::string::npos) << refused.err;
  auto out_of_range = K(
      {"create", "-f", "-"},
      R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"c"},"spec":{"clusterIP":"10.0.0.5","ports":[{"port":80}]}})");
  EXPECT_NE(out_of_range.err.find("The range of valid IPs is 10.96.0.0/16"), std::string::npos)
      << out_of_range.err;
  // Deleting releases the address for the next Service.
  ASSERT_EQ(K({"delete", "svc", "a"}).exit_code, 0);
  auto reused = K({"create", "-f", "-"}, dup);
  EXPECT_EQ(reused.exit_code, 0) << reused.err;
  auto np = K({"create", "service", "nodeport", "np", "--tcp=80:8080"});
  ASSERT_EQ(np.exit_code, 0) << np.err;
  std::string node_port = Get({"get", "svc", "np", "-o", "jsonpath={.spec.ports[0].nodePort}"});
  EXPECT_GE(std::atoi(node_port.c_str()), 30000) << node_port;
  EXPECT_LE(std::atoi(node_port.c_str()), 32767) << node_port;
}

}  // namespace
}  // namespace tinyk8s::testing
