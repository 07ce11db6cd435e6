#pragma once
// ObjectService: the generic registry store (cf. upstream genericregistry.Store). Create, update,
// read-modify-write, and delete of any registered resource, with metadata management,
// defaulting, admission, validation, generation, graceful deletion and finalizers, all driven by
// the resource's Strategy. HTTP handlers and bootstrap both go through it.
//
// Thread-safe.

#include <rapidjson/document.h>

#include <functional>
#include <optional>
#include <string>

#include "apiserver/object_lookup.h"
#include "apiserver/registry.h"
#include "apiserver/watch_cache.h"
#include "common/clock.h"
#include "storage/store.h"

namespace tinyk8s::apiserver {

struct WriteOptions {
  bool dry_run = false;
  // The manager recorded in metadata.managedFields; empty for internal writes (not tracked).
  std::string field_manager;
  // field_manager came from the User-Agent (no ?fieldManager=): such writes are tracked only on
  // objects that already have managedFields (see TrackUpdate).
  bool manager_from_user_agent = false;
  // Set by Apply, whose result already carries its managedFields.
  bool managed_fields_done = false;
  // Request-scoped admission that needs the requester (RBAC escalation prevention): run on the
  // final object of a create or update, after the strategy's admission. Null: none.
  std::function<Status(const rapidjson::Value& obj)> admit;
};

struct ApplyResult {
  CachedPtr object;
  bool created = false;
};

struct DeleteOptions {
  std::optional<int64_t> grace_period_seconds;
  std::string propagation_policy;  // "", Background, Foreground, Orphan
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  bool dry_run = false;
};

// ListChunk is one read of a list: items in key order, whether keys remain after the last one,
// and how many (approximate when read from storage).
struct ListChunk {
  std::vector<CachedPtr> items;
  bool more = false;
  int64_t remaining = 0;
  std::string last_key;  // the last key read (items may skip unreadable values)
};

struct DeleteResult {
  CachedPtr object;      // the final state (deleted, or updated with deletionTimestamp)
  bool deleted = false;  // false: still present (graceful deletion or finalizers)
};

// Mutation edits a copy of the current object; a non-OK status aborts the write.
using Mutation = std::function<Status(rapidjson::Document& obj)>;

class ObjectService final : public ObjectLookup {
 public:
  ObjectService(storage::Store& store, WatchCache& cache, const Registry& registry,
                const Clock& clock);

  // Get reads the current object (waiting for the cache to be fresh).
  Result<CachedPtr> Get(const ResourceInfo& r, const std::string& ns, const std::string& name);

  // ListAt reads at most `limit` objects (0 = all) under prefix after `start_after` from
  // storage as of `revision` (older snapshots than the cache holds: continue pages and Exact
  // lists), so a page costs O(limit). kGone if compacted.
  Result<ListChunk> ListAt(const std::string& prefix, storage::Revision revision,
                           const std::string& start_after, size_t limit);

  Result<CachedPtr> Create(const ResourceInfo& r, const std::string& ns, rapidjson::Document obj,
                           const WriteOptions& options);

  // Update replaces the object (PUT) of the main resource or a subresource ("status",
  // "finalize"). *created is set when AllowCreateOnUpdate created it.
  Result<CachedPtr> Update(const ResourceInfo& r, const std::string& ns, const std::string& name,
                           const std::string& subresource, rapidjson::Document obj,
                           const WriteOptions& options, bool* created);

  // Mutate applies `mutation` to the current object and writes it through the same update
  // pipeline, retrying on write conflicts (patch, binding and internal writes).
  Result<CachedPtr> Mutate(const ResourceInfo& r, const std::string& ns, const std::string& name,
                           const std::string& subresource, const Mutation& mutation,
                           const WriteOptions& options);

  // Apply is server-side apply of `config` (a validated object) by options.field_manager to
  // the main resource or a subresource, creating the object when absent (main resource only).
  // Errors: kConflict listing field manager conflicts unless `force`, and those of Create and
  // Update. Defined in object_service_apply.cc.
  Result<ApplyResult> Apply(const ResourceInfo& r, const std::string& ns, const std::string& name,
                            const std::string& subresource, const rapidjson::Value& config,
                            bool force, const WriteOptions& options);

  Result<DeleteResult> Delete(const ResourceInfo& r, const std::string& ns, const std::string& name,
                              const DeleteOptions& options);

  // ObjectLookup
  std::shared_ptr<const rapidjson::Document> Find(const ResourceInfo& resource,
                                                  const std::string& ns,
                                                  const std::string& name) override;
  std::shared_ptr<const rapidjson::Document> FindCurrent(const ResourceInfo& resource,
                                                         const std::string& ns,
                                                         const std::string& name) override;
  std::vector<std::shared_ptr<const rapidjson::Document>> FindAll(const ResourceInfo& resource,
                                                                  const std::string& ns) override;
  const ResourceInfo* Resource(const std::string& group, const std::string& plural) override;

  WatchCache& cache() { return cache_; }
  const Registry& registry() const { return registry_; }
  const Clock& clock() const { return clock_; }

 private:
  // UpdateFrom runs the update pipeline for `obj` replacing `old`.
  Result<CachedPtr> UpdateFrom(const ResourceInfo& r, const CachedPtr& old,
                               const std::string& subresource, rapidjson::Document obj,
                               const WriteOptions& options, bool client_precondition);
  Status CheckNamespaceForCreate(const ResourceInfo& r, const std::string& ns);
  Result<CachedPtr> Commit(const ResourceInfo& r, const CachedPtr& old, rapidjson::Document obj,
                           const WriteOptions& options);

  storage::Store& store_;
  WatchCache& cache_;
  const Registry& registry_;
  const Clock& clock_;
};

// ViewAs returns a stored object as resource `r` serves it: itself, or converted when `r` is a
// view of another resource's store (ResourceInfo::converter). Null stays null.
CachedPtr ViewAs(const ResourceInfo& r, const CachedPtr& stored);

// ValidateObjectMeta checks metadata common to all kinds (name, namespace, labels, annotations).
std::vector<FieldError> ValidateObjectMeta(const ResourceInfo& r, const rapidjson::Value& obj);

}  // namespace tinyk8s::apiserver
