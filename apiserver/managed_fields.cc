#include "apiserver/managed_fields.h"

#include "api/json.h"

namespace tinyk8s::apiserver {

using api::ssa::FieldSet;

const api::schema::Type* SchemaOf(const ResourceInfo& r) {
  return api::schema::BuiltinSchemas().ForKind(r.group, r.version, r.kind);
}

const FieldSet& IgnoredFields(const ResourceInfo& r, const std::string& subresource) {
  static const FieldSet* const kBase = new FieldSet(api::ssa::StrippedFields());
  static const FieldSet* const kMain = [] {
    auto* s = new FieldSet(*kBase);
    s->Insert({"f:status"});
    return s;
  }();
  static const FieldSet* const kStatus = [] {
    auto* s = new FieldSet(*kBase);
    s->Insert({"f:spec"});
    return s;
  }();
  if (!r.strategy || !r.strategy->HasStatus()) return *kBase;
  return subresource == "status" ? *kStatus : *kMain;
}

api::ssa::Operation OperationFor(const ResourceInfo& r, const std::string& subresource,
                                 const WriteOptions& options, const Clock& clock) {
  return {options.field_manager, r.ApiVersion(), subresource, FormatRfc3339(clock.Now())};
}

void TrackUpdate(const ResourceInfo& r, const rapidjson::Value* live, rapidjson::Document& obj,
                 const std::string& subresource, const WriteOptions& options, const Clock& clock) {
  // Writes that name no fieldManager (controllers, the node agent) start tracking only once
  // someone has: their creates and the updates of objects nobody manages would otherwise add
  // about 1 KB of managedFields to every pod and cost a quarter of the create throughput
  // (upstream's skipNonAppliedManager, with tracking on create off for them).
  bool untracked = options.field_manager.empty() ||
                   (options.manager_from_user_agent &&
                    (!live || !api::FindPath(*live, {"metadata", "managedFields"})));
  if (untracked) {
    // Internal writes keep the live entries (a body without managedFields must not drop them).
    if (live && !api::FindPath(obj, {"metadata", "managedFields"})) {
      if (const auto* mf = api::FindPath(*live, {"metadata", "managedFields"})) {
        rapidjson::Value copy(*mf, obj.GetAllocator());
        api::SetValue(api::EnsureObject(obj, {"metadata"}, obj.GetAllocator()), "managedFields",
                      copy, obj.GetAllocator());
      }
    }
    return;
  }
  api::ssa::RecordUpdate(SchemaOf(r), live, obj, OperationFor(r, subresource, options, clock),
                         IgnoredFields(r, subresource));
}

}  // namespace tinyk8s::apiserver
