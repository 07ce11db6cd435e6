#include "apiserver/strategies/pod_service_account.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "api/json.h"
#include "api/meta.h"
#include "api/names.h"
#include "apiserver/api_errors.h"
#include "apiserver/object_lookup.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;
using Alloc = Document::AllocatorType;

namespace {

constexpr char kDefaultAccount[] = "default";
constexpr char kMirrorAnnotation[] = "kubernetes.io/config.mirror";

// The name upstream's errors use: admission runs before name generation there, so a pod with
// only generateName is called by its prefix.
std::string NameForErrors(const Value& pod) {
  std::string name = api::Name(pod);
  std::string prefix = api::GetString(pod, {"metadata", "generateName"});
  if (!prefix.empty() && name.size() == prefix.size() + 5 && name.rfind(prefix, 0) == 0) {
    return prefix;
  }
  return name;
}

Status Forbidden(StrategyContext& ctx, const Value& pod, const std::string& why) {
  const ResourceInfo* pods = ctx.lookup ? ctx.lookup->Resource("", "pods") : nullptr;
  return pods ? ForbiddenError(*pods, NameForErrors(pod), why)
              : Status(StatusCode::kForbidden, why);
}

// FindAccount reads the account from the cache, then (missing there) from a fresh cache, as
// upstream reads its lister and then the API; "default" is retried while the controller may
// still be creating it.
std::shared_ptr<const Document> FindAccount(ObjectLookup& lookup, const ResourceInfo& accounts,
                                            const std::string& ns, const std::string& name,
                                            const ServiceAccountAdmissionOptions& options) {
  if (auto sa = lookup.Find(accounts, ns, name)) return sa;
  int attempts = name == kDefaultAccount ? std::max(1, options.default_account_attempts) : 1;
  thread_local std::mt19937 rng{std::random_device{}()};
  const auto interval =
      std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 199)(rng));
  for (int i = 0; i < attempts; ++i) {
    if (i != 0) std::this_thread::sleep_for(interval);
    if (auto sa = lookup.FindCurrent(accounts, ns, name)) return sa;
  }
  return nullptr;
}

// Whether the pod gets the token volume: the pod's say wins, then the account's; default yes.
bool ShouldAutomount(const Value& spec, const Value& account) {
  if (const Value* p = api::FindMember(spec, "automountServiceAccountToken"); p && p->IsBool()) {
    return p->GetBool();
  }
  if (const Value* s = api::FindMember(account, "automountServiceAccountToken"); s && s->IsBool()) {
    return s->GetBool();
  }
  return true;
}

Value Str(const std::string& s, Alloc& a) { return api::MakeString(s, a); }

// The projected volume's source, members in upstream's field order: a bound token for the
// account (one hour plus seven seconds, which marks tokens the API server may accept past
// expiry with a warning), the cluster CA from kube-root-ca.crt and the pod's namespace; files
// mode 0644.
constexpr char kTokenVolumeSource[] =
    R"({"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},)"
    R"({"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},)"
    R"({"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1",)"
    R"("fieldPath":"metadata.namespace"}}]}}],"defaultMode":420})";

Value TokenVolume(const std::string& name, Alloc& a) {
  static const Document source = [] {
    Document d;
    d.Parse(kTokenVolumeSource);
    return d;
  }();
  Value volume(rapidjson::kObjectType);
  volume.AddMember("name", Str(name, a), a);
  volume.AddMember("projected", Value(source, a), a);
  return volume;
}

// MountToken adds the mount to every container of spec[list] that has nothing mounted at the
// token path; true if it added one.
bool MountToken(Value& spec, const char* list, const std::string& volume, Alloc& a) {
  Value* containers = api::FindMemberMutable(spec, list);
  if (containers == nullptr || !containers->IsArray()) return false;
  bool added = false;
  for (auto& c : containers->GetArray()) {
    if (!c.IsObject()) continue;
    Value* mounts = api::FindMemberMutable(c, "volumeMounts");
    bool mounted = false;
    if (mounts != nullptr && mounts->IsArray()) {
      for (const auto& m : mounts->GetArray()) {
        if (api::GetString(m, {"mountPath"}) == kServiceAccountTokenMountPath) mounted = true;
      }
    }
    if (mounted) continue;
    if (mounts == nullptr || !mounts->IsArray()) {
      Value empty(rapidjson::kArrayType);
      api::SetValue(c, "volumeMounts", empty, a);
      mounts = api::FindMemberMutable(c, "volumeMounts");
    }
    Value mount(rapidjson::kObjectType);
    mount.AddMember("name", Str(volume, a), a);
    mount.AddMember("readOnly", true, a);
    mount.AddMember("mountPath", rapidjson::StringRef(kServiceAccountTokenMountPath), a);
    mounts->PushBack(mount, a);
    added = true;
  }
  return added;
}

