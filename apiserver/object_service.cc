#include "apiserver/object_service.h"

#include "api/json.h"
#include "api/labels.h"
#include "api/meta.h"
#include "api/names.h"
#include "apiserver/api_errors.h"
#include "apiserver/field_errors.h"
#include "apiserver/managed_fields.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

namespace {
constexpr int kMaxConflictRetries = 16;
constexpr size_t kMaxAnnotationBytes = 256 * 1024;

Document Copy(const Value& v) {
  Document d;
  d.CopyFrom(v, d.GetAllocator());
  return d;
}

// SameOutsideMetaAndStatus reports whether two objects agree on everything but metadata and
// status (the generation rule: only such changes bump metadata.generation).
bool SameOutsideMetaAndStatus(const Value& a, const Value& b) {
  auto count = [](const Value& v) {
    size_t n = 0;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string_view k(it->name.GetString(), it->name.GetStringLength());
      if (k != "metadata" && k != "status" && k != "apiVersion" && k != "kind") ++n;
    }
    return n;
  };
  if (count(a) != count(b)) return false;
  for (auto it = a.MemberBegin(); it != a.MemberEnd(); ++it) {
    std::string_view k(it->name.GetString(), it->name.GetStringLength());
    if (k == "metadata" || k == "status" || k == "apiVersion" || k == "kind") continue;
    const Value* other = api::FindMember(b, k);
    if (!other || !api::JsonEqual(it->value, *other)) return false;
  }
  return true;
}

void CopyMetaField(Value& meta, const Value& old_meta, std::string_view field,
                   Document::AllocatorType& a) {
  api::RemoveMember(meta, field);
  if (const Value* v = api::FindMember(old_meta, field)) {
    Value copy(*v, a);
    api::SetValue(meta, field, copy, a);
  }
}

Status CheckTypeMeta(const ResourceInfo& r, Document& obj) {
  if (!obj.IsObject()) return Status::BadRequest("the body of the request was not a JSON object");
  std::string api_version = api::GetString(obj, {"apiVersion"});
  std::string kind = api::GetString(obj, {"kind"});
  if (!api_version.empty() && api_version != r.ApiVersion()) {
    return Status::BadRequest("the API version in the data (" + api_version +
                              ") does not match the expected API version (" + r.ApiVersion() + ")");
  }
  if (!kind.empty() && kind != r.kind) {
    return Status::BadRequest(kind + " in version \"" + r.version + "\" cannot be handled as a " +
                              r.kind + ": the kind in the data (" + kind +
                              ") does not match the expected kind (" + r.kind + ")");
  }
  if (const Value* meta = api::FindMember(obj, "metadata"); meta && !meta->IsObject()) {
    return Status::BadRequest(r.kind + " in version \"" + r.version + "\" cannot be handled as a " +
                              r.kind + ": metadata must be an object");
  }
  auto& a = obj.GetAllocator();
  // Keep apiVersion and kind first in the document for readable output.
  Document out;
  out.SetObject();
  auto& oa = out.GetAllocator();
  out.AddMember("apiVersion", api::MakeString(r.ApiVersion(), oa), oa);
  out.AddMember("kind", api::MakeString(r.kind, oa), oa);
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    std::string_view k(it->name.GetString(), it->name.GetStringLength());
    if (k == "apiVersion" || k == "kind") continue;
    out.AddMember(Value(it->name, oa), Value(it->value, oa), oa);
  }
  (void)a;
  obj.Swap(out);
  return Status::OK();
}

// OmitEmptyMetadata drops the metadata lists and maps that are empty, as upstream's Go types
// (all omitempty) never serialise them: a pod whose last ownerReference the garbage collector
// removed has no `ownerReferences: []`.
void OmitEmptyMetadata(Document& obj) {
  Value* meta = api::FindPathMutable(obj, {"metadata"});
  if (meta == nullptr || !meta->IsObject()) return;
  for (const char* f :
       {"labels", "annotations", "ownerReferences", "finalizers", "managedFields"}) {
    const Value* v = api::FindMember(*meta, f);
    if (v != nullptr && ((v->IsArray() && v->Empty()) || (v->IsObject() && v->ObjectEmpty()))) {
      api::RemoveMember(*meta, f);
    }
  }
}

// StoredJson serialises an object of `r` in its stored form.
std::string StoredJson(const ResourceInfo& r, const Document& obj) {
  if (!r.converter) return api::ToJson(obj);
  Document stored = Copy(obj);
  r.converter->ToStored(stored);
  return api::ToJson(stored);
}
}  // namespace

