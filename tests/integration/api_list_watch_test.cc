// End-to-end: paged lists (limit/continue), the deprecated /watch/ paths, and events.k8s.io/v1
// Events served as a converted view of the core Events.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <set>
#include <thread>

#include "api/json.h"
#include "tests/integration/test_cluster.h"
#include "tests/support/raw_http_link.h"

namespace tinyk8s::testing {
namespace {

class ApiListWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(
        std::vector<std::string>{"--disable", "scheduler,controllers,dns"});
    ASSERT_TRUE(cluster_->ok()) << "server did not start";
  }
  void TearDown() override {
    if (cluster_) {
      EXPECT_EQ(cluster_->Stop(), 0);
    }
  }
  rapidjson::Document Json(const HttpResult& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    auto doc = api::ParseJson(r.body);
    EXPECT_TRUE(doc.ok()) << r.body;
    return doc.ok() ? std::move(doc).value() : rapidjson::Document();
  }
  void CreateConfigMap(const std::string& name, const std::string& tier) {
    auto r = cluster_->Http(
        "POST", "/api/v1/namespaces/default/configmaps",
        R"({"metadata":{"name":")" + name + R"(","labels":{"tier":")" + tier + R"("}}})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // Names of the items of a list, page by page, following continue tokens.
  std::vector<std::string> ListAllPages(const std::string& query, int* pages) {
    std::vector<std::string> names;
    std::string cont;
    *pages = 0;
    do {
      std::string target = "/api/v1/namespaces/default/configmaps?" + query;
      if (!cont.empty()) target += "&continue=" + cont;
      auto doc = Json(cluster_->Http("GET", target));
      ++*pages;
      for (const auto& item : doc["items"].GetArray()) {
        names.push_back(api::GetString(item, {"metadata", "name"}));
      }
      cont = api::GetString(doc, {"metadata", "continue"});
      if (*pages > 50) break;
    } while (!cont.empty());
    return names;
  }
  // WatchLines runs a watch that ends after a second and returns its event lines.
  std::vector<std::string> WatchLines(const std::string& target) {
    auto r = cluster_->Http("GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    std::vector<std::string> lines;
    size_t at = 0;
    while (at < r.body.size()) {
      size_t nl = r.body.find('\n', at);
      if (nl == std::string::npos) nl = r.body.size();
      if (nl > at) lines.push_back(r.body.substr(at, nl - at));
      at = nl + 1;
    }
    return lines;
  }
  std::unique_ptr<TestCluster> cluster_;
};

// Reads from a blocking link until `marker` has arrived (or the link closes / times out).
std::string ReadUntil(RawHttpLink& link, const std::string& marker, std::string* seen) {
  char buf[4096];
  while (seen->find(marker) == std::string::npos) {
    size_t n = link.ReadSome(buf, sizeof buf);
    if (n == 0) break;
    seen->append(buf, n);
  }
  return *seen;
}

int RegisteredWatchers(TestCluster& cluster) {
  std::string metrics = cluster.Http("GET", "/metrics").body;
  size_t at = metrics.find("\napiserver_registered_watchers ");
  return at == std::string::npos ? -1 : std::atoi(metrics.c_str() + at + 31);
}

// A watch over TLS is not ended by bytes the client sends in its middle (the server used to
// close on any readable data, and readiness can come with nothing to read); it ends at
// timeoutSeconds leaving the connection usable, and it ends when the client goes away.
TEST_F(ApiListWatchTest, TlsWatchSurvivesClientBytesAndEndsWithTheClient) {
  TlsClientContext tls(cluster_->dir() + "/data/pki");
  auto open_watch = [&](RawHttpLink& link, const std::string& query, std::string* seen) {
    timeval limit{20, 0};
    setsockopt(link.fd(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ASSERT_TRUE(link.SendAll("GET /api/v1/namespaces/default/configmaps?watch=true" + query +
                             " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    ReadUntil(link, "\r\n\r\n", seen);  // the stream's headers
    ASSERT_NE(seen->find("200 OK"), std::string::npos) << *seen;
  };
  RawHttpLink noisy(cluster_->port(), tls.ctx());
  std::string noisy_seen;
  open_watch(noisy, "", &noisy_seen);
  ASSERT_TRUE(noisy.SendAll("bytes no server expects during a watch"));
  CreateConfigMap("after-client-bytes", "a");
  ReadUntil(noisy, "after-client-bytes", &noisy_seen);
  EXPECT_NE(noisy_seen.find("\"ADDED\""), std::string::npos) << noisy_seen;
  EXPECT_FALSE(noisy.closed());

  RawHttpLink timed(cluster_->port(), tls.ctx());
  std::string seen;
  open_watch(timed, "&timeoutSeconds=1", &seen);
  ReadUntil(timed, "\r\n0\r\n\r\n", &seen);  // timeoutSeconds: the terminating chunk
  ASSERT_NE(seen.find("\r\n0\r\n\r\n"), std::string::npos) << seen;
  std::string body;
  EXPECT_EQ(timed.Roundtrip("GET", "/readyz", "", &body), 200);
  EXPECT_EQ(body, "ok");
  // A second watch on the same connection notices its client leaving.
  int before = RegisteredWatchers(*cluster_);
  std::string again;
  open_watch(timed, "", &again);
  EXPECT_TRUE(WaitFor([&] { return RegisteredWatchers(*cluster_) == before + 1; }, 10));
  timed.Close();
  EXPECT_TRUE(WaitFor([&] { return RegisteredWatchers(*cluster_) == before; }, 10));
}

// /api tells clients where to reach the server (serverAddressByClientCIDRs): the bound port,
// also when the server was told to pick one (--listen 127.0.0.1:0, as here).
TEST_F(ApiListWatchTest, LegacyDiscoveryNamesTheBoundAddress) {
  auto r = cluster_->Http("GET", "/api");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string expected = R"("serverAddress":"127.0.0.1:)" + std::to_string(cluster_->port()) + "\"";
  EXPECT_NE(r.body.find(expected), std::string::npos) << r.body;
}

// A request the server cannot parse is answered as Go's net/http answers it (plain text, then
// the connection closes) instead of the connection closing in silence.
TEST_F(ApiListWatchTest, UnparsableRequestsAreAnswered400) {
  TlsClientContext tls(cluster_->dir() + "/data/pki");
  for (std::string request :
       {std::string("GET /api HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a") + '\0' + "b\r\n\r\n",
        std::string("GET /api HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n")}) {
    RawHttpLink link(cluster_->port(), tls.ctx());
    timeval limit{20, 0};
    setsockopt(link.fd(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ASSERT_TRUE(link.SendAll(request));
    std::string seen;
    ReadUntil(link, "400 Bad Request\n-never-", &seen);  // everything, until the server closes
    EXPECT_EQ(seen.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << seen;
    EXPECT_NE(seen.find("text/plain; charset=utf-8"), std::string::npos) << seen;
    EXPECT_TRUE(seen.size() >= 15 && seen.compare(seen.size() - 15, 15, "400 Bad Request") == 0)
        << seen;
  }
  EXPECT_EQ(cluster_->Http("GET", "/readyz").status, 200);
}

TEST_F(ApiListWatchTest, ContinuePagesReadOneSnapshot) {
  for (int i = 0; i < 7; ++i) CreateConfigMap("cm" + std::to_string(i), i % 2 ? "odd" : "even");
  auto all = Json(cluster_->Http("GET", "/api/v1/namespaces/default/configmaps"));
  std::vector<std::string> expected;
  for (const auto& item : all["items"].GetArray()) {
    expected.push_back(api::GetString(item, {"metadata", "name"}));
  }
  ASSERT_GE(expected.size(), 7u);

  auto first = Json(cluster_->Http("GET", "/api/v1/namespaces/default/configmaps?limit=3"));
  ASSERT_EQ(first["items"].Size(), 3u);
  std::string cont = api::GetString(first, {"metadata", "continue"});
  ASSERT_FALSE(cont.empty());
  EXPECT_EQ(api::GetInt(first, {"metadata", "remainingItemCount"}),
            static_cast<int64_t>(expected.size()) - 3);
  // Written after the first page: later pages read the first page's snapshot.
  CreateConfigMap("zz-late", "odd");
  std::vector<std::string> names;
  for (const auto& item : first["items"].GetArray()) {
    names.push_back(api::GetString(item, {"metadata", "name"}));
  }
  int pages = 1;
  while (!cont.empty() && pages < 20) {
    auto page = Json(
        cluster_->Http("GET", "/api/v1/namespaces/default/configmaps?limit=3&continue=" + cont));
    ++pages;
    EXPECT_LE(page["items"].Size(), 3u);
    for (const auto& item : page["items"].GetArray()) {
      names.push_back(api::GetString(item, {"metadata", "name"}));
    }
    cont = api::GetString(page, {"metadata", "continue"});
    EXPECT_EQ(api::GetString(page, {"metadata", "resourceVersion"}),
              api::GetString(first, {"metadata", "resourceVersion"}));
  }
  EXPECT_EQ(names, expected);
  EXPECT_EQ(pages, static_cast<int>((expected.size() + 2) / 3));

  // With a selector, each page is filled with matches only (zz-late is newer: a fresh list).
  auto odd = ListAllPages("labelSelector=tier%3Dodd&limit=2", &pages);
  EXPECT_EQ(odd, (std::vector<std::string>{"cm1", "cm3", "cm5", "zz-late"}));
  EXPECT_EQ(pages, 2);

  // A tampered token is a 400 Status, never a crash.
  auto bad = cluster_->Http("GET", "/api/v1/namespaces/default/configmaps?limit=3&continue=xyz");
  EXPECT_EQ(bad.status, 400) << bad.body;

  if (TestCluster::KubectlAvailable("1.32")) {
    auto chunked = cluster_->Kubectl({"get", "configmaps", "--chunk-size=2", "-o", "name"});
    ASSERT_EQ(chunked.exit_code, 0) << chunked.err;
    EXPECT_NE(chunked.out.find("configmap/cm6\n"), std::string::npos) << chunked.out;
    EXPECT_NE(chunked.out.find("configmap/zz-late\n"), std::string::npos) << chunked.out;
  }
}

TEST_F(ApiListWatchTest, LegacyWatchPathsServeWatches) {
  CreateConfigMap("alpha", "a");
  CreateConfigMap("beta", "b");
  auto ns_watch = WatchLines("/api/v1/watch/namespaces/default/configmaps?timeoutSeconds=1");
  std::set<std::string> seen;
  for (const auto& line : ns_watch) {
    auto ev = api::ParseJson(line);
    ASSERT_TRUE(ev.ok()) << line;
    EXPECT_EQ(api::GetString(*ev, {"type"}), "ADDED") << line;
    seen.insert(api::GetString(*ev, {"object", "metadata", "name"}));
  }
  EXPECT_TRUE(seen.count("alpha") && seen.count("beta")) << ns_watch.size();

  // One object: the name becomes a metadata.name field selector.
  auto one = WatchLines("/api/v1/watch/namespaces/default/configmaps/beta?timeoutSeconds=1");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_NE(one[0].find("\"name\":\"beta\""), std::string::npos) << one[0];

  // All namespaces, and a named group (from a resourceVersion: only later changes arrive).
  auto list = Json(cluster_->Http("GET", "/api/v1/namespaces"));
  std::string rv = api::GetString(list, {"metadata", "resourceVersion"});
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cluster_->Http("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases",
                   R"({"metadata":{"name":"l1"},"spec":{"holderIdentity":"me"}})");
  });
  auto leases = WatchLines(
      "/apis/coordination.k8s.io/v1/watch/leases?timeoutSeconds=2&"
      "resourceVersion=" +
      rv);
  writer.join();
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_NE(leases[0].find("\"type\":\"ADDED\""), std::string::npos) << leases[0];
  EXPECT_NE(leases[0].find("\"holderIdentity\":\"me\""), std::string::npos) << leases[0];
  auto cluster_wide = WatchLines("/api/v1/watch/configmaps?timeoutSeconds=1");
  EXPECT_GE(cluster_wide.size(), 2u);

  // A conflicting name selector and non-GET methods are refused.
  auto conflict = cluster_->Http(
      "GET", "/api/v1/watch/namespaces/default/configmaps/beta?fieldSelector=metadata.name%3Dx");
  EXPECT_EQ(conflict.status, 400) << conflict.body;
  auto post = cluster_->Http("POST", "/api/v1/watch/namespaces/default/configmaps", "{}");
  EXPECT_EQ(post.status, 405) << post.body;
}

TEST_F(ApiListWatchTest, EventsK8sIoIsAViewOfCoreEvents) {
  const std::string core = "/api/v1/namespaces/default/events";
  const std::string v1 = "/apis/events.k8s.io/v1/namespaces/default/events";
  auto created = cluster_->Http("POST", core, R"({"metadata":{"name":"ev-core"},
      "involvedObject":{"kind":"Pod","namespace":"default","name":"web"},
      "reason":"Started","message":"Started container","type":"Normal","count":3,
      "source":{"component":"kubelet","host":"node01"},
      "firstTimestamp":"2026-01-01T00:00:00Z","lastTimestamp":"2026-01-01T00:01:00Z",
      "reportingComponent":"kubelet","reportingInstance":"node01"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto as_v1 = Json(cluster_->Http("GET", v1 + "/ev-core"));
  EXPECT_EQ(api::GetString(as_v1, {"apiVersion"}), "events.k8s.io/v1");
  EXPECT_EQ(api::GetString(as_v1, {"regarding", "name"}), "web");
  EXPECT_EQ(api::GetString(as_v1, {"note"}), "Started container");
  EXPECT_EQ(api::GetInt(as_v1, {"deprecatedCount"}), 3);
  EXPECT_EQ(api::GetString(as_v1, {"deprecatedSource", "host"}), "node01");
  EXPECT_EQ(api::GetString(as_v1, {"deprecatedFirstTimestamp"}), "2026-01-01T00:00:00Z");
  EXPECT_EQ(api::GetString(as_v1, {"deprecatedLastTimestamp"}), "2026-01-01T00:01:00Z");
  EXPECT_EQ(api::GetString(as_v1, {"reportingController"}), "kubelet");
  EXPECT_EQ(api::FindMember(as_v1, "involvedObject"), nullptr);
  EXPECT_EQ(api::FindMember(as_v1, "message"), nullptr);

  auto created_v1 = cluster_->Http("POST", v1, R"({"metadata":{"name":"ev-new"},
      "regarding":{"kind":"Node","name":"node01"},"reason":"Ready","note":"Node is ready",
      "type":"Normal","eventTime":"2026-01-01T00:02:00.000000Z",
      "reportingController":"tinyk8s","reportingInstance":"x","action":"Check"})");
  ASSERT_EQ(created_v1.status, 201) << created_v1.body;
  EXPECT_NE(created_v1.body.find("\"note\":\"Node is ready\""), std::string::npos);
  auto as_core = Json(cluster_->Http("GET", core + "/ev-new"));
  EXPECT_EQ(api::GetString(as_core, {"apiVersion"}), "v1");
  EXPECT_EQ(api::GetString(as_core, {"involvedObject", "kind"}), "Node");
  EXPECT_EQ(api::GetString(as_core, {"message"}), "Node is ready");
  EXPECT_EQ(api::GetString(as_core, {"reportingComponent"}), "tinyk8s");

  // Lists, field selectors and watches of either version see both events.
  auto list_v1 = Json(cluster_->Http("GET", v1));
  EXPECT_EQ(list_v1["items"].Size(), 2u);
  EXPECT_EQ(api::GetString(list_v1, {"kind"}), "EventList");
  for (const auto& item : list_v1["items"].GetArray()) {
    EXPECT_FALSE(api::GetString(item, {"note"}).empty());
  }
  auto regarding = Json(cluster_->Http("GET", v1 + "?fieldSelector=regarding.name%3Dweb"));
  ASSERT_EQ(regarding["items"].Size(), 1u);
  // `source` falls back to the reporting component when no source component is set (upstream).
  for (const std::string& base : {v1, core}) {
    auto by_source = Json(cluster_->Http("GET", base + "?fieldSelector=source%3Dtinyk8s"));
    ASSERT_EQ(by_source["items"].Size(), 1u) << base;
    EXPECT_EQ(api::GetString(by_source["items"][0], {"metadata", "name"}), "ev-new");
  }
  auto by_kind_version = Json(
      cluster_->Http("GET", v1 + "?fieldSelector=regarding.kind%3DNode,regarding.apiVersion%3D"));
  EXPECT_EQ(by_kind_version["items"].Size(), 1u);
  auto watched = WatchLines(v1 + "?watch=true&timeoutSeconds=1");
  ASSERT_EQ(watched.size(), 2u);
  for (const auto& line : watched) EXPECT_NE(line.find("\"note\":"), std::string::npos) << line;

  // Update through the view, read through core; delete through core, gone from the view.
  auto patched =
      cluster_->Http("PATCH", v1 + "/ev-core", R"({"note":"Restarted","deprecatedCount":4})",
                     "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto after_patch = Json(cluster_->Http("GET", core + "/ev-core"));
  EXPECT_EQ(api::GetString(after_patch, {"message"}), "Restarted");
  EXPECT_EQ(api::GetInt(after_patch, {"count"}), 4);
  EXPECT_EQ(api::GetString(after_patch, {"involvedObject", "name"}), "web");
  EXPECT_EQ(cluster_->Http("DELETE", core + "/ev-new").status, 200);
  EXPECT_EQ(cluster_->Http("GET", v1 + "/ev-new").status, 404);
  EXPECT_EQ(cluster_->Http("DELETE", v1 + "/ev-core").status, 200);
  EXPECT_EQ(cluster_->Http("GET", core + "/ev-core").status, 404);

  if (TestCluster::KubectlAvailable("1.32")) {
    ASSERT_EQ(cluster_
                  ->Http("POST", v1, R"({"metadata":{"name":"ev-kubectl"},
        "regarding":{"kind":"Pod","namespace":"default","name":"db"},"reason":"Pulled",
        "note":"Image pulled","type":"Normal","eventTime":"2026-01-01T00:02:00.000000Z",
        "reportingController":"kubelet","reportingInstance":"node01","action":"Pull"})")
                  .status,
              201);
    auto get = cluster_->Kubectl({"get", "events"});
    ASSERT_EQ(get.exit_code, 0) << get.err;
    EXPECT_NE(get.out.find("Image pulled"), std::string::npos) << get.out;
    auto events = cluster_->Kubectl({"events"});
    ASSERT_EQ(events.exit_code, 0) << events.err;
    EXPECT_NE(events.out.find("Image pulled"), std::string::npos) << events.out;
    auto grouped = cluster_->Kubectl({"get", "events.events.k8s.io", "-o", "name"});
    EXPECT_EQ(grouped.out, "event.events.k8s.io/ev-kubectl\n") << grouped.err;
  }
}

}  // namespace
}  // namespace tinyk8s::testing
