#include "controllers/garbagecollector/garbage_collector.h"

#include <algorithm>
#include <unordered_set>

#include "api/json.h"
#include "api/meta.h"

namespace tinyk8s::controllers::garbagecollector {

namespace {
using client::ObjectPtr;

std::vector<std::string> AllOwnerUids(const rapidjson::Value& obj) {
  std::vector<std::string> out;
  const rapidjson::Value* refs = api::OwnerReferences(obj);
  if (refs == nullptr) return out;
  for (const auto& ref : refs->GetArray()) {
    std::string_view uid = api::GetStringView(ref, {"uid"});
    if (!uid.empty()) out.emplace_back(uid);
  }
  return out;
}

bool HasFinalizer(const rapidjson::Value& obj, const char* f) {
  auto fs = api::Finalizers(obj);
  return std::find(fs.begin(), fs.end(), f) != fs.end();
}

bool HasGcFinalizer(const rapidjson::Value& obj) {
  return HasFinalizer(obj, kOrphanFinalizer) || HasFinalizer(obj, kForegroundFinalizer);
}

// Upstream's "deletingDependents": deleted in the foreground, waiting for its dependents.
bool DeletingDependents(const rapidjson::Value& obj) {
  return api::HasDeletionTimestamp(obj) && HasFinalizer(obj, kForegroundFinalizer);
}

// Whether `dependent` holds up the foreground deletion of the owner with `owner_uid`.
bool BlocksOwner(const rapidjson::Value& dependent, const std::string& owner_uid) {
  for (const auto& ref : api::GetOwnerReferences(dependent)) {
    if (ref.uid == owner_uid && ref.block_owner_deletion) return true;
  }
  return false;
}

// Compared on every update of every watched object: no serialisation, no copies.
bool SameOwnerRefs(const rapidjson::Value& a, const rapidjson::Value& b) {
  const rapidjson::Value* ra = api::OwnerReferences(a);
  const rapidjson::Value* rb = api::OwnerReferences(b);
  if (ra == nullptr || rb == nullptr) return ra == rb;
  return api::JsonEqual(*ra, *rb);
}
}  // namespace

std::vector<client::Resource> GarbageCollector::DefaultResources() {
  namespace r = client::resources;
  return {r::Pods(),       r::ControllerRevisions(),
          r::DaemonSets(), r::EndpointSlices(),
          r::Endpoints(),  r::Services(),
          r::ConfigMaps(), r::ServiceAccounts(),
          r::Events(),     r::Leases(),
          r::Nodes()};
}

GarbageCollector::GarbageCollector(client::Client& client, client::SharedInformerFactory& informers,
                                   client::TimerClock& clock,
                                   std::vector<client::Resource> resources)
    : client_(client),
      resources_(resources.empty() ? DefaultResources() : std::move(resources)),
      queue_(client::WorkQueueOptions{&clock, std::chrono::milliseconds(5),
                                      std::chrono::seconds(300), "garbagecollector"}) {
  for (size_t i = 0; i < resources_.size(); ++i) {
    client::Informer& inf = informers.ForResource(resources_[i]);
    if (!inf.indexer().HasIndex(kAllOwnerUidsIndex)) {
      Status s = inf.AddIndexers({{std::string(kAllOwnerUidsIndex), AllOwnerUids}});
      if (!s.ok() && s.code() != StatusCode::kAlreadyExists) {
        TK_LOG_WARN << "garbagecollector: index on " << resources_[i].plural << ": "
                    << s.ToString();
      }
    }
    const int idx = static_cast<int>(i);
    inf.AddEventHandler(
        {[this, idx](const ObjectPtr& o) { OnAdd(idx, o); },
         [this, idx](const ObjectPtr& o, const ObjectPtr& n) { OnUpdate(idx, o, n); },
         [this, idx](const ObjectPtr& o, bool) { OnDelete(idx, o); }});
    informers_.push_back(&inf);
  }
}

GarbageCollector::~GarbageCollector() { queue_.ShutDown(); }

void GarbageCollector::Run(int workers, std::stop_token stop) {
  RunWorkers(queue_, workers, stop, "garbagecollector", [this](const GcKey& k) { return Sync(k); });
}

std::optional<GcKey> GarbageCollector::KeyFor(const client::Resource& r,
                                              const rapidjson::Value& obj) const {
  for (size_t i = 0; i < resources_.size(); ++i) {
    if (resources_[i] == r) return GcKey{static_cast<int>(i), client::ObjectKey::Of(obj)};
  }
  return std::nullopt;
}

void GarbageCollector::OnAdd(int resource, const ObjectPtr& obj) {
  if (api::OwnerReferences(*obj) != nullptr ||
      (api::HasDeletionTimestamp(*obj) && HasGcFinalizer(*obj))) {
    queue_.Add({resource, client::ObjectKey::Of(*obj)});
  }
}

void GarbageCollector::OnUpdate(int resource, const ObjectPtr& old_obj, const ObjectPtr& obj) {
  bool deleting_changed = api::HasDeletionTimestamp(*old_obj) != api::HasDeletionTimestamp(*obj) ||
                          api::Finalizers(*old_obj) != api::Finalizers(*obj);
  const bool refs_changed = !SameOwnerRefs(*old_obj, *obj);
  if ((deleting_changed && api::HasDeletionTimestamp(*obj) && HasGcFinalizer(*obj)) ||
      refs_changed) {
    queue_.Add({resource, client::ObjectKey::Of(*obj)});
  }
  // A reference dropped or made non-blocking may be what a foreground deletion waits for.
  if (refs_changed) EnqueueDeletingOwners(*old_obj);
  // An owner that starts a foreground deletion makes its dependents "waiting" owners' children.
  if (deleting_changed && api::HasDeletionTimestamp(*obj)) EnqueueDependents(api::Uid(*obj));
}

void GarbageCollector::OnDelete(int, const ObjectPtr& obj) {
  EnqueueDependents(api::Uid(*obj));
  EnqueueDeletingOwners(*obj);
}

std::vector<GarbageCollector::Dependent> GarbageCollector::DependentsOf(
    const std::string& uid) const {
  std::vector<Dependent> out;
  if (uid.empty()) return out;
  for (size_t i = 0; i < informers_.size(); ++i) {
    for (ObjectPtr& o : informers_[i]->indexer().ByIndex(kAllOwnerUidsIndex, uid)) {
      out.push_back({static_cast<int>(i), std::move(o)});
    }
  }
  return out;
}

void GarbageCollector::EnqueueDependents(const std::string& uid) {
  for (const Dependent& d : DependentsOf(uid)) {
    queue_.Add({d.resource, client::ObjectKey::Of(*d.obj)});
  }
}

void GarbageCollector::EnqueueDeletingOwners(const rapidjson::Value& obj) {
  for (const auto& ref : api::GetOwnerReferences(obj)) {
    const client::Resource* r = client::resources::FindByKind(ref.api_version, ref.kind);
    if (r == nullptr) continue;
    auto key = KeyFor(*r, obj);
    if (!key) continue;
    key->key = {r->namespaced ? api::Namespace(obj) : "", ref.name};
    ObjectPtr owner = informers_[key->resource]->indexer().Get(key->key);
    if (owner != nullptr && api::HasDeletionTimestamp(*owner)) queue_.Add(*key);
  }
}

Result<GarbageCollector::OwnerState> GarbageCollector::LookUpOwner(const std::string& ns,
                                                                   const rapidjson::Value& ref) {
  std::string api_version = api::GetString(ref, {"apiVersion"});
  std::string kind = api::GetString(ref, {"kind"});
  std::string name = api::GetString(ref, {"name"});
  std::string uid = api::GetString(ref, {"uid"});
  const client::Resource* r = client::resources::FindByKind(api_version, kind);
  if (r == nullptr) return OwnerState::kSolid;  // a kind we cannot check: never collect
  const std::string owner_ns = r->namespaced ? ns : "";
  auto state_of = [&](const rapidjson::Value& owner) {
    if (api::Uid(owner) != uid) return OwnerState::kAbsent;
    if (!api::HasDeletionTimestamp(owner)) return OwnerState::kSolid;
    return HasFinalizer(owner, kForegroundFinalizer) ? OwnerState::kDeletingForeground
                                                     : OwnerState::kDeleting;
  };
  for (size_t i = 0; i < resources_.size(); ++i) {
    if (!(resources_[i] == *r)) continue;
    ObjectPtr cached = informers_[i]->indexer().Get(owner_ns, name);
    if (cached != nullptr && api::Uid(*cached) == uid) return state_of(*cached);
  }
  // Absent (or another uid) in the cache: confirm live; a lagging cache must not kill anything.
  auto live = client_.Get(*r, owner_ns, name);
  if (live.ok()) return state_of(**live);
  if (live.status().IsNotFound()) return OwnerState::kAbsent;
  return live.status();  // unknown: keep the dependent, the sync is retried
}

Status GarbageCollector::Sync(const GcKey& key) {
  if (key.resource < 0 || key.resource >= static_cast<int>(informers_.size())) return Status::OK();
  ObjectPtr obj = informers_[key.resource]->indexer().Get(key.key);
  if (obj == nullptr) return Status::OK();
  if (api::HasDeletionTimestamp(*obj)) {
    if (HasGcFinalizer(*obj)) return ProcessDeletingOwner(key.resource, obj);
    return Status::OK();
  }
  if (api::OwnerReferences(*obj) != nullptr) return AttemptToDelete(key.resource, obj);
  return Status::OK();
}

Status GarbageCollector::ProcessDeletingOwner(int resource, const ObjectPtr& owner) {
  const std::string uid = api::Uid(*owner);
  std::vector<Dependent> deps = DependentsOf(uid);
  if (HasFinalizer(*owner, kOrphanFinalizer)) {
    for (const Dependent& d : deps) TK_RETURN_IF_ERROR(RemoveOwnerRefs(d.resource, *d.obj, {uid}));
    return RemoveFinalizer(resource, *owner, kOrphanFinalizer);
  }
  int blocking = 0;
  for (const Dependent& d : deps) {
    // Each dependent decides by all its owners (one with another solid owner only drops the
    // reference). One already being deleted is waited for, never deleted again: that, with
    // the cycle guard of AttemptToDelete, is how ownership cycles end.
    if (!api::HasDeletionTimestamp(*d.obj)) TK_RETURN_IF_ERROR(AttemptToDelete(d.resource, d.obj));
    if (BlocksOwner(*d.obj, uid)) ++blocking;
  }
  if (blocking == 0) return RemoveFinalizer(resource, *owner, kForegroundFinalizer);
  // Dependent deletions re-enqueue the owner; the timer is a safety net for missed events.
  queue_.AddAfter({resource, client::ObjectKey::Of(*owner)}, std::chrono::seconds(10));
  return Status::OK();
}

Status GarbageCollector::AttemptToDelete(int resource, const ObjectPtr& obj) {
  const rapidjson::Value* refs = api::OwnerReferences(*obj);
  if (refs == nullptr || !refs->IsArray() || refs->Empty()) return Status::OK();
  std::vector<std::string> solid, dangling, waiting;
  const std::string ns = api::Namespace(*obj);
  for (const auto& ref : refs->GetArray()) {
    std::string uid = api::GetString(ref, {"uid"});
    TK_ASSIGN_OR_RETURN(OwnerState state, LookUpOwner(ns, ref));
    switch (state) {
      case OwnerState::kSolid:
      case OwnerState::kDeleting:
        solid.push_back(uid);
        break;
      case OwnerState::kDeletingForeground:
        waiting.push_back(uid);
        break;
      case OwnerState::kAbsent:
        dangling.push_back(uid);
        break;
    }
  }
  if (!solid.empty()) {
    if (dangling.empty() && waiting.empty()) return Status::OK();
    // Only drop the references to gone or foreground-deleting owners (GC-2).
    dangling.insert(dangling.end(), waiting.begin(), waiting.end());
    return RemoveOwnerRefs(resource, *obj, dangling);
  }
  if (!waiting.empty()) {
    std::vector<Dependent> deps = DependentsOf(api::Uid(*obj));
    if (!deps.empty()) {
      // Upstream's cycle guard: an owner waits for this object, and one of its dependents
      // waits for its own dependents, which may lead back to that owner (A owns B owns A). The
      // object stops blocking its owners, so the owners can finish while it deletes its own
      // dependents in the foreground; no deletion waits for itself around the cycle.
      const bool dependent_waits = std::any_of(
          deps.begin(), deps.end(), [](const Dependent& d) { return DeletingDependents(*d.obj); });
      if (dependent_waits) TK_RETURN_IF_ERROR(UnblockOwnerRefs(resource, *obj));
      return DeleteObject(resource, *obj, "Foreground");
    }
  }
  // No solid owner, none waiting with dependents here: collect it, keeping a propagation its
  // own finalizers already ask for (as upstream does).
  const char* policy = HasFinalizer(*obj, kOrphanFinalizer)       ? "Orphan"
                       : HasFinalizer(*obj, kForegroundFinalizer) ? "Foreground"
                                                                  : "Background";
  return DeleteObject(resource, *obj, policy);
}

Status GarbageCollector::DeleteObject(int resource, const rapidjson::Value& obj,
                                      const std::string& policy) {
  client::DeleteOptions opts;
  opts.propagation_policy = policy;
  opts.precondition_uid = api::Uid(obj);
  auto res = client_.Delete(resources_[resource], api::Namespace(obj), api::Name(obj), opts);
  if (res.ok() || res.status().IsNotFound() || res.status().IsConflict()) {
    TK_VLOG(1) << "garbagecollector: deleted " << resources_[resource].plural << " "
               << client::ObjectKey::Of(obj).ToString() << " (" << policy << ")";
    return Status::OK();
  }
  return res.status();
}

Status GarbageCollector::PatchObject(int resource, const rapidjson::Value& obj,
                                     client::PatchType type, const std::string& patch) {
  auto res = client_.Patch(resources_[resource], api::Namespace(obj), api::Name(obj), type, patch);
  if (res.ok() || res.status().IsNotFound()) return Status::OK();  // gone: nothing to change
  return res.status();
}

Status GarbageCollector::RemoveOwnerRefs(int resource, const rapidjson::Value& obj,
                                         const std::vector<std::string>& owner_uids) {
  std::string patch = R"({"metadata":{"ownerReferences":[)";
  for (size_t i = 0; i < owner_uids.size(); ++i) {
    if (i > 0) patch += ",";
    patch += R"({"$patch":"delete","uid":")" + owner_uids[i] + R"("})";
  }
  patch += R"(],"uid":")" + api::Uid(obj) + R"("}})";
  return PatchObject(resource, obj, client::PatchType::kStrategic, patch);
}

Status GarbageCollector::UnblockOwnerRefs(int resource, const rapidjson::Value& obj) {
  // Strategic merge by uid: each blocking reference again, with blockOwnerDeletion false.
  rapidjson::Document patch(rapidjson::kObjectType);
  auto& a = patch.GetAllocator();
  rapidjson::Value& meta = api::EnsureObject(patch, {"metadata"}, a);
  rapidjson::Value list(rapidjson::kArrayType);
  if (const rapidjson::Value* refs = api::OwnerReferences(obj)) {
    for (const auto& ref : refs->GetArray()) {
      const rapidjson::Value* block = api::FindMember(ref, "blockOwnerDeletion");
      if (block == nullptr || !block->IsBool() || !block->GetBool()) continue;
      rapidjson::Value copy(ref, a);
      copy["blockOwnerDeletion"].SetBool(false);
      list.PushBack(copy, a);
    }
  }
  if (list.Empty()) return Status::OK();
  api::SetValue(meta, "ownerReferences", list, a);
  api::SetString(meta, "uid", api::Uid(obj), a);
  return PatchObject(resource, obj, client::PatchType::kStrategic, api::ToJson(patch));
}

Status GarbageCollector::RemoveFinalizer(int resource, const rapidjson::Value& obj,
                                         const char* finalizer) {
  // Merge patch of the remaining list, guarded by resourceVersion so a concurrent finalizer
  // change is not lost (a conflict is retried with the fresh object).
  rapidjson::Document patch(rapidjson::kObjectType);
  auto& a = patch.GetAllocator();
  rapidjson::Value& meta = api::EnsureObject(patch, {"metadata"}, a);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const std::string& f : api::Finalizers(obj)) {
    if (f != finalizer) list.PushBack(api::MakeString(f, a), a);
  }
  api::SetValue(meta, "finalizers", list, a);
  api::SetString(meta, "resourceVersion", api::ResourceVersion(obj), a);
  return PatchObject(resource, obj, client::PatchType::kMerge, api::ToJson(patch));
}

}  // namespace tinyk8s::controllers::garbagecollector
