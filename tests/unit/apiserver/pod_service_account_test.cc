// ServiceAccount admission of pods (apiserver/strategies/pod_service_account.cc) against an
// in-memory ObjectLookup: the volume and mounts as upstream shapes them, the automount choices,
// the image pull secrets, the 403 for a missing account and the retries for "default".
#include "apiserver/strategies/pod_service_account.h"

#include <gtest/gtest.h>

#include <map>

#include "api/json.h"
#include "api/meta.h"
#include "apiserver/object_lookup.h"
#include "apiserver/registry.h"

namespace tinyk8s::apiserver {
namespace {

using Doc = std::shared_ptr<const rapidjson::Document>;

// Accounts by "ns/name". `appears_after` counts fresh reads of a missing account before it
// shows up (the controller creating "default" while admission waits).
class FakeLookup final : public ObjectLookup {
 public:
  explicit FakeLookup(const Registry& registry) : registry_(registry) {}
  void AddAccount(const std::string& ns, const std::string& json) {
    auto doc = api::ParseJson(json);
    EXPECT_TRUE(doc.ok()) << json;
    std::string key = ns + "/" + api::Name(*doc);
    accounts_[key] = std::make_shared<const rapidjson::Document>(std::move(doc).value());
  }
  Doc Find(const ResourceInfo& r, const std::string& ns, const std::string& name) override {
    EXPECT_EQ(r.plural, "serviceaccounts");
    auto it = accounts_.find(ns + "/" + name);
    return it == accounts_.end() ? nullptr : it->second;
  }
  Doc FindCurrent(const ResourceInfo& r, const std::string& ns, const std::string& name) override {
    ++fresh_reads;
    if (pending_ && fresh_reads >= appears_after) {
      AddAccount(ns, *pending_);
      pending_.reset();
    }
    return Find(r, ns, name);
  }
  std::vector<Doc> FindAll(const ResourceInfo&, const std::string&) override { return {}; }
  const ResourceInfo* Resource(const std::string& group, const std::string& plural) override {
    return registry_.FindByGroupResource(group, plural);
  }
  void AddLater(std::string json, int after) {
    pending_ = std::move(json);
    appears_after = after;
  }
  int fresh_reads = 0;
  int appears_after = 0;

 private:
  const Registry& registry_;
  std::map<std::string, Doc> accounts_;
  std::optional<std::string> pending_;
};

std::string Account(const std::string& name, const std::string& extra = "") {
  return R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":")" + name +
         R"(","namespace":"t"})" + extra + "}";
}

class PodServiceAccountTest : public ::testing::Test {
 protected:
  PodServiceAccountTest() { RegisterBuiltinResources(registry_); }
  Status Admit(rapidjson::Document& pod, int default_attempts = 3) {
    StrategyContext ctx{clock_, &lookup_};
    ServiceAccountAdmissionOptions options;
    options.default_account_attempts = default_attempts;
    return AdmitPodServiceAccount(pod, ctx, options);
  }
  static rapidjson::Document Pod(const std::string& spec, const std::string& meta = "") {
    auto doc = api::ParseJson(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p",)" + meta +
                              R"("namespace":"t"},"spec":)" + spec + "}");
    EXPECT_TRUE(doc.ok()) << spec;
    return std::move(doc).value();
  }
  Registry registry_;
  RealClock clock_;
  FakeLookup lookup_{registry_};
};

