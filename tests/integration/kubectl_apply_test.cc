// End-to-end: schema-driven API fidelity with real kubectl 1.27, 1.32 and 1.33 at default
// validation (OpenAPI v3 / v2 protobuf, strict field validation, protobuf request bodies,
// strategic merge patch), plus a fuzz-style HTTP test of request bodies.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

class KubectlApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 is not installed";
    cluster_ = std::make_unique<TestCluster>();
    ASSERT_TRUE(cluster_->ok()) << "server did not start";
  }
  void TearDown() override {
    if (cluster_) {
      EXPECT_EQ(cluster_->Stop(), 0);
    }
  }
  // A copy of a testdata manifest moved to namespace `ns` (and optionally edited).
  std::string Manifest(const std::string& name, const std::string& ns,
                       const std::string& extra_spec_line = "") {
    std::string text = std::regex_replace(ReadFile(Testdata(name)),
                                          std::regex("namespace: monitoring"), "namespace: " + ns);
    if (!extra_spec_line.empty()) {
      text =
          std::regex_replace(text, std::regex("\nspec:\n"), "\nspec:\n" + extra_spec_line + "\n");
    }
    std::string path = cluster_->dir() + "/" + ns + "-" + std::to_string(counter_++) + ".yaml";
    std::ofstream(path) << text;
    return path;
  }
  std::unique_ptr<TestCluster> cluster_;
  int counter_ = 0;
};

TEST_F(KubectlApplyTest, DefaultValidationAcrossVersions) {
  for (std::string v : {"1.27", "1.32", "1.33"}) {
    if (!TestCluster::KubectlAvailable(v)) continue;
    SCOPED_TRACE("kubectl " + v);
    std::string ns = "ns" + std::regex_replace(v, std::regex("\\."), "");
    auto K = [&](const std::vector<std::string>& args) { return cluster_->Kubectl(v, args); };

    // 1.32+ send this body as protobuf.
    auto created_ns = K({"create", "namespace", ns});
    ASSERT_EQ(created_ns.exit_code, 0) << created_ns.err;
    EXPECT_EQ(created_ns.out, "namespace/" + ns + " created\n");

    auto created = K({"apply", "-f", Manifest("node-exporter-ds.yaml", ns)});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    EXPECT_EQ(created.out, "daemonset.apps/node-exporter created\n");
    std::string v2 = Manifest("node-exporter-ds-v2.yaml", ns);
    auto configured = K({"apply", "-f", v2});
    ASSERT_EQ(configured.exit_code, 0) << configured.err;
    EXPECT_EQ(configured.out, "daemonset.apps/node-exporter configured\n");
    auto unchanged = K({"apply", "-f", v2});
    ASSERT_EQ(unchanged.exit_code, 0) << unchanged.err;
    EXPECT_EQ(unchanged.out, "daemonset.apps/node-exporter unchanged\n");

    auto explain = K({"explain", "daemonset.spec.updateStrategy"});
    ASSERT_EQ(explain.exit_code, 0) << explain.err;
    EXPECT_NE(explain.out.find("<DaemonSetUpdateStrategy>"), std::string::npos) << explain.out;
    EXPECT_NE(explain.out.find("rollingUpdate"), std::string::npos) << explain.out;
    // Our descriptions (api/schema/tables/descriptions.txt), of the field and of its fields.
    EXPECT_NE(explain.out.find("How existing pods are replaced when the template changes."),
              std::string::npos)
        << explain.out;
    EXPECT_NE(explain.out.find("RollingUpdate (default) or OnDelete."), std::string::npos)
        << explain.out;

    // Unknown fields: refused by Strict (the default), warned and dropped with Warn.
    std::string bad = Manifest("node-exporter-ds.yaml", ns, "  foo: bar");
    auto strict = K({"apply", "-f", bad});
    EXPECT_NE(strict.exit_code, 0);
    EXPECT_NE(strict.err.find("strict decoding error: unknown field \"spec.foo\""),
              std::string::npos)
        << strict.err;
    auto warn = K({"apply", "--validate=warn", "-f", bad});
    EXPECT_EQ(warn.exit_code, 0) << warn.err;
    EXPECT_NE(warn.err.find("Warning: unknown field \"spec.foo\""), std::string::npos) << warn.err;
    auto stored = K({"get", "ds", "node-exporter", "-n", ns, "-o", "jsonpath={.spec.foo}"});
    EXPECT_EQ(stored.out, "");

    auto image = K(
        {"set", "image", "ds/node-exporter", "-n", ns, "node-exporter=prom/node-exporter:v1.8.0"});
    EXPECT_EQ(image.exit_code, 0) << image.err;
    auto patched = K({"patch", "ds", "node-exporter", "-n", ns, "-p",
                      R"({"spec":{"template":{"spec":{"containers":[{"name":"node-exporter",)"
                      R"("env":[{"name":"A","value":"1"}]}]}}}})"});
    EXPECT_EQ(patched.exit_code, 0) << patched.err;
    auto fields = K({"get", "ds", "node-exporter", "-n", ns, "-o",
                     "jsonpath={.spec.template.spec.containers[0].image} "
                     "{.spec.template.spec.containers[0].env[0].name} "
                     "{.spec.template.spec.containers[0].ports[0].containerPort}"});
    EXPECT_EQ(fields.out, "prom/node-exporter:v1.8.0 A 9100");

    // `set image` took the image over (manager kubectl-set): applying v2's image conflicts;
    // the rest of v2 still matches what client-side apply last applied.
    auto ssa = K({"apply", "--server-side", "-f", v2});
    EXPECT_NE(ssa.exit_code, 0);
    EXPECT_NE(ssa.err.find("Apply failed with 1 conflict: conflict with \"kubectl-set\" using "
                           "apps/v1: .spec.template.spec.containers[name=\"node-exporter\"].image"),
              std::string::npos)
        << ssa.err;
    auto forced = K({"apply", "--server-side", "--force-conflicts", "-f", v2});
    EXPECT_EQ(forced.exit_code, 0) << forced.err;
    EXPECT_EQ(forced.out, "daemonset.apps/node-exporter serverside-applied\n");
  }
}

