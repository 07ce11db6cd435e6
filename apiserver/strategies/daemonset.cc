// DaemonSet strategy (cf. upstream pkg/apis/apps/v1/defaults.go, pkg/registry/apps/daemonset/
// strategy.go and ValidateDaemonSet): behaviour rules API-1 … API-9 of the behaviour spec.
#include "api/json.h"
#include "api/labels.h"
#include "api/meta.h"
#include "apiserver/field_errors.h"
#include "apiserver/strategies/pod_spec.h"
#include "apiserver/strategies/strategies.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

namespace {

constexpr const char* kTemplateGenerationAnnotation = "deprecated.daemonset.template.generation";

// IntOrPercent reads an int-or-string field: *percent is set for "N%" values.
bool ParseIntOrPercent(const Value& v, int64_t* value, bool* percent) {
  if (v.IsInt64()) {
    *value = v.GetInt64();
    *percent = false;
    return true;
  }
  if (!v.IsString()) return false;
  std::string s = v.GetString();
  if (s.empty() || s.back() != '%') {
    // Upstream accepts plain integers only as JSON numbers.
    return false;
  }
  s.pop_back();
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  *value = std::stoll(s.substr(0, 18));
  *percent = true;
  return true;
}

void ValidateIntOrPercent(const Value* v, const std::string& path, std::vector<FieldError>& errs,
                          bool* non_zero) {
  *non_zero = false;
  if (!v) return;
  int64_t value = 0;
  bool percent = false;
  if (!ParseIntOrPercent(*v, &value, &percent)) {
    errs.push_back(
        FieldInvalid(path, *v,
                     "a valid percent string must be a numeric string followed by an ending '%' "
                     "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
    return;
  }
  if (value < 0) errs.push_back(FieldInvalid(path, *v, "must be greater than or equal to 0"));
  if (percent && value > 100)
    errs.push_back(FieldInvalid(path, *v, "must not be greater than 100%"));
  *non_zero = value != 0;
}

std::string SelectorString(const Value& ds) {
  const Value* sel = api::FindPath(ds, {"spec", "selector"});
  if (!sel) return "<none>";
  auto s = api::LabelSelector::FromJson(*sel);
  if (!s.ok()) return "<error>";
  std::string text = s->ToString();
  return text.empty() ? "<none>" : text;
}

class DaemonSetStrategy final : public Strategy {
 public:
  bool HasStatus() const override { return true; }
  bool TracksGeneration() const override { return true; }

  void Default(Document& obj) const override {
    auto& a = obj.GetAllocator();
    Value& spec = api::EnsureObject(obj, {"spec"}, a);
    Value& strategy = api::EnsureObject(spec, {"updateStrategy"}, a);
    if (api::GetString(strategy, {"type"}).empty())
      api::SetString(strategy, "type", "RollingUpdate", a);
    if (api::GetString(strategy, {"type"}) == "RollingUpdate") {
      Value& ru = api::EnsureObject(strategy, {"rollingUpdate"}, a);
      if (!api::FindMember(ru, "maxUnavailable")) api::SetInt(ru, "maxUnavailable", 1, a);
      if (!api::FindMember(ru, "maxSurge")) api::SetInt(ru, "maxSurge", 0, a);
    }
    if (!api::FindMember(spec, "revisionHistoryLimit"))
      api::SetInt(spec, "revisionHistoryLimit", 10, a);
    Value& tmpl = api::EnsureObject(spec, {"template"}, a);
    // Templates carry a creationTimestamp: null like upstream's serialisation.
    Value& tmeta = api::EnsureObject(tmpl, {"metadata"}, a);
    if (!api::FindMember(tmeta, "creationTimestamp")) {
      Value null_value;
      api::SetValue(tmeta, "creationTimestamp", null_value, a);
    }
    DefaultPodSpec(api::EnsureObject(tmpl, {"spec"}, a), a, /*is_pod=*/false);
  }

  void PrepareForCreate(Document& obj, StrategyContext& ctx) const override {
    Strategy::PrepareForCreate(obj, ctx);
    auto& a = obj.GetAllocator();
    Value& ann = api::EnsureObject(obj, {"metadata", "annotations"}, a);
    std::string given = api::GetString(ann, {kTemplateGenerationAnnotation});
    int64_t gen = 1;
    if (!given.empty()) {
      char* end = nullptr;
      long long v = std::strtoll(given.c_str(), &end, 10);
      if (*end == '\0' && v >= 1) gen = v;
    }
    api::SetString(ann, kTemplateGenerationAnnotation, std::to_string(gen), a);
    Value status(rapidjson::kObjectType);
    for (const char* f : {"currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled",
                          "numberReady"}) {
      status.AddMember(rapidjson::StringRef(f), 0, a);
    }
    api::SetValue(obj, "status", status, a);
  }

  void PrepareForUpdate(Document& obj, const Value& old) const override {
    Strategy::PrepareForUpdate(obj, old);
    auto& a = obj.GetAllocator();
    int64_t gen = 1;
    std::string old_gen =
        api::GetString(old, {"metadata", "annotations", kTemplateGenerationAnnotation});
    if (!old_gen.empty()) gen = std::strtoll(old_gen.c_str(), nullptr, 10);
    const Value* nt = api::FindPath(obj, {"spec", "template"});
    const Value* ot = api::FindPath(old, {"spec", "template"});
    if (nt && ot && !api::JsonEqual(*nt, *ot)) ++gen;
    Value& ann = api::EnsureObject(obj, {"metadata", "annotations"}, a);
    api::SetString(ann, kTemplateGenerationAnnotation, std::to_string(gen), a);
  }

  std::vector<FieldError> Validate(const Value& obj) const override {
    std::vector<FieldError> errs;
    const Value* spec = api::FindMember(obj, "spec");
    if (!spec || !spec->IsObject()) return {FieldRequired("spec")};
    const Value* selector = api::FindMember(*spec, "selector");
    if (!selector || selector->IsNull()) {
      errs.push_back(FieldRequired("spec.selector"));
    } else {
      auto sel = api::LabelSelector::FromJson(*selector);
      if (!sel.ok()) {
        errs.push_back(FieldInvalid("spec.selector", *selector, sel.status().message()));
      } else if (sel->Empty()) {
        errs.push_back(
            FieldInvalid("spec.selector", *selector, "empty selector is invalid for daemonset"));
      } else {
        const Value* labels = api::FindPath(*spec, {"template", "metadata", "labels"});
        if (!sel->Matches(labels)) {
          errs.push_back(FieldInvalid("spec.template.metadata.labels",
                                      labels ? *labels : Value(rapidjson::kObjectType).Move(),
                                      "`selector` does not match template `labels`"));
        }
      }
    }
    const Value* tspec = api::FindPath(*spec, {"template", "spec"});
    if (!tspec) {
      errs.push_back(FieldRequired("spec.template.spec"));
    } else {
      auto pe = ValidatePodSpec(*tspec, "spec.template.spec");
      errs.insert(errs.end(), pe.begin(), pe.end());
      std::string restart = api::GetString(*tspec, {"restartPolicy"});
      if (restart != "Always") {
        errs.push_back(FieldNotSupported("spec.template.spec.restartPolicy", restart, {"Always"}));
      }
      if (api::FindMember(*tspec, "activeDeadlineSeconds")) {
        errs.push_back(FieldForbidden("spec.template.spec.activeDeadlineSeconds",
                                      "activeDeadlineSeconds in DaemonSet is not Supported"));
      }
    }
    if (const Value* l = api::FindPath(*spec, {"template", "metadata", "labels"});
        l && l->IsObject()) {
      auto le = api::ValidateLabels(*l, "spec.template.metadata.labels");
      errs.insert(errs.end(), le.begin(), le.end());
    }
    for (const char* f : {"minReadySeconds", "revisionHistoryLimit"}) {
      if (const Value* v = api::FindMember(*spec, f); v && (!v->IsInt64() || v->GetInt64() < 0)) {
        errs.push_back(
            FieldInvalid(std::string("spec.") + f, *v, "must be greater than or equal to 0"));
      }
    }
    const Value* us = api::FindMember(*spec, "updateStrategy");
    std::string type = us ? api::GetString(*us, {"type"}) : "";
    if (type != "RollingUpdate" && type != "OnDelete") {
      errs.push_back(
          FieldNotSupported("spec.updateStrategy.type", type, {"OnDelete", "RollingUpdate"}));
    } else if (type == "RollingUpdate") {
      const Value* ru = api::FindMember(*us, "rollingUpdate");
      if (!ru || !ru->IsObject()) {
        errs.push_back(FieldRequired("spec.updateStrategy.rollingUpdate"));
      } else {
        bool unavailable_nz = false, surge_nz = false;
        const Value* mu = api::FindMember(*ru, "maxUnavailable");
        const Value* ms = api::FindMember(*ru, "maxSurge");
        ValidateIntOrPercent(mu, "spec.updateStrategy.rollingUpdate.maxUnavailable", errs,
                             &unavailable_nz);
        ValidateIntOrPercent(ms, "spec.updateStrategy.rollingUpdate.maxSurge", errs, &surge_nz);
        if (unavailable_nz && surge_nz) {
          errs.push_back(FieldInvalid("spec.updateStrategy.rollingUpdate.maxSurge", *ms,
                                      "may not be set when maxUnavailable is non-zero"));
        } else if (!unavailable_nz && !surge_nz && mu && ms) {
          errs.push_back(FieldRequired("spec.updateStrategy.rollingUpdate.maxUnavailable",
                                       "cannot be 0 when maxSurge is 0"));
        }
      }
    }
    return errs;
  }

  std::vector<FieldError> ValidateUpdate(const Value& obj, const Value& old) const override {
    std::vector<FieldError> errs = Validate(obj);
    const Value* ns = api::FindPath(obj, {"spec", "selector"});
    const Value* os = api::FindPath(old, {"spec", "selector"});
    if (ns && os && !api::JsonEqual(*ns, *os)) {
      errs.push_back(FieldInvalid("spec.selector", *ns, "field is immutable"));
    }
    return errs;
  }

  std::vector<TableColumn> Columns() const override {
    return {{"Name", "string", "name", "Name must be unique within a namespace.", 0},
            {"Desired", "integer", "",
             "The total number of nodes that should be running the daemon pod (including nodes "
             "correctly running the daemon pod).",
             0},
            {"Current", "integer", "",
             "The number of nodes that are running at least 1 daemon pod and are supposed to run "
             "the daemon pod.",
             0},
            {"Ready", "integer", "",
             "The number of nodes that should be running the daemon pod and have one or more of "
             "the daemon pod running with a Ready Condition.",
             0},
            {"Up-to-date", "integer", "",
             "The total number of nodes that are running updated daemon pod", 0},
            {"Available", "integer", "",
             "The number of nodes that should be running the daemon pod and have one or more of "
             "the daemon pod running and available (ready for at least spec.minReadySeconds)",
             0},
            {"Node Selector", "string", "",
             "NodeSelector is a selector which must be true for the pod to fit on a node.", 0},
            {"Age", "string", "", "The time since the object was created.", 0},
            {"Containers", "string", "", "Names of each container in the template.", 1},
            {"Images", "string", "", "Images referenced by each container in the template.", 1},
            {"Selector", "string", "",
             "A label query over pods that are managed by the daemon set.", 1}};
  }

  void Cells(const Value& obj, Clock::TimePoint now, Value& cells,
             Document::AllocatorType& a) const override {
    auto str = [&](const std::string& s) { cells.PushBack(api::MakeString(s, a), a); };
    auto num = [&](const char* f) {
      cells.PushBack(static_cast<int64_t>(api::GetInt(obj, {"status", f})), a);
    };
    str(api::Name(obj));
    num("desiredNumberScheduled");
    num("currentNumberScheduled");
    num("numberReady");
    num("updatedNumberScheduled");
    num("numberAvailable");
    std::string selector;
    if (const Value* ns = api::FindPath(obj, {"spec", "template", "spec", "nodeSelector"});
        ns && ns->IsObject()) {
      for (auto it = ns->MemberBegin(); it != ns->MemberEnd(); ++it) {
        if (!selector.empty()) selector += ",";
        selector += std::string(it->name.GetString()) + "=" +
                    (it->value.IsString() ? it->value.GetString() : "");
      }
    }
    str(selector.empty() ? "<none>" : selector);
    str(AgeCell(obj, now));
    std::string names, images;
    if (const Value* cs = api::FindPath(obj, {"spec", "template", "spec", "containers"});
        cs && cs->IsArray()) {
      for (const auto& c : cs->GetArray()) {
        if (!names.empty()) {
          names += ",";
          images += ",";
        }
        names += api::GetString(c, {"name"});
        images += api::GetString(c, {"image"});
      }
    }
    str(names);
    str(images);
    str(SelectorString(obj));
  }
};

}  // namespace

std::unique_ptr<Strategy> NewDaemonSetStrategy() { return std::make_unique<DaemonSetStrategy>(); }

}  // namespace tinyk8s::apiserver
