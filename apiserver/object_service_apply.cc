// ObjectService::Apply: server-side apply through the generic store (upstream's applyPatcher
// over the field manager). The object is computed by api::ssa::Apply from the live object and
// then written through the ordinary create / update pipelines (defaulting, admission,
// validation), which keep the managedFields Apply produced.
#include "api/json.h"
#include "api/ssa/field_manager.h"
#include "apiserver/api_errors.h"
#include "apiserver/managed_fields.h"
#include "apiserver/object_service.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

namespace {
constexpr int kMaxApplyAttempts = 8;

// What an absent object looks like to apply: nothing but its identity.
Document EmptyObject(const ResourceInfo& r, const std::string& ns, const std::string& name) {
  Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  d.AddMember("apiVersion", api::MakeString(r.ApiVersion(), a), a);
  d.AddMember("kind", api::MakeString(r.kind, a), a);
  Value meta(rapidjson::kObjectType);
  meta.AddMember("name", api::MakeString(name, a), a);
  if (r.namespaced) meta.AddMember("namespace", api::MakeString(ns, a), a);
  d.AddMember("metadata", meta, a);
  return d;
}
}  // namespace

Result<ApplyResult> ObjectService::Apply(const ResourceInfo& r, const std::string& ns,
                                         const std::string& name, const std::string& subresource,
                                         const Value& config, bool force,
                                         const WriteOptions& options) {
  const api::schema::Type* type = SchemaOf(r);
  const api::ssa::FieldSet& ignored = IgnoredFields(r, subresource);
  api::ssa::Operation op = OperationFor(r, subresource, options, clock_);
  WriteOptions write = options;
  write.managed_fields_done = true;
  for (int attempt = 0;; ++attempt) {
    cache_.WaitFresh();
    if (!cache_.Get(r.Key(ns, name))) {
      if (!subresource.empty()) return NotFoundError(r, name);
      TK_ASSIGN_OR_RETURN(Document obj, api::ssa::Apply(type, EmptyObject(r, ns, name), config, op,
                                                        force, ignored));
      auto created = Create(r, ns, std::move(obj), write);
      // Someone else created it in the meantime: apply to theirs.
      if (!created.ok() && created.status().IsAlreadyExists() && attempt < kMaxApplyAttempts) {
        continue;
      }
      if (!created.ok()) return created.status();
      return ApplyResult{std::move(created).value(), true};
    }
    Mutation apply = [&](Document& doc) -> Status {
      TK_ASSIGN_OR_RETURN(Document out, api::ssa::Apply(type, doc, config, op, force, ignored));
      doc.Swap(out);
      return Status::OK();
    };
    auto updated = Mutate(r, ns, name, subresource, apply, write);
    // Deleted in the meantime: create it.
    if (!updated.ok() && updated.status().IsNotFound() && subresource.empty() &&
        attempt < kMaxApplyAttempts) {
      continue;
    }
    if (!updated.ok()) return updated.status();
    return ApplyResult{std::move(updated).value(), false};
  }
}

}  // namespace tinyk8s::apiserver