// Server-side apply with field ownership: managedFields, a conflict with another applier and
// with a client-side-applied field, --force-conflicts, and kubectl's CSA-to-SSA migration
// (1.33 also sends a kubectl-last-applied apply).
TEST_F(KubectlApplyTest, ServerSideApplyConflicts) {
  const std::string image_path = ".spec.template.spec.containers[name=\"node-exporter\"].image";
  for (std::string v : {"1.27", "1.32", "1.33"}) {
    if (!TestCluster::KubectlAvailable(v)) continue;
    SCOPED_TRACE("kubectl " + v);
    std::string ns = "ssa" + std::regex_replace(v, std::regex("\\."), "");
    auto K = [&](const std::vector<std::string>& args) { return cluster_->Kubectl(v, args); };
    auto get = [&](const std::string& n, const std::string& jsonpath) {
      return K({"get", "ds", "node-exporter", "-n", n, "-o", "jsonpath=" + jsonpath}).out;
    };
    ASSERT_EQ(K({"create", "namespace", ns}).exit_code, 0);
    auto created = K({"apply", "--server-side", "-f", Manifest("node-exporter-ds.yaml", ns)});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    EXPECT_EQ(created.out, "daemonset.apps/node-exporter serverside-applied\n");
    EXPECT_EQ(
        get(ns, "{.metadata.managedFields[0].manager}/{.metadata.managedFields[0].operation}"),
        "kubectl/Apply");

    std::string other = Manifest("node-exporter-ds-v2.yaml", ns);
    auto conflict = K({"apply", "--server-side", "--field-manager=other", "-f", other});
    EXPECT_NE(conflict.exit_code, 0);
    EXPECT_NE(
        conflict.err.find("Apply failed with 1 conflict: conflict with \"kubectl\": " + image_path),
        std::string::npos)
        << conflict.err;
    EXPECT_EQ(get(ns, "{.spec.template.spec.containers[0].image}"), "prom/node-exporter:v1.6.0");
    auto forced =
        K({"apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", other});
    EXPECT_EQ(forced.exit_code, 0) << forced.err;
    EXPECT_EQ(get(ns, "{.spec.template.spec.containers[0].image}"), "prom/node-exporter:v1.7.0");

    // Client-side apply first: another applier conflicts with kubectl-client-side-apply, while
    // kubectl's own server-side apply takes over what it last applied.
    std::string csa_ns = ns + "-csa";
    ASSERT_EQ(K({"create", "namespace", csa_ns}).exit_code, 0);
    auto csa = K({"apply", "-f", Manifest("node-exporter-ds.yaml", csa_ns)});
    ASSERT_EQ(csa.exit_code, 0) << csa.err;
    std::string v2 = Manifest("node-exporter-ds-v2.yaml", csa_ns);
    auto csa_conflict = K({"apply", "--server-side", "--field-manager=other", "-f", v2});
    EXPECT_NE(csa_conflict.exit_code, 0);
    EXPECT_NE(csa_conflict.err.find("Apply failed with 1 conflict: conflict with "
                                    "\"kubectl-client-side-apply\" using apps/v1: " +
                                    image_path),
              std::string::npos)
        << csa_conflict.err;
    auto migrated = K({"apply", "--server-side", "-f", v2});
    EXPECT_EQ(migrated.exit_code, 0) << migrated.err;
    EXPECT_EQ(migrated.out, "daemonset.apps/node-exporter serverside-applied\n");
    EXPECT_EQ(migrated.err, "");
    EXPECT_EQ(get(csa_ns, "{.spec.template.spec.containers[0].image}"),
              "prom/node-exporter:v1.7.0");
    EXPECT_NE(get(csa_ns, "{.metadata.annotations}").find("v1.7.0"), std::string::npos);
    // kubectl moved client-side apply's fields to its apply manager (a JSON patch of
    // managedFields) and kept the annotation under kubectl-last-applied.
    std::string managers = " " + get(csa_ns, "{.metadata.managedFields[*].manager}") + " ";
    EXPECT_NE(managers.find(" kubectl "), std::string::npos) << managers;
    EXPECT_NE(managers.find(" kubectl-last-applied "), std::string::npos) << managers;
    EXPECT_EQ(managers.find("kubectl-client-side-apply"), std::string::npos) << managers;
    // Client-side apply still works on top (it diffs against the annotation kept current).
    auto back = K({"apply", "-f", Manifest("node-exporter-ds.yaml", csa_ns)});
    EXPECT_EQ(back.exit_code, 0) << back.err;
    EXPECT_EQ(get(csa_ns, "{.spec.template.spec.containers[0].image}"),
              "prom/node-exporter:v1.6.0");
  }
}