CachedPtr ViewAs(const ResourceInfo& r, const CachedPtr& stored) {
  if (!r.converter || !stored) return stored;
  Document doc = Copy(*stored->Doc());
  r.converter->FromStored(doc);
  return MakeCachedObject(stored->key, std::move(doc), stored->revision);
}

std::vector<FieldError> ValidateObjectMeta(const ResourceInfo& r, const Value& obj) {
  std::vector<FieldError> errs;
  std::string name = api::GetString(obj, {"metadata", "name"});
  if (name.empty()) {
    errs.push_back(FieldRequired("metadata.name", "name or generateName is required"));
  } else {
    for (const auto& m : r.strategy->ValidateName(name)) {
      errs.push_back(FieldInvalid("metadata.name", name, m));
    }
  }
  if (const Value* labels = api::FindPath(obj, {"metadata", "labels"})) {
    if (!labels->IsObject()) {
      errs.push_back(FieldInvalid("metadata.labels", *labels, "must be a map of strings"));
    } else {
      auto le = api::ValidateLabels(*labels, "metadata.labels");
      errs.insert(errs.end(), le.begin(), le.end());
    }
  }
  if (const Value* ann = api::FindPath(obj, {"metadata", "annotations"})) {
    if (!ann->IsObject()) {
      errs.push_back(FieldInvalid("metadata.annotations", *ann, "must be a map of strings"));
    } else {
      size_t total = 0;
      for (auto it = ann->MemberBegin(); it != ann->MemberEnd(); ++it) {
        std::string key(it->name.GetString(), it->name.GetStringLength());
        for (const auto& m : api::ValidateLabelKey(key)) {
          errs.push_back(FieldInvalid("metadata.annotations", key, m));
        }
        if (!it->value.IsString()) {
          errs.push_back(
              FieldInvalid("metadata.annotations." + key, it->value, "must be a string"));
        } else {
          total += key.size() + it->value.GetStringLength();
        }
      }
      if (total > kMaxAnnotationBytes) {
        errs.push_back(FieldTooLong("metadata.annotations", kMaxAnnotationBytes));
      }
    }
  }
  if (const Value* fin = api::FindPath(obj, {"metadata", "finalizers"})) {
    if (!fin->IsArray()) {
      errs.push_back(FieldInvalid("metadata.finalizers", *fin, "must be a list of strings"));
    }
  }
  return errs;
}

ObjectService::ObjectService(storage::Store& store, WatchCache& cache, const Registry& registry,
                             const Clock& clock)
    : store_(store), cache_(cache), registry_(registry), clock_(clock) {}

Result<CachedPtr> ObjectService::Get(const ResourceInfo& r, const std::string& ns,
                                     const std::string& name) {
  cache_.WaitFresh();
  CachedPtr obj = ViewAs(r, cache_.Get(r.Key(ns, name)));
  if (!obj) return NotFoundError(r, name);
  return obj;
}

Result<ListChunk> ObjectService::ListAt(const std::string& prefix, storage::Revision revision,
                                        const std::string& start_after, size_t limit) {
  storage::ListOptions opts;
  opts.revision = revision;
  opts.start_after = start_after;
  opts.limit = static_cast<int64_t>(limit);
  TK_ASSIGN_OR_RETURN(storage::ListResult list, store_.List(prefix, opts));
  ListChunk out;
  out.more = list.more;
  out.remaining = list.remaining;
  out.items.reserve(list.items.size());
  if (!list.items.empty()) out.last_key = list.items.back().key;
  for (auto& kv : list.items) {
    auto obj = MakeCachedObject(kv.key, kv.value, kv.mod_revision);
    if (obj.ok()) out.items.push_back(std::move(obj).value());
  }
  return out;
}

Status ObjectService::CheckNamespaceForCreate(const ResourceInfo& r, const std::string& ns) {
  if (!r.namespaced) return Status::OK();
  const ResourceInfo* namespaces = registry_.FindByGroupResource("", "namespaces");
  if (!namespaces) return Status::OK();
  CachedPtr nsobj = cache_.Get(namespaces->Key("", ns));
  if (!nsobj) return NotFoundError(*namespaces, ns);
  if (api::HasDeletionTimestamp(*nsobj->Doc())) {
    Status s(StatusCode::kForbidden, "");
    return s;  // filled in by the caller, which knows the object name
  }
  return Status::OK();
}

