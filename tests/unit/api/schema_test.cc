// The compiled-in schema table: it parses, links, and carries the upstream facts the rest of
// the server depends on (merge keys, list types, protobuf numbers, inlining).
#include "api/schema/schema.h"

#include <gtest/gtest.h>

#include <chrono>

#include "api/schema/patch_meta.h"
#include "tests/unit/api/test_util.h"

namespace tinyk8s::api::schema {
namespace {

const Field* At(std::string_view type, const std::vector<std::string>& path) {
  const Type* t = BuiltinSchemas().Find(type);
  EXPECT_NE(t, nullptr) << type;
  return t ? ResolvePath(*t, path) : nullptr;
}

TEST(SchemaTableTest, EveryServedKindHasASchema) {
  struct Kind {
    const char *group, *version, *kind;
  };
  for (const Kind& k : std::vector<Kind>{{"", "v1", "Namespace"},
                                         {"", "v1", "Node"},
                                         {"", "v1", "Pod"},
                                         {"", "v1", "Service"},
                                         {"", "v1", "Endpoints"},
                                         {"", "v1", "Event"},
                                         {"", "v1", "ConfigMap"},
                                         {"", "v1", "Binding"},
                                         {"apps", "v1", "DaemonSet"},
                                         {"apps", "v1", "ControllerRevision"},
                                         {"coordination.k8s.io", "v1", "Lease"},
                                         {"discovery.k8s.io", "v1", "EndpointSlice"},
                                         {"events.k8s.io", "v1", "Event"},
                                         {"scheduling.k8s.io", "v1", "PriorityClass"},
                                         {"policy", "v1", "Eviction"}}) {
    const Type* t = BuiltinSchemas().ForKind(k.group, k.version, k.kind);
    ASSERT_NE(t, nullptr) << k.kind;
    EXPECT_NE(t->FindField("apiVersion"), nullptr) << k.kind;
    EXPECT_NE(t->FindField("metadata"), nullptr) << k.kind;
  }
}

TEST(SchemaTableTest, UpstreamFacts) {
  struct Case {
    const char* type;
    std::vector<std::string> path;
    const char* strategy;
    const char* merge_key;
    const char* list_type;
    int proto;
  };
  const std::vector<Case> cases = {
      {"core.v1.Pod", {"spec", "containers"}, "merge", "name", "map", 2},
      {"core.v1.Pod", {"spec", "initContainers"}, "merge", "name", "map", 20},
      {"core.v1.Pod", {"spec", "volumes"}, "merge,retainKeys", "name", "map", 1},
      {"core.v1.Pod", {"spec", "containers", "ports"}, "merge", "containerPort", "map", 6},
      {"core.v1.Pod", {"spec", "containers", "env"}, "merge", "name", "map", 7},
      {"core.v1.Pod", {"spec", "containers", "volumeMounts"}, "merge", "mountPath", "map", 9},
      {"core.v1.Pod", {"spec", "containers", "args"}, "", "", "atomic", 4},
      {"core.v1.Pod", {"spec", "tolerations"}, "", "", "atomic", 22},
      {"core.v1.Pod", {"metadata", "finalizers"}, "merge", "", "set", 14},
      {"core.v1.Pod", {"metadata", "ownerReferences"}, "merge", "uid", "map", 13},
      {"core.v1.Node", {"spec", "taints"}, "", "", "atomic", 5},
      {"core.v1.Node", {"status", "addresses"}, "merge", "type", "map", 5},
      {"core.v1.Service", {"spec", "ports"}, "merge", "port", "map", 1},
      {"apps.v1.DaemonSet", {"spec", "template", "spec", "containers"}, "merge", "name", "map", 2},
      {"apps.v1.DaemonSet", {"spec", "updateStrategy"}, "", "", "", 3},
      {"apps.v1.DaemonSet", {"status", "conditions"}, "merge", "type", "map", 10},
  };
  for (const Case& c : cases) {
    const Field* f = At(c.type, c.path);
    ASSERT_NE(f, nullptr) << c.type << " " << c.path.back();
    EXPECT_EQ(f->patch_strategy, c.strategy) << c.path.back();
    EXPECT_EQ(f->patch_merge_key, c.merge_key) << c.path.back();
    EXPECT_EQ(f->list_type, c.list_type) << c.path.back();
    EXPECT_EQ(f->proto_number, c.proto) << c.path.back();
  }
}

TEST(SchemaTableTest, InlinedVolumeSourcesAndSpecialTypes) {
  for (const char* source : {"emptyDir", "hostPath", "configMap", "secret", "projected",
                             "downwardAPI", "persistentVolumeClaim"}) {
    EXPECT_NE(At("core.v1.Pod", {"spec", "volumes", source}), nullptr) << source;
  }
  EXPECT_EQ(
      At("apps.v1.DaemonSet", {"spec", "updateStrategy", "rollingUpdate", "maxUnavailable"})->kind,
      ValueKind::kIntOrString);
  EXPECT_EQ(At("core.v1.Pod", {"spec", "containers", "resources", "limits"})->kind,
            ValueKind::kQuantity);
  EXPECT_EQ(At("core.v1.Pod", {"spec", "containers", "resources", "limits"})->container,
            Container::kMap);
  EXPECT_EQ(At("core.v1.Pod", {"spec", "containers", "resources", "limits", "cpu"}), nullptr);
  EXPECT_EQ(At("core.v1.Pod", {"metadata", "creationTimestamp"})->kind, ValueKind::kTime);
  // `{}[]string`: a map of string lists (user extra).
  const Field* extra = At("authentication.v1.SelfSubjectReview", {"status", "userInfo", "extra"});
  ASSERT_NE(extra, nullptr);
  EXPECT_EQ(extra->container, Container::kMap);
  EXPECT_TRUE(extra->list_values);
  EXPECT_EQ(extra->kind, ValueKind::kString);
  EXPECT_FALSE(At("core.v1.Pod", {"metadata", "labels"})->list_values);
  EXPECT_TRUE(At("apps.v1.DaemonSet", {"spec", "selector"})->required);
  EXPECT_EQ(At("core.v1.Pod", {"spec", "nope"}), nullptr);
}

TEST(SchemaTableTest, PatchMetaFromSchema) {
  PatchMetaLookup lookup = SchemaPatchMeta(*BuiltinSchemas().Find("apps.v1.DaemonSet"));
  auto containers = lookup({"spec", "template", "spec", "containers"});
  ASSERT_TRUE(containers.has_value());
  EXPECT_EQ(containers->merge_key, "name");
  EXPECT_EQ(containers->strategy, PatchMeta::kMerge);
  auto volumes = lookup({"spec", "template", "spec", "volumes"});
  ASSERT_TRUE(volumes.has_value());
  EXPECT_EQ(volumes->strategy, PatchMeta::kMergeRetainKeys);
  auto finalizers = lookup({"metadata", "finalizers"});
  ASSERT_TRUE(finalizers.has_value());
  EXPECT_TRUE(finalizers->primitive_list_merge);
  EXPECT_FALSE(lookup({"spec", "template", "spec", "tolerations"}).has_value());
  EXPECT_FALSE(lookup({"spec", "unknown"}).has_value());
}

TEST(SchemaTableTest, ParseErrorsNameTheLine) {
  auto bad = SchemaTable::Parse({"type a.v1.X\n  f 1 a.v1.Missing\n"}, "");
  EXPECT_FALSE(bad.ok());
  auto flag = SchemaTable::Parse({"type a.v1.X\n  f 1 string zap\n"}, "");
  ASSERT_FALSE(flag.ok());
  EXPECT_NE(flag.status().message().find("line 2"), std::string::npos);
  auto desc = SchemaTable::Parse({"type a.v1.X\n  f 1 string\n"}, "a.v1.X.g text\n");
  EXPECT_FALSE(desc.ok());
}

TEST(SchemaTableTest, DescriptionsForEveryKindField) {
  const std::string text =
      "type a.v1.K gvk=a/v1/K\n  apiVersion 0 string\n  kind 0 string\n  ref 1 a.v1.R\n"
      "type a.v1.R\n  kind 1 string\n";
  auto table = SchemaTable::Parse({text}, "*.kind any kind\na.v1.K.ref own\n");
  ASSERT_TRUE(table.ok()) << table.status().message();
  const Type* k = (*table)->Find("a.v1.K");
  EXPECT_EQ(k->FindField("kind")->description, "any kind");
  EXPECT_EQ(k->FindField("apiVersion")->description, "");
  EXPECT_EQ(k->FindField("ref")->description, "own");
  // Only kinds (types with TypeMeta) take the "*." lines.
  EXPECT_EQ((*table)->Find("a.v1.R")->FindField("kind")->description, "");
  EXPECT_FALSE(SchemaTable::Parse({text}, "*.nope text\n").ok());
}

// `kubectl explain` shows these: every field of the types users explain most has a
// description of ours (descriptions.txt), and every kind's top-level fields do.
TEST(SchemaTableTest, DescribedTypes) {
  const std::vector<std::string> types = {"apps.v1.DaemonSetSpec",
                                          "apps.v1.DaemonSetUpdateStrategy",
                                          "apps.v1.RollingUpdateDaemonSet",
                                          "apps.v1.DaemonSetStatus",
                                          "apps.v1.DaemonSetCondition",
                                          "meta.v1.ObjectMeta",
                                          "meta.v1.OwnerReference",
                                          "meta.v1.ManagedFieldsEntry",
                                          "meta.v1.LabelSelector",
                                          "meta.v1.LabelSelectorRequirement",
                                          "core.v1.PodTemplateSpec",
                                          "core.v1.PodSpec",
                                          "core.v1.Container",
                                          "core.v1.ContainerPort",
                                          "core.v1.EnvVar",
                                          "core.v1.EnvVarSource",
                                          "core.v1.ResourceRequirements",
                                          "core.v1.VolumeMount",
                                          "core.v1.Affinity",
                                          "core.v1.NodeAffinity",
                                          "core.v1.NodeSelector",
                                          "core.v1.NodeSelectorTerm",
                                          "core.v1.NodeSelectorRequirement",
                                          "core.v1.PreferredSchedulingTerm",
                                          "core.v1.PodAffinity",
                                          "core.v1.PodAntiAffinity",
                                          "core.v1.PodAffinityTerm",
                                          "core.v1.WeightedPodAffinityTerm",
                                          "core.v1.Toleration",
                                          "core.v1.PodDNSConfig",
                                          "core.v1.PodDNSConfigOption",
                                          "core.v1.NodeSpec",
                                          "core.v1.NodeStatus",
                                          "core.v1.Taint",
                                          "core.v1.NodeCondition",
                                          "core.v1.NodeAddress",
                                          "core.v1.NodeSystemInfo",
                                          "core.v1.ServiceSpec",
                                          "core.v1.ServicePort"};
  for (const std::string& name : types) {
    const Type* t = BuiltinSchemas().Find(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_FALSE(t->description.empty()) << name;
    for (const Field& f : t->fields) EXPECT_FALSE(f.description.empty()) << name << "." << f.name;
  }
  for (const auto& t : BuiltinSchemas().types()) {
    if (t->gvks.empty()) continue;
    EXPECT_FALSE(t->description.empty()) << t->name;
    for (const Field& f : t->fields)
      EXPECT_FALSE(f.description.empty()) << t->name << "." << f.name;
  }
}

TEST(SchemaTableTest, ParsesQuickly) {
  // Startup budget: the whole table parses in well under the 100 ms readiness budget.
  auto start = std::chrono::steady_clock::now();
  auto parsed = SchemaTable::Parse({"type a.v1.X\n  f 1 string\n"}, "");
  ASSERT_TRUE(parsed.ok());
  (void)BuiltinSchemas();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  std::cout << "schema table parse: " << ms << " ms, " << BuiltinSchemas().types().size()
            << " types\n";
}

}  // namespace
}  // namespace tinyk8s::api::schema