// As upstream: an existing kube-api-access-* volume is reused; else one is named at random and
// added only when some container mounts it.
void MountServiceAccountToken(Value& spec, Alloc& a) {
  std::string volume;
  if (const Value* volumes = api::FindMember(spec, "volumes"); volumes && volumes->IsArray()) {
    for (const auto& v : volumes->GetArray()) {
      std::string name = api::GetString(v, {"name"});
      if (name.rfind(kServiceAccountVolumePrefix, 0) == 0) {
        volume = name;
        break;
      }
    }
  }
  const bool has_volume = !volume.empty();
  if (!has_volume) volume = kServiceAccountVolumePrefix + api::GenerateNameSuffix();
  bool needed = MountToken(spec, "initContainers", volume, a);
  needed = MountToken(spec, "containers", volume, a) || needed;
  if (has_volume || !needed) return;
  Value* volumes = api::FindMemberMutable(spec, "volumes");
  if (volumes == nullptr || !volumes->IsArray()) {
    Value empty(rapidjson::kArrayType);
    api::SetValue(spec, "volumes", empty, a);
    volumes = api::FindMemberMutable(spec, "volumes");
  }
  volumes->PushBack(TokenVolume(volume, a), a);
}

bool IsMirrorPod(const Value& pod) {
  return api::FindPath(pod, {"metadata", "annotations", kMirrorAnnotation}) != nullptr;
}

Status CheckMirrorPod(StrategyContext& ctx, const Value& pod, const Value& spec) {
  if (!api::GetString(spec, {"serviceAccountName"}).empty()) {
    return Forbidden(ctx, pod, "a mirror pod may not reference service accounts");
  }
  if (const Value* volumes = api::FindMember(spec, "volumes"); volumes && volumes->IsArray()) {
    for (const auto& v : volumes->GetArray()) {
      const Value* sources = api::FindPath(v, {"projected", "sources"});
      if (sources == nullptr || !sources->IsArray()) continue;
      for (const auto& s : sources->GetArray()) {
        if (api::FindMember(s, "serviceAccountToken") != nullptr) {
          return Forbidden(ctx, pod,
                           "a mirror pod may not use ServiceAccountToken volume projections");
        }
      }
    }
  }
  return Status::OK();
}

}  // namespace

std::string DefaultServiceAccountName(Document& pod) {
  if (IsMirrorPod(pod)) return "";
  auto& a = pod.GetAllocator();
  Value& spec = api::EnsureObject(pod, {"spec"}, a);
  // serviceAccount is the deprecated alias; serviceAccountName wins (upstream conversion).
  std::string name = api::GetString(spec, {"serviceAccountName"});
  if (name.empty()) name = api::GetString(spec, {"serviceAccount"});
  if (name.empty()) name = kDefaultAccount;
  api::SetString(spec, "serviceAccountName", name, a);
  api::SetString(spec, "serviceAccount", name, a);
  return name;
}

Status AdmitPodServiceAccount(Document& pod, StrategyContext& ctx,
                              const ServiceAccountAdmissionOptions& options) {
  auto& a = pod.GetAllocator();
  Value& spec = api::EnsureObject(pod, {"spec"}, a);
  if (IsMirrorPod(pod)) return CheckMirrorPod(ctx, pod, spec);
  const std::string name = DefaultServiceAccountName(pod);

  const ResourceInfo* accounts = ctx.lookup ? ctx.lookup->Resource("", "serviceaccounts") : nullptr;
  if (accounts == nullptr) return Status::OK();
  const std::string ns = api::Namespace(pod);
  auto account = FindAccount(*ctx.lookup, *accounts, ns, name, options);
  if (account == nullptr) {
    return Forbidden(ctx, pod,
                     "error looking up service account " + ns + "/" + name + ": serviceaccount \"" +
                         name + "\" not found");
  }
  if (ShouldAutomount(spec, *account)) MountServiceAccountToken(spec, a);
  const Value* pod_pulls = api::FindMember(spec, "imagePullSecrets");
  const Value* sa_pulls = api::FindMember(*account, "imagePullSecrets");
  if ((pod_pulls == nullptr || !pod_pulls->IsArray() || pod_pulls->Empty()) && sa_pulls &&
      sa_pulls->IsArray() && !sa_pulls->Empty()) {
    Value pulls(rapidjson::kArrayType);
    for (const auto& p : sa_pulls->GetArray()) {
      Value ref(rapidjson::kObjectType);
      ref.AddMember("name", Str(api::GetString(p, {"name"}), a), a);
      pulls.PushBack(ref, a);
    }
    api::SetValue(spec, "imagePullSecrets", pulls, a);
  }
  return Status::OK();
}

}  // namespace tinyk8s::apiserver