TEST_F(PodServiceAccountTest, AddsTheProjectedVolumeAndMountsInUpstreamShape) {
  lookup_.AddAccount("t", Account("default"));
  auto pod =
      Pod(R"({"initContainers":[{"name":"i","image":"x"}],"containers":[{"name":"a","image":"x",)"
          R"("volumeMounts":[{"name":"data","mountPath":"/data"}]},{"name":"b","image":"x"}],)"
          R"("volumes":[{"name":"data","emptyDir":{}}]})");
  ASSERT_TRUE(Admit(pod).ok());
  const rapidjson::Value& spec = pod["spec"];
  EXPECT_EQ(api::GetString(spec, {"serviceAccountName"}), "default");
  EXPECT_EQ(api::GetString(spec, {"serviceAccount"}), "default");
  ASSERT_EQ(spec["volumes"].Size(), 2u);
  std::string name = api::GetString(spec["volumes"][1], {"name"});
  ASSERT_EQ(name.size(), std::string("kube-api-access-").size() + 5) << name;
  EXPECT_EQ(name.rfind("kube-api-access-", 0), 0u);
  for (char c : name.substr(16)) {
    EXPECT_NE(std::string("bcdfghjklmnpqrstvwxz2456789").find(c), std::string::npos) << name;
  }
  // Serialized member by member in upstream's field order.
  EXPECT_EQ(
      api::ToJson(spec["volumes"][1]),
      R"({"name":")" + name +
          R"(","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},)"
          R"({"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},)"
          R"({"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],)"
          R"("defaultMode":420}})");
  const std::string mount =
      R"({"name":")" + name +
      R"(","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"})";
  EXPECT_EQ(api::ToJson(spec["initContainers"][0]["volumeMounts"]), "[" + mount + "]");
  EXPECT_EQ(api::ToJson(spec["containers"][0]["volumeMounts"]),
            R"([{"name":"data","mountPath":"/data"},)" + mount + "]");
  EXPECT_EQ(api::ToJson(spec["containers"][1]["volumeMounts"]), "[" + mount + "]");
}

TEST_F(PodServiceAccountTest, ExistingMountOrVolumeIsKept) {
  lookup_.AddAccount("t", Account("default"));
  // A container with its own mount at the path is left alone; the volume is still added for
  // the other one.
  auto pod = Pod(
      R"({"containers":[{"name":"a","image":"x","volumeMounts":[{"name":"own",)"
      R"("mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}]},{"name":"b","image":"x"}],)"
      R"("volumes":[{"name":"own","emptyDir":{}}]})");
  ASSERT_TRUE(Admit(pod).ok());
  EXPECT_EQ(pod["spec"]["containers"][0]["volumeMounts"].Size(), 1u);
  EXPECT_EQ(pod["spec"]["containers"][1]["volumeMounts"].Size(), 1u);
  EXPECT_EQ(pod["spec"]["volumes"].Size(), 2u);
  // Every container mounting something there already: no volume at all.
  auto all_mounted = Pod(R"({"containers":[{"name":"a","image":"x","volumeMounts":[{"name":"own",)"
                         R"("mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}]}],)"
                         R"("volumes":[{"name":"own","emptyDir":{}}]})");
  ASSERT_TRUE(Admit(all_mounted).ok());
  EXPECT_EQ(all_mounted["spec"]["volumes"].Size(), 1u);
  // A kube-api-access-* volume already there is reused, not duplicated.
  auto reused = Pod(R"({"containers":[{"name":"a","image":"x"}],)"
                    R"("volumes":[{"name":"kube-api-access-abcde","emptyDir":{}}]})");
  ASSERT_TRUE(Admit(reused).ok());
  EXPECT_EQ(reused["spec"]["volumes"].Size(), 1u);
  EXPECT_EQ(api::GetString(reused["spec"]["containers"][0]["volumeMounts"][0], {"name"}),
            "kube-api-access-abcde");
}

TEST_F(PodServiceAccountTest, AutomountPodWinsOverAccount) {
  lookup_.AddAccount("t", Account("quiet", R"(,"automountServiceAccountToken":false)"));
  lookup_.AddAccount("t", Account("default"));
  auto off_by_account = Pod(R"({"serviceAccountName":"quiet","containers":[{"name":"a"}]})");
  ASSERT_TRUE(Admit(off_by_account).ok());
  EXPECT_EQ(api::FindMember(off_by_account["spec"], "volumes"), nullptr);
  EXPECT_EQ(api::FindMember(off_by_account["spec"]["containers"][0], "volumeMounts"), nullptr);
  auto on_by_pod = Pod(
      R"({"serviceAccountName":"quiet","automountServiceAccountToken":true,"containers":[{"name":"a"}]})");
  ASSERT_TRUE(Admit(on_by_pod).ok());
  EXPECT_EQ(on_by_pod["spec"]["volumes"].Size(), 1u);
  auto off_by_pod = Pod(R"({"automountServiceAccountToken":false,"containers":[{"name":"a"}]})");
  ASSERT_TRUE(Admit(off_by_pod).ok());
  EXPECT_EQ(api::FindMember(off_by_pod["spec"], "volumes"), nullptr);
}