TEST_F(KubectlApplyTest, OpenApiDocumentsAndCaching) {
  auto index = cluster_->Http("GET", "/openapi/v3");
  ASSERT_EQ(index.status, 200);
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(index.body, m, std::regex("/openapi/v3/apis/apps/v1\\?hash=[0-9A-F]+")))
      << index.body;
  auto doc = cluster_->Http("GET", m.str());
  ASSERT_EQ(doc.status, 200);
  for (const char* needle :
       {"\"x-kubernetes-group-version-kind\":[{\"group\":\"apps\",\"kind\":\"DaemonSet\"",
        "\"x-kubernetes-patch-merge-key\":\"name\"", "\"x-kubernetes-list-type\":\"map\"",
        "\"name\":\"fieldValidation\"", "io.k8s.api.core.v1.PodSpec"}) {
    EXPECT_NE(doc.body.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(cluster_->Http("GET", "/openapi/v3/apis/nope/v1").status, 404);
  auto v2 = cluster_->Http("GET", "/openapi/v2", "", "application/json",
                           "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
  EXPECT_EQ(v2.status, 200);
  EXPECT_EQ(v2.content_type, "application/octet-stream");
  EXPECT_GT(v2.body.size(), 10000u);
}

// Random, mutated and truncated bodies (patches of every type, YAML, protobuf) never crash the
// server, never answer 5xx, and never store anything when refused.
TEST_F(KubectlApplyTest, FuzzedBodiesAreRefusedCleanly) {
  ASSERT_EQ(cluster_->Kubectl({"create", "namespace", "fuzz"}).exit_code, 0);
  std::string ds = ReadFile(Testdata("node-exporter-ds.yaml"));
  ds = std::regex_replace(ds, std::regex("namespace: monitoring"), "namespace: fuzz");
  auto created =
      cluster_->Http("POST", "/apis/apps/v1/namespaces/fuzz/daemonsets", ds, "application/yaml");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string item = "/apis/apps/v1/namespaces/fuzz/daemonsets/node-exporter";
  // The spec as stored: refused patches must leave it alone. (The resourceVersion is no
  // guide: the DaemonSet controller keeps writing status.)
  auto spec = [&] {
    std::string body = cluster_->Http("GET", item).body;
    size_t from = body.find("\"spec\":"), to = body.find("\"status\":");
    return from == std::string::npos ? body : body.substr(from, to - from);
  };
  std::string baseline = spec();
  ASSERT_NE(baseline.find("node-exporter"), std::string::npos) << baseline;

  const std::string smp =
      R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"node-exporter"}],)"
      R"("containers":[{"name":"node-exporter","image":"x:1","$patch":"merge"}]}}}})";
  const std::string json_patch = R"([{"op":"replace","path":"/spec/minReadySeconds","value":3}])";
  const std::string ns_proto = std::string("k8s\0", 4) + "\x0a\x0f\x0a\x02v1\x12\x09Namespace" +
                               "\x12\x0a\x0a\x08\x0a\x06" + "fuzzns";
  struct Body {
    std::string method, target, content_type, text;
  };
  std::vector<Body> bodies = {
      {"PATCH", item, "application/strategic-merge-patch+json", smp},
      {"PATCH", item, "application/json-patch+json", json_patch},
      {"PATCH", item, "application/merge-patch+json", smp},
      {"PATCH", item, "application/apply-patch+yaml", ds},
      {"POST", "/api/v1/namespaces", "application/vnd.kubernetes.protobuf", ns_proto},
      {"POST", "/apis/apps/v1/namespaces/fuzz/daemonsets", "application/yaml", ds},
  };
  // Objects in a list (each has one uid: DaemonSets and Namespaces have no owners here).
  auto count_items = [&](const std::string& list) {
    std::string body = cluster_->Http("GET", list).body;
    size_t n = 0;
    for (size_t at = body.find("\"uid\""); at != std::string::npos;
         at = body.find("\"uid\"", at + 1)) {
      ++n;
    }
    return n;
  };
  const std::string namespaces = "/api/v1/namespaces", daemonsets = "/apis/apps/v1/daemonsets";
  std::mt19937 rng(7);
  int requests = 0;
  for (const Body& b : bodies) {
    for (int i = 0; i < 60; ++i) {
      std::string text = b.text;
      if (i % 3 == 0) {
        text = text.substr(0, rng() % text.size());  // truncated
      } else if (i % 3 == 1) {
        for (int k = 0; k < 3; ++k) text[rng() % text.size()] = static_cast<char>(rng());
      } else {
        text.resize(rng() % 200);  // random bytes
        for (char& ch : text) ch = static_cast<char>(rng());
      }
      size_t namespaces_before = 0, daemonsets_before = 0;
      if (b.method == "POST") {
        namespaces_before = count_items(namespaces);
        daemonsets_before = count_items(daemonsets);
      }
      auto r = cluster_->Http(b.method, b.target, text, b.content_type);
      ++requests;
      ASSERT_GT(r.status, 0) << "server died";
      EXPECT_LT(r.status, 500) << b.content_type << ": " << r.body;
      // A refused request writes nothing; an accepted one may (a flipped byte can stay valid).
      if (b.method == "PATCH") {
        std::string now = spec();
        if (r.status >= 400) {
          EXPECT_EQ(now, baseline) << "refused patch changed the object";
        }
        baseline = now;
      } else if (r.status >= 400) {
        EXPECT_EQ(count_items(namespaces), namespaces_before) << "refused create stored something";
        EXPECT_EQ(count_items(daemonsets), daemonsets_before) << "refused create stored something";
      }
    }
  }
  EXPECT_GT(requests, 100);
  auto health = cluster_->Http("GET", "/readyz");
  EXPECT_EQ(health.status, 200);
}

}  // namespace
}  // namespace tinyk8s::testing
