// PriorityClass strategy (PRIO-1, PRIO-2): value limits, reserved system- names, one default.
#include "api/json.h"
#include "api/meta.h"
#include "apiserver/api_errors.h"
#include "apiserver/field_errors.h"
#include "apiserver/object_lookup.h"
#include "apiserver/strategies/strategies.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

namespace {

constexpr int64_t kHighestUserDefinable = 1000000000;

bool IsBuiltin(const std::string& name, int64_t value) {
  return (name == "system-node-critical" && value == 2000001000) ||
         (name == "system-cluster-critical" && value == 2000000000);
}

class PriorityClassStrategy final : public Strategy {
 public:
  void Default(Document& obj) const override {
    auto& a = obj.GetAllocator();
    if (api::GetString(obj, {"preemptionPolicy"}).empty()) {
      api::SetString(obj, "preemptionPolicy", "PreemptLowerPriority", a);
    }
  }

  Status AdmitCreate(Document& obj, StrategyContext& ctx) const override {
    const ResourceInfo* pcs =
        ctx.lookup ? ctx.lookup->Resource("scheduling.k8s.io", "priorityclasses") : nullptr;
    if (!pcs) return Status::OK();
    std::string name = api::Name(obj);
    int64_t value = api::GetInt(obj, {"value"});
    if (value > kHighestUserDefinable && !IsBuiltin(name, value)) {
      return ForbiddenError(*pcs, name,
                            "maximum allowed value of a user defined priority is 1000000000");
    }
    return CheckSingleDefault(*pcs, obj, ctx);
  }

  Status AdmitUpdate(Document& obj, const Value&, StrategyContext& ctx) const override {
    const ResourceInfo* pcs =
        ctx.lookup ? ctx.lookup->Resource("scheduling.k8s.io", "priorityclasses") : nullptr;
    return pcs ? CheckSingleDefault(*pcs, obj, ctx) : Status::OK();
  }

  std::vector<FieldError> Validate(const Value& obj) const override {
    std::vector<FieldError> errs;
    std::string name = api::Name(obj);
    const Value* value = api::FindMember(obj, "value");
    if (!value) {
      errs.push_back(FieldRequired("value"));
    } else if (!value->IsInt()) {
      errs.push_back(FieldInvalid("value", *value, "must be a 32-bit integer"));
    }
    if (name.rfind("system-", 0) == 0 &&
        !(value && value->IsInt64() && IsBuiltin(name, value->GetInt64()))) {
      errs.push_back(FieldForbidden(
          "metadata.name",
          "priority class names with 'system-' prefix are reserved for system use only"));
    }
    std::string policy = api::GetString(obj, {"preemptionPolicy"});
    if (policy != "PreemptLowerPriority" && policy != "Never") {
      errs.push_back(
          FieldNotSupported("preemptionPolicy", policy, {"Never", "PreemptLowerPriority"}));
    }
    return errs;
  }

  std::vector<FieldError> ValidateUpdate(const Value& obj, const Value& old) const override {
    std::vector<FieldError> errs = Validate(obj);
    for (const char* f : {"value", "preemptionPolicy"}) {
      const Value* n = api::FindMember(obj, f);
      const Value* o = api::FindMember(old, f);
      if (n && o && !api::JsonEqual(*n, *o))
        errs.push_back(FieldForbidden(f, "may not be changed in an update."));
    }
    return errs;
  }

  std::vector<TableColumn> Columns() const override {
    return {
        {"Name", "string", "name", "Name must be unique within a namespace.", 0},
        {"Value", "integer", "", "value represents the integer value of this priority class.", 0},
        {"Global-Default", "boolean", "",
         "globalDefault specifies whether this PriorityClass should be considered as the default "
         "priority for pods that do not have any priority class.",
         0},
        {"Age", "string", "", "The time since the object was created.", 0},
        {"PreemptionPolicy", "string", "",
         "preemptionPolicy is the Policy for preempting pods with lower priority.", 0}};
  }

  void Cells(const Value& obj, Clock::TimePoint now, Value& cells,
             Document::AllocatorType& a) const override {
    cells.PushBack(api::MakeString(api::Name(obj), a), a);
    cells.PushBack(static_cast<int64_t>(api::GetInt(obj, {"value"})), a);
    cells.PushBack(api::GetBool(obj, {"globalDefault"}), a);
    cells.PushBack(api::MakeString(AgeCell(obj, now), a), a);
    cells.PushBack(
        api::MakeString(api::GetString(obj, {"preemptionPolicy"}, "PreemptLowerPriority"), a), a);
  }

 private:
  static Status CheckSingleDefault(const ResourceInfo& pcs, const Value& obj,
                                   StrategyContext& ctx) {
    if (!api::GetBool(obj, {"globalDefault"})) return Status::OK();
    std::string name = api::Name(obj);
    for (const auto& pc : ctx.lookup->FindAll(pcs, "")) {
      if (api::GetBool(*pc, {"globalDefault"}) && api::Name(*pc) != name) {
        return ForbiddenError(pcs, name,
                              "PriorityClass " + api::Name(*pc) +
                                  " is already marked as default. Only one default can exist");
      }
    }
    return Status::OK();
  }
};

}  // namespace

std::unique_ptr<Strategy> NewPriorityClassStrategy() {
  return std::make_unique<PriorityClassStrategy>();
}

}  // namespace tinyk8s::apiserver