TEST_F(PodServiceAccountTest, DeprecatedAliasAndImagePullSecrets) {
  lookup_.AddAccount("t", Account("builder", R"(,"imagePullSecrets":[{"name":"reg"}])"));
  auto pod = Pod(R"({"serviceAccount":"builder","containers":[{"name":"a"}]})");
  ASSERT_TRUE(Admit(pod).ok());
  EXPECT_EQ(api::GetString(pod["spec"], {"serviceAccountName"}), "builder");
  EXPECT_EQ(api::ToJson(pod["spec"]["imagePullSecrets"]), R"([{"name":"reg"}])");
  // The pod's own pull secrets are kept.
  auto own = Pod(
      R"({"serviceAccountName":"builder","imagePullSecrets":[{"name":"mine"}],"containers":[{"name":"a"}]})");
  ASSERT_TRUE(Admit(own).ok());
  EXPECT_EQ(api::ToJson(own["spec"]["imagePullSecrets"]), R"([{"name":"mine"}])");
}

TEST_F(PodServiceAccountTest, MissingAccountIsForbiddenWithUpstreamWording) {
  auto pod = Pod(R"({"serviceAccountName":"nope","containers":[{"name":"a"}]})");
  Status s = Admit(pod);
  EXPECT_EQ(s.code(), StatusCode::kForbidden);
  EXPECT_EQ(s.message(),
            "pods \"p\" is forbidden: error looking up service account t/nope: "
            "serviceaccount \"nope\" not found");
  EXPECT_EQ(lookup_.fresh_reads, 1);  // other accounts: one fresh read, no retries
  // generateName: upstream names the pod by its prefix (admission runs before generation).
  auto generated = Pod(R"({"serviceAccountName":"nope","containers":[{"name":"a"}]})",
                       R"("generateName":"ds-",)");
  generated["metadata"]["name"].SetString("ds-x7k2q");
  EXPECT_EQ(Admit(generated).message(),
            "pods \"ds-\" is forbidden: error looking up service account t/nope: "
            "serviceaccount \"nope\" not found");
}

TEST_F(PodServiceAccountTest, DefaultAccountIsWaitedForAWhile) {
  lookup_.AddLater(Account("default"), 2);  // appears on the second fresh read
  auto pod = Pod(R"({"containers":[{"name":"a"}]})");
  Status waited = Admit(pod, 3);
  ASSERT_TRUE(waited.ok()) << waited.ToString();
  EXPECT_EQ(lookup_.fresh_reads, 2);
  EXPECT_EQ(pod["spec"]["volumes"].Size(), 1u);

  FakeLookup empty(registry_);
  StrategyContext ctx{clock_, &empty};
  ServiceAccountAdmissionOptions options;
  options.default_account_attempts = 3;
  auto never = Pod(R"({"containers":[{"name":"a"}]})");
  Status s = AdmitPodServiceAccount(never, ctx, options);
  EXPECT_EQ(s.code(), StatusCode::kForbidden);
  EXPECT_EQ(empty.fresh_reads, 3);
}

TEST_F(PodServiceAccountTest, MirrorPodsAreLeftAloneButMayNotUseAccounts) {
  const std::string mirror = R"("annotations":{"kubernetes.io/config.mirror":"abc"},)";
  auto pod = Pod(R"({"containers":[{"name":"a"}]})", mirror);
  ASSERT_TRUE(Admit(pod).ok());
  EXPECT_EQ(api::FindMember(pod["spec"], "serviceAccountName"), nullptr);
  EXPECT_EQ(api::FindMember(pod["spec"], "volumes"), nullptr);
  auto with_account = Pod(R"({"serviceAccountName":"x","containers":[{"name":"a"}]})", mirror);
  EXPECT_EQ(Admit(with_account).message(),
            "pods \"p\" is forbidden: a mirror pod may not reference service accounts");
  auto with_token =
      Pod(R"({"containers":[{"name":"a"}],"volumes":[{"name":"v","projected":{"sources":[)"
          R"({"serviceAccountToken":{"path":"token"}}]}}]})",
          mirror);
  EXPECT_EQ(Admit(with_token).message(),
            "pods \"p\" is forbidden: a mirror pod may not use ServiceAccountToken volume "
            "projections");
}

}  // namespace
}  // namespace tinyk8s::apiserver
