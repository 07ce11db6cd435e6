// Namespace strategy (cf. upstream pkg/registry/core/namespace): finalizer `kubernetes`,
// phase Active/Terminating, protected system namespaces (NS-1 … NS-3).
#include "api/json.h"
#include "api/meta.h"
#include "api/names.h"
#include "apiserver/api_errors.h"
#include "apiserver/strategies/strategies.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

namespace {

class NamespaceStrategy final : public Strategy {
 public:
  bool HasStatus() const override { return true; }

  void Default(Document& obj) const override {
    auto& a = obj.GetAllocator();
    std::string name = api::Name(obj);
    if (!name.empty()) {
      api::SetString(api::EnsureObject(obj, {"metadata", "labels"}, a),
                     "kubernetes.io/metadata.name", name, a);
    }
  }

  void PrepareForCreate(Document& obj, StrategyContext& ctx) const override {
    Strategy::PrepareForCreate(obj, ctx);
    auto& a = obj.GetAllocator();
    Value& spec = api::EnsureObject(obj, {"spec"}, a);
    Value fin(rapidjson::kArrayType);
    fin.PushBack("kubernetes", a);
    api::SetValue(spec, "finalizers", fin, a);
    api::SetString(api::EnsureObject(obj, {"status"}, a), "phase", "Active", a);
  }

  void PrepareForUpdate(Document& obj, const Value& old) const override {
    Strategy::PrepareForUpdate(obj, old);
    // spec.finalizers only changes through /finalize.
    auto& a = obj.GetAllocator();
    Value& spec = api::EnsureObject(obj, {"spec"}, a);
    api::RemoveMember(spec, "finalizers");
    if (const Value* f = api::FindPath(old, {"spec", "finalizers"})) {
      Value copy(*f, a);
      api::SetValue(spec, "finalizers", copy, a);
    }
  }

  std::vector<std::string> ValidateName(std::string_view name) const override {
    return api::IsDns1123Label(name);
  }

  Status ValidateDelete(const Value& obj) const override {
    std::string name = api::Name(obj);
    if (name == "default" || name == "kube-system" || name == "kube-public" ||
        name == "kube-node-lease") {
      return Status(StatusCode::kForbidden,
                    "namespace \"" + name + "\" is forbidden: this namespace may not be deleted")
          .WithDetails({name, "", "namespaces"});
    }
    return Status::OK();
  }

  bool KeepOnDelete(Document& obj, StrategyContext&) const override {
    auto& a = obj.GetAllocator();
    api::SetString(api::EnsureObject(obj, {"status"}, a), "phase", "Terminating", a);
    return HasKindFinalizers(obj);
  }

  bool HasKindFinalizers(const Value& obj) const override {
    const Value* f = api::FindPath(obj, {"spec", "finalizers"});
    return f && f->IsArray() && !f->Empty();
  }

  std::vector<TableColumn> Columns() const override {
    return {{"Name", "string", "name", "Name must be unique within a namespace.", 0},
            {"Status", "string", "", "The status of the namespace", 0},
            {"Age", "string", "", "The time since the object was created.", 0}};
  }

  void Cells(const Value& obj, Clock::TimePoint now, Value& cells,
             Document::AllocatorType& a) const override {
    cells.PushBack(api::MakeString(api::Name(obj), a), a);
    cells.PushBack(api::MakeString(api::GetString(obj, {"status", "phase"}), a), a);
    cells.PushBack(api::MakeString(AgeCell(obj, now), a), a);
  }

  std::optional<std::string> FieldValue(const Value& obj, std::string_view field) const override {
    if (field == "status.phase") return api::GetString(obj, {"status", "phase"});
    return Strategy::FieldValue(obj, field);
  }
};

}  // namespace

std::unique_ptr<Strategy> NewNamespaceStrategy() { return std::make_unique<NamespaceStrategy>(); }

}  // namespace tinyk8s::apiserver