Result<CachedPtr> ObjectService::Create(const ResourceInfo& r, const std::string& ns, Document obj,
                                        const WriteOptions& options) {
  TK_RETURN_IF_ERROR(CheckTypeMeta(r, obj));
  auto& a = obj.GetAllocator();
  Value& meta = api::EnsureObject(obj, {"metadata"}, a);
  std::string name = api::GetString(meta, {"name"});
  std::string generate_name = api::GetString(meta, {"generateName"});
  if (r.namespaced) {
    std::string body_ns = api::GetString(meta, {"namespace"});
    if (!body_ns.empty() && body_ns != ns) {
      return Status::BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    api::SetString(meta, "namespace", ns, a);
  } else {
    api::RemoveMember(meta, "namespace");
  }
  for (const char* f : {"resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
                        "selfLink", "generation", "uid", "creationTimestamp"}) {
    api::RemoveMember(meta, f);
  }
  if (name.empty() && !generate_name.empty()) {
    for (const auto& m : api::ValidateObjectName(generate_name, true)) {
      return InvalidError(r, generate_name,
                          {FieldInvalid("metadata.generateName", generate_name, m)});
    }
  }
  api::SetString(meta, "uid", api::NewUid(), a);
  api::SetString(meta, "creationTimestamp", FormatRfc3339(clock_.Now()), a);

  StrategyContext ctx{clock_, this};
  const Strategy& strategy = *r.strategy;
  strategy.Default(obj);
  strategy.PrepareForCreate(obj, ctx);
  for (int attempt = 0;; ++attempt) {
    std::string final_name =
        name.empty() && !generate_name.empty() ? api::GenerateName(generate_name) : name;
    api::SetString(api::EnsureObject(obj, {"metadata"}, a), "name", final_name, a);
    if (attempt == 0) {
      Status ns_status = CheckNamespaceForCreate(r, ns);
      if (ns_status.code() == StatusCode::kForbidden) {
        Status s = ForbiddenError(
            r, final_name,
            "unable to create new content in namespace " + ns + " because it is being terminated");
        s.WithFieldErrors({{"NamespaceTerminating", "metadata.namespace",
                            "namespace " + ns + " is being terminated"}});
        return s;
      }
      TK_RETURN_IF_ERROR(ns_status);
      TK_RETURN_IF_ERROR(strategy.AdmitCreate(obj, ctx));
      if (options.admit) TK_RETURN_IF_ERROR(options.admit(obj));
      std::vector<FieldError> errs = ValidateObjectMeta(r, obj);
      auto more = strategy.Validate(obj);
      errs.insert(errs.end(), more.begin(), more.end());
      if (!errs.empty())
        return InvalidError(r, final_name.empty() ? generate_name : final_name, errs);
      if (!options.managed_fields_done) TrackUpdate(r, nullptr, obj, "", options, clock_);
    }
    std::string key = r.Key(ns, final_name);
    OmitEmptyMetadata(obj);
    if (options.dry_run) return MakeCachedObject(key, std::move(obj), store_.CurrentRevision());
    auto kv = store_.Create(key, StoredJson(r, obj));
    if (kv.ok()) {
      cache_.WaitForRevision(kv->mod_revision, std::chrono::seconds(5));
      return MakeCachedObject(key, std::move(obj), kv->mod_revision);
    }
    if (kv.status().IsAlreadyExists()) {
      if (name.empty() && attempt < 8) continue;  // generated name collided: pick another
      return AlreadyExistsError(r, final_name);
    }
    return kv.status();
  }
}

Result<CachedPtr> ObjectService::Update(const ResourceInfo& r, const std::string& ns,
                                        const std::string& name, const std::string& subresource,
                                        Document obj, const WriteOptions& options, bool* created) {
  if (created) *created = false;
  cache_.WaitFresh();
  CachedPtr old = ViewAs(r, cache_.Get(r.Key(ns, name)));
  TK_RETURN_IF_ERROR(CheckTypeMeta(r, obj));
  auto& a = obj.GetAllocator();
  Value& meta = api::EnsureObject(obj, {"metadata"}, a);
  std::string body_name = api::GetString(meta, {"name"});
  if (!body_name.empty() && body_name != name) {
    return Status::BadRequest("the name of the object (" + body_name +
                              ") does not match the name on the URL (" + name + ")");
  }
  if (r.namespaced) {
    std::string body_ns = api::GetString(meta, {"namespace"});
    if (!body_ns.empty() && body_ns != ns) {
      return Status::BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
  }
  if (!old) {
    if (subresource.empty() && r.strategy->AllowCreateOnUpdate()) {
      api::SetString(meta, "name", name, a);
      if (created) *created = true;
      return Create(r, ns, std::move(obj), options);
    }
    return NotFoundError(r, name);
  }
  std::string rv = api::GetString(meta, {"resourceVersion"});
  if (!rv.empty()) {
    if (rv != std::to_string(old->revision)) return ModifiedConflictError(r, name);
  } else if (!r.strategy->AllowUnconditionalUpdate()) {
    return InvalidError(
        r, name, {FieldInvalid("metadata.resourceVersion", "", "must be specified for an update")});
  }
  return UpdateFrom(r, old, subresource, std::move(obj), options, true);
}

Result<CachedPtr> ObjectService::Mutate(const ResourceInfo& r, const std::string& ns,
                                        const std::string& name, const std::string& subresource,
                                        const Mutation& mutation, const WriteOptions& options) {
  for (int attempt = 0;; ++attempt) {
    TK_ASSIGN_OR_RETURN(CachedPtr old, Get(r, ns, name));
    Document doc = Copy(*old->Doc());
    TK_RETURN_IF_ERROR(mutation(doc));
    if (!doc.IsObject()) return Status::BadRequest("the patched object is not a JSON object");
    std::string rv = api::GetString(doc, {"metadata", "resourceVersion"});
    if (!rv.empty() && rv != std::to_string(old->revision)) return ModifiedConflictError(r, name);
    std::string new_name = api::GetString(doc, {"metadata", "name"});
    if (new_name != name) {
      return Status::BadRequest("metadata.name: Invalid value: \"" + new_name +
                                "\": field is immutable");
    }
    auto result = UpdateFrom(r, old, subresource, std::move(doc), options, false);
    if (result.ok() || !result.status().IsConflict() || attempt >= kMaxConflictRetries)
      return result;
  }
}

Result<CachedPtr> ObjectService::UpdateFrom(const ResourceInfo& r, const CachedPtr& old,
                                            const std::string& subresource, Document obj,
                                            const WriteOptions& options,
                                            bool /*client_precondition*/) {
  auto old_doc = old->Doc();
  const Value& o = *old_doc;
  TK_RETURN_IF_ERROR(CheckTypeMeta(r, obj));
  auto& a = obj.GetAllocator();
  const Strategy& strategy = *r.strategy;
  std::string name = api::Name(o);
  Value& meta = api::EnsureObject(obj, {"metadata"}, a);
  const Value& old_meta = *api::FindMember(o, "metadata");
  for (const char* f : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                        "deletionGracePeriodSeconds", "generation"}) {
    CopyMetaField(meta, old_meta, f, a);
  }
  if (api::HasDeletionTimestamp(o)) {
    auto old_fin = api::Finalizers(o);
    for (const auto& f : api::Finalizers(obj)) {
      if (std::find(old_fin.begin(), old_fin.end(), f) == old_fin.end()) {
        return InvalidError(r, name,
                            {FieldForbidden("metadata.finalizers",
                                            "no new finalizers can be added if the object is being "
                                            "deleted, found new finalizers []string{\"" +
                                                f + "\"}")});
      }
    }
  }
  StrategyContext ctx{clock_, this};
  std::vector<FieldError> errs;
  if (subresource == "status") {
    // A status apply computed the managedFields already; the status strategy would reset them.
    Value applied_fields;
    if (Value* mf = api::FindPathMutable(obj, {"metadata", "managedFields"});
        mf && options.managed_fields_done) {
      applied_fields = std::move(*mf);
    }
    strategy.PrepareForStatusUpdate(obj, o);
    if (!applied_fields.IsNull()) {
      api::SetValue(api::EnsureObject(obj, {"metadata"}, a), "managedFields", applied_fields, a);
    }
  } else if (subresource == "binding") {
    // Internal write by the binding subresource: it edits spec.nodeName and status itself.
  } else if (subresource == "finalize") {
    // Only spec.finalizers may change through /finalize (namespaces).
    Value fin;
    if (Value* f = api::FindPathMutable(obj, {"spec", "finalizers"})) fin = std::move(*f);
    obj.CopyFrom(o, a);
    Value& spec = api::EnsureObject(obj, {"spec"}, a);
    api::RemoveMember(spec, "finalizers");
    if (fin.IsArray() && !fin.Empty()) api::SetValue(spec, "finalizers", fin, a);
  } else {
    strategy.Default(obj);
    strategy.PrepareForUpdate(obj, o);
    if (strategy.TracksGeneration()) {
      int64_t gen = api::Generation(o);
      if (gen == 0) gen = 1;
      if (!SameOutsideMetaAndStatus(obj, o)) ++gen;
      api::SetInt(api::EnsureObject(obj, {"metadata"}, a), "generation", gen, a);
    }
    TK_RETURN_IF_ERROR(strategy.AdmitUpdate(obj, o, ctx));
    if (options.admit) TK_RETURN_IF_ERROR(options.admit(obj));
    errs = ValidateObjectMeta(r, obj);
    auto more = strategy.ValidateUpdate(obj, o);
    errs.insert(errs.end(), more.begin(), more.end());
  }
  if (!errs.empty()) return InvalidError(r, name, errs);
  if (!options.managed_fields_done && (subresource.empty() || subresource == "status")) {
    TrackUpdate(r, &o, obj, subresource, options, clock_);
  }
  return Commit(r, old, std::move(obj), options);
}

namespace {
// A write guarded by the object's revision failed: a moved revision or a vanished key is the
// client's 409/404, anything else is the store's own error.
Status WriteOfExistingFailed(const ResourceInfo& r, const std::string& name, const Status& s) {
  if (s.IsConflict()) return ModifiedConflictError(r, name);
  if (s.IsNotFound()) return NotFoundError(r, name);
  return s;
}
}  // namespace

Result<CachedPtr> ObjectService::Commit(const ResourceInfo& r, const CachedPtr& old, Document obj,
                                        const WriteOptions& options) {
  auto& a = obj.GetAllocator();
  api::RemoveMember(api::EnsureObject(obj, {"metadata"}, a), "resourceVersion");
  OmitEmptyMetadata(obj);
  const std::string& key = old->key;
  // A terminating object whose last finalizer is gone (and whose grace period is over) goes away.
  if (api::HasDeletionTimestamp(obj) && api::Finalizers(obj).empty() &&
      !r.strategy->HasKindFinalizers(obj) &&
      api::GetInt(obj, {"metadata", "deletionGracePeriodSeconds"}, 0) == 0) {
    if (options.dry_run) return MakeCachedObject(key, std::move(obj), old->revision);
    auto kv = store_.Delete(key, old->revision);
    if (!kv.ok()) return WriteOfExistingFailed(r, api::Name(obj), kv.status());
    cache_.WaitForRevision(kv->mod_revision, std::chrono::seconds(5));
    return MakeCachedObject(key, std::move(obj), kv->mod_revision);
  }
  Document old_copy = Copy(*old->Doc());
  api::RemoveMember(api::EnsureObject(old_copy, {"metadata"}, old_copy.GetAllocator()),
                    "resourceVersion");
  if (api::JsonEqual(old_copy, obj)) return old;  // no-op writes keep the resourceVersion
  if (options.dry_run) return MakeCachedObject(key, std::move(obj), old->revision);
  auto kv = store_.Update(key, StoredJson(r, obj), old->revision);
  if (!kv.ok()) return WriteOfExistingFailed(r, api::Name(obj), kv.status());
  cache_.WaitForRevision(kv->mod_revision, std::chrono::seconds(5));
  return MakeCachedObject(key, std::move(obj), kv->mod_revision);
}

Result<DeleteResult> ObjectService::Delete(const ResourceInfo& r, const std::string& ns,
                                           const std::string& name, const DeleteOptions& options) {
  const Strategy& strategy = *r.strategy;
  for (int attempt = 0;; ++attempt) {
    TK_ASSIGN_OR_RETURN(CachedPtr old, Get(r, ns, name));
    auto old_doc = old->Doc();
    const Value& o = *old_doc;
    if (options.precondition_uid && *options.precondition_uid != api::Uid(o)) {
      return ConflictError(r, name,
                           "Precondition failed: UID in precondition: " +
                               *options.precondition_uid + ", UID in object meta: " + api::Uid(o));
    }
    if (options.precondition_resource_version &&
        *options.precondition_resource_version != std::to_string(old->revision)) {
      return ConflictError(
          r, name,
          "Precondition failed: ResourceVersion in precondition: " +
              *options.precondition_resource_version +
              ", ResourceVersion in object meta: " + std::to_string(old->revision));
    }
    TK_RETURN_IF_ERROR(strategy.ValidateDelete(o));
    Document doc = Copy(o);
    auto& a = doc.GetAllocator();
    Value& meta = api::EnsureObject(doc, {"metadata"}, a);
    StrategyContext ctx{clock_, this};

    // Propagation policies other than Background are recorded as finalizers for the GC.
    auto add_finalizer = [&](const char* f) {
      auto fins = api::Finalizers(doc);
      if (std::find(fins.begin(), fins.end(), f) != fins.end()) return;
      Value* list = api::FindMemberMutable(meta, "finalizers");
      if (!list || !list->IsArray()) {
        Value arr(rapidjson::kArrayType);
        api::SetValue(meta, "finalizers", arr, a);
        list = api::FindMemberMutable(meta, "finalizers");
      }
      list->PushBack(api::MakeString(f, a), a);
    };
    if (options.propagation_policy == "Foreground") add_finalizer("foregroundDeletion");
    if (options.propagation_policy == "Orphan") add_finalizer("orphan");

    std::optional<int64_t> grace = strategy.GracePeriod(o, options.grace_period_seconds);
    bool terminating = api::HasDeletionTimestamp(o);
    Result<CachedPtr> written = Status::OK();
    bool keep = false;
    if (grace && *grace > 0) {
      int64_t current = api::GetInt(o, {"metadata", "deletionGracePeriodSeconds"}, -1);
      if (terminating && current >= 0 && *grace >= current) return DeleteResult{old, false};
      api::SetString(meta, "deletionTimestamp",
                     FormatRfc3339(clock_.Now() + std::chrono::seconds(*grace)), a);
      api::SetInt(meta, "deletionGracePeriodSeconds", *grace, a);
      keep = true;
    } else {
      bool kind_keeps = strategy.KeepOnDelete(doc, ctx);
      Value& m = api::EnsureObject(doc, {"metadata"}, a);
      if (kind_keeps || !api::Finalizers(doc).empty() || strategy.HasKindFinalizers(doc)) {
        if (!terminating) api::SetString(m, "deletionTimestamp", FormatRfc3339(clock_.Now()), a);
        api::SetInt(m, "deletionGracePeriodSeconds", 0, a);
        keep = true;
        if (terminating && api::JsonEqual(doc, o)) return DeleteResult{old, false};
      }
    }
    if (keep) {
      written = Commit(r, old, std::move(doc), WriteOptions{options.dry_run, ""});
      if (!written.ok()) {
        if (written.status().IsConflict() && attempt < kMaxConflictRetries) continue;
        return written.status();
      }
      bool gone = !cache_.Get(old->key);
      return DeleteResult{written.value(), gone && !options.dry_run};
    }
    if (options.dry_run) return DeleteResult{old, true};
    auto kv = store_.Delete(old->key, old->revision);
    if (!kv.ok()) {
      if (kv.status().IsConflict() && attempt < kMaxConflictRetries) continue;
      if (kv.status().IsNotFound()) return NotFoundError(r, name);
      return kv.status();
    }
    cache_.WaitForRevision(kv->mod_revision, std::chrono::seconds(5));
    Document last = Copy(o);
    return DeleteResult{MakeCachedObject(old->key, std::move(last), kv->mod_revision), true};
  }
}

std::shared_ptr<const Document> ObjectService::Find(const ResourceInfo& resource,
                                                    const std::string& ns,
                                                    const std::string& name) {
  CachedPtr obj = ViewAs(resource, cache_.Get(resource.Key(ns, name)));
  return obj ? obj->Doc() : nullptr;
}

std::shared_ptr<const Document> ObjectService::FindCurrent(const ResourceInfo& resource,
                                                           const std::string& ns,
                                                           const std::string& name) {
  cache_.WaitFresh();
  return Find(resource, ns, name);
}

std::vector<std::shared_ptr<const Document>> ObjectService::FindAll(const ResourceInfo& resource,
                                                                    const std::string& ns) {
  std::vector<std::shared_ptr<const Document>> out;
  for (auto& obj : cache_.List(resource.NamespacePrefix(ns), nullptr)) {
    out.push_back(ViewAs(resource, obj)->Doc());
  }
  return out;
}

const ResourceInfo* ObjectService::Resource(const std::string& group, const std::string& plural) {
  return registry_.FindByGroupResource(group, plural);
}

}  // namespace tinyk8s::apiserver
