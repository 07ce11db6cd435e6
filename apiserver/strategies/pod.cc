#include "apiserver/strategies/pod.h"

#include "api/json.h"
#include "api/meta.h"
#include "apiserver/api_errors.h"
#include "apiserver/field_errors.h"
#include "apiserver/object_lookup.h"
#include "apiserver/strategies/pod_service_account.h"
#include "apiserver/strategies/pod_spec.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

namespace {

constexpr const char* kPreemptLowerPriority = "PreemptLowerPriority";

// Toleration for a node condition taint that DefaultTolerationSeconds adds (POD-5).
bool HasTolerationFor(const Value& spec, const std::string& key) {
  const Value* tols = api::FindMember(spec, "tolerations");
  if (!tols || !tols->IsArray()) return false;
  for (const auto& t : tols->GetArray()) {
    if (!t.IsObject()) continue;
    std::string tkey = api::GetString(t, {"key"});
    std::string op = api::GetString(t, {"operator"});
    std::string effect = api::GetString(t, {"effect"});
    bool key_matches = tkey == key || (tkey.empty() && op == "Exists");
    if (key_matches && (effect.empty() || effect == "NoExecute")) return true;
  }
  return false;
}

void AddDefaultToleration(Value& spec, const std::string& key, Document::AllocatorType& a) {
  if (HasTolerationFor(spec, key)) return;
  Value* tols = api::FindMemberMutable(spec, "tolerations");
  if (!tols || !tols->IsArray()) {
    Value arr(rapidjson::kArrayType);
    api::SetValue(spec, "tolerations", arr, a);
    tols = api::FindMemberMutable(spec, "tolerations");
  }
  Value t(rapidjson::kObjectType);
  t.AddMember("key", api::MakeString(key, a), a);
  t.AddMember("operator", "Exists", a);
  t.AddMember("effect", "NoExecute", a);
  t.AddMember("tolerationSeconds", 300, a);
  tols->PushBack(t, a);
}

std::string PodStatusReason(const Value& pod) {
  std::string reason = api::GetString(pod, {"status", "phase"});
  std::string status_reason = api::GetString(pod, {"status", "reason"});
  if (!status_reason.empty()) reason = status_reason;
  bool has_running = false;
  bool init_pending = false;
  if (const Value* init = api::FindPath(pod, {"status", "initContainerStatuses"});
      init && init->IsArray()) {
    int total = static_cast<int>(init->Size());
    for (int i = 0; i < total; ++i) {
      const Value& cs = (*init)[static_cast<rapidjson::SizeType>(i)];
      const Value* term = api::FindPath(cs, {"state", "terminated"});
      if (term && api::GetInt(*term, {"exitCode"}) == 0) continue;
      std::string waiting = api::GetString(cs, {"state", "waiting", "reason"});
      if (term) {
        std::string r = api::GetString(*term, {"reason"});
        reason = "Init:" +
                 (r.empty() ? "ExitCode:" + std::to_string(api::GetInt(*term, {"exitCode"})) : r);
      } else if (!waiting.empty() && waiting != "PodInitializing") {
        reason = "Init:" + waiting;
      } else {
        reason = "Init:" + std::to_string(i) + "/" + std::to_string(total);
      }
      init_pending = true;
      break;
    }
  }
  if (!init_pending) {
    if (const Value* statuses = api::FindPath(pod, {"status", "containerStatuses"});
        statuses && statuses->IsArray()) {
      for (auto it = statuses->End(); it != statuses->Begin();) {
        --it;
        const Value& cs = *it;
        std::string waiting = api::GetString(cs, {"state", "waiting", "reason"});
        const Value* term = api::FindPath(cs, {"state", "terminated"});
        if (!waiting.empty()) {
          reason = waiting;
        } else if (term) {
          std::string r = api::GetString(*term, {"reason"});
          if (!r.empty()) {
            reason = r;
          } else if (api::GetInt(*term, {"signal"}) != 0) {
            reason = "Signal:" + std::to_string(api::GetInt(*term, {"signal"}));
          } else {
            reason = "ExitCode:" + std::to_string(api::GetInt(*term, {"exitCode"}));
          }
        } else if (api::GetBool(cs, {"ready"}) && api::FindPath(cs, {"state", "running"})) {
          has_running = true;
        }
      }
      if (reason == "Completed" && has_running) reason = "Running";
    }
  }
  if (api::HasDeletionTimestamp(pod)) {
    reason = api::GetString(pod, {"status", "reason"}) == "NodeLost" ? "Unknown" : "Terminating";
  }
  return reason;
}

class PodStrategy final : public Strategy {
 public:
  explicit PodStrategy(bool service_account_admission)
      : service_account_admission_(service_account_admission) {}
  bool HasStatus() const override { return true; }

  void Default(Document& obj) const override {
    auto& a = obj.GetAllocator();
    DefaultPodSpec(api::EnsureObject(obj, {"spec"}, a), a, /*is_pod=*/true);
  }

  void PrepareForCreate(Document& obj, StrategyContext& ctx) const override {
    Strategy::PrepareForCreate(obj, ctx);
    auto& a = obj.GetAllocator();
    Value& status = api::EnsureObject(obj, {"status"}, a);
    api::SetString(status, "phase", "Pending", a);
    api::SetString(status, "qosClass", QosClass(obj), a);
  }

  // pods/status writes may change labels and annotations too, like upstream's
  // podStatusStrategy (which resets only spec, deletionTimestamp and ownerReferences): the node
  // agent sets its resolv.conf annotation in the same request as the first Running status.
  void PrepareForStatusUpdate(Document& obj, const Value& old) const override {
    auto& a = obj.GetAllocator();
    Value kept(rapidjson::kObjectType);
    if (const Value* meta = api::FindMember(obj, "metadata")) {
      for (const char* field : {"labels", "annotations"}) {
        if (const Value* v = api::FindMember(*meta, field)) {
          kept.AddMember(rapidjson::StringRef(field), Value(*v, a), a);
        }
      }
    }
    Strategy::PrepareForStatusUpdate(obj, old);
    Value& meta = api::EnsureObject(obj, {"metadata"}, a);
    for (const char* field : {"labels", "annotations"}) {
      api::RemoveMember(meta, field);
      if (Value* v = api::FindMemberMutable(kept, field)) api::SetValue(meta, field, *v, a);
    }
  }

  Status AdmitCreate(Document& obj, StrategyContext& ctx) const override {
    auto& a = obj.GetAllocator();
    // Upstream's plugin order: ServiceAccount, Priority, DefaultTolerationSeconds.
    if (service_account_admission_) {
      TK_RETURN_IF_ERROR(AdmitPodServiceAccount(obj, ctx));
    } else {
      DefaultServiceAccountName(obj);
    }
    Value& spec = api::EnsureObject(obj, {"spec"}, a);
    TK_RETURN_IF_ERROR(AdmitPriority(obj, spec, ctx));
    AddDefaultToleration(spec, "node.kubernetes.io/not-ready", a);
    AddDefaultToleration(spec, "node.kubernetes.io/unreachable", a);
    return Status::OK();
  }

  Status AdmitUpdate(Document& obj, const Value& old, StrategyContext&) const override {
    // A missing priority is filled in again from the old pod (PRIO-3).
    auto& a = obj.GetAllocator();
    Value& spec = api::EnsureObject(obj, {"spec"}, a);
    if (!api::FindMember(spec, "priority")) {
      if (const Value* p = api::FindPath(old, {"spec", "priority"})) {
        Value copy(*p, a);
        api::SetValue(spec, "priority", copy, a);
      }
    }
    if (!api::FindMember(spec, "preemptionPolicy")) {
      if (const Value* p = api::FindPath(old, {"spec", "preemptionPolicy"})) {
        Value copy(*p, a);
        api::SetValue(spec, "preemptionPolicy", copy, a);
      }
    }
    return Status::OK();
  }

  std::vector<FieldError> Validate(const Value& obj) const override {
    const Value* spec = api::FindMember(obj, "spec");
    if (!spec) return {FieldRequired("spec")};
    return ValidatePodSpec(*spec, "spec");
  }

  std::vector<FieldError> ValidateUpdate(const Value& obj, const Value& old) const override {
    std::vector<FieldError> errs = Validate(obj);
    const Value* spec = api::FindMember(obj, "spec");
    const Value* old_spec = api::FindMember(old, "spec");
    if (!spec || !old_spec) return errs;
    // Only a few parts of a pod spec may change (POD-7): mask them and compare the rest.
    Document masked;
    masked.CopyFrom(*spec, masked.GetAllocator());
    auto& a = masked.GetAllocator();
    for (const char* list : {"containers", "initContainers"}) {
      Value* nl = api::FindMemberMutable(masked, list);
      const Value* ol = api::FindMember(*old_spec, list);
      if (nl && ol && nl->IsArray() && ol->IsArray() && nl->Size() == ol->Size()) {
        for (rapidjson::SizeType i = 0; i < nl->Size(); ++i) {
          if (!(*nl)[i].IsObject()) continue;
          api::SetString((*nl)[i], "image", api::GetString((*ol)[i], {"image"}), a);
        }
      }
    }
    for (const char* field : {"activeDeadlineSeconds", "tolerations", "schedulingGates"}) {
      api::RemoveMember(masked, field);
      if (const Value* v = api::FindMember(*old_spec, field)) {
        Value copy(*v, a);
        api::SetValue(masked, field, copy, a);
      }
    }
    if (api::GetInt(*old_spec, {"terminationGracePeriodSeconds"}, 0) < 0) {
      api::RemoveMember(masked, "terminationGracePeriodSeconds");
      if (const Value* v = api::FindMember(*old_spec, "terminationGracePeriodSeconds")) {
        Value copy(*v, a);
        api::SetValue(masked, "terminationGracePeriodSeconds", copy, a);
      }
    }
    if (!api::JsonEqual(masked, *old_spec)) {
      errs.push_back(FieldForbidden(
          "spec",
          "pod updates may not change fields other than `spec.containers[*].image`,"
          "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
          "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
          "set to 1 if it was previously negative)"));
    }
    return errs;
  }

  std::optional<int64_t> GracePeriod(const Value& obj,
                                     std::optional<int64_t> requested) const override {
    int64_t grace =
        requested ? *requested : api::GetInt(obj, {"spec", "terminationGracePeriodSeconds"}, 30);
    std::string phase = api::GetString(obj, {"status", "phase"});
    if (api::GetString(obj, {"spec", "nodeName"}).empty() || phase == "Succeeded" ||
        phase == "Failed") {
      grace = 0;
    }
    if (grace < 0) grace = 1;
    return grace;
  }

  std::vector<TableColumn> Columns() const override {
    auto cols = NameAgeColumns();
    TableColumn age = cols[1];
    cols.pop_back();
    cols.push_back({"Ready", "string", "",
                    "The aggregate readiness state of this pod for accepting traffic.", 0});
    cols.push_back(
        {"Status", "string", "", "The aggregate status of the containers in this pod.", 0});
    cols.push_back({"Restarts", "string", "",
                    "The number of times the containers in this pod have been restarted and when "
                    "the last container in this pod has restarted.",
                    0});
    cols.push_back(age);
    cols.push_back({"IP", "string", "",
                    "IP address allocated to the pod. Routable at least within the cluster. Empty "
                    "if not yet allocated.",
                    1});
    cols.push_back({"Node", "string", "", "Name of the node the pod is assigned to.", 1});
    cols.push_back({"Nominated Node", "string", "",
                    "nominatedNodeName is set when this pod preempts other pods on the node.", 1});
    cols.push_back({"Readiness Gates", "string", "",
                    "If specified, all readiness gates will be evaluated for pod readiness.", 1});
    return cols;
  }

  void Cells(const Value& obj, Clock::TimePoint now, Value& cells,
             Document::AllocatorType& a) const override {
    PodCells(obj, now, cells, a);
  }

  std::optional<std::string> FieldValue(const Value& obj, std::string_view field) const override {
    if (field == "spec.nodeName") return api::GetString(obj, {"spec", "nodeName"});
    if (field == "spec.restartPolicy") return api::GetString(obj, {"spec", "restartPolicy"});
    if (field == "spec.schedulerName") return api::GetString(obj, {"spec", "schedulerName"});
    if (field == "spec.serviceAccountName")
      return api::GetString(obj, {"spec", "serviceAccountName"});
    if (field == "spec.hostNetwork")
      return api::GetBool(obj, {"spec", "hostNetwork"}) ? "true" : "false";
    if (field == "status.phase") return api::GetString(obj, {"status", "phase"});
    if (field == "status.podIP") return api::GetString(obj, {"status", "podIP"});
    if (field == "status.nominatedNodeName")
      return api::GetString(obj, {"status", "nominatedNodeName"});
    return Strategy::FieldValue(obj, field);
  }

 private:
  static std::string QosClass(const Value& pod) {
    // Guaranteed: every container has cpu+memory limits equal to requests; BestEffort: no
    // requests or limits at all; Burstable otherwise.
    const Value* containers = api::FindPath(pod, {"spec", "containers"});
    if (!containers || !containers->IsArray()) return "BestEffort";
    bool any = false, guaranteed = true;
    for (const auto& c : containers->GetArray()) {
      const Value* limits = api::FindPath(c, {"resources", "limits"});
      const Value* requests = api::FindPath(c, {"resources", "requests"});
      if ((limits && limits->IsObject() && limits->MemberCount()) ||
          (requests && requests->IsObject() && requests->MemberCount())) {
        any = true;
      }
      for (const char* res : {"cpu", "memory"}) {
        const Value* l = limits ? api::FindMember(*limits, res) : nullptr;
        const Value* r = requests ? api::FindMember(*requests, res) : nullptr;
        if (!l || (r && !api::JsonEqual(*l, *r))) guaranteed = false;
      }
    }
    if (!any) return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
  }

  Status AdmitPriority(Document& obj, Value& spec, StrategyContext& ctx) const {
    auto& a = obj.GetAllocator();
    std::string class_name = api::GetString(spec, {"priorityClassName"});
    int64_t value = 0;
    std::string policy = kPreemptLowerPriority;
    const ResourceInfo* pcs =
        ctx.lookup ? ctx.lookup->Resource("scheduling.k8s.io", "priorityclasses") : nullptr;
    const ResourceInfo* pods = ctx.lookup ? ctx.lookup->Resource("", "pods") : nullptr;
    std::string pod_name = api::Name(obj);
    if (pcs) {
      if (class_name.empty()) {
        for (const auto& pc : ctx.lookup->FindAll(*pcs, "")) {
          if (api::GetBool(*pc, {"globalDefault"})) {
            class_name = api::Name(*pc);
            value = api::GetInt(*pc, {"value"});
            policy = api::GetString(*pc, {"preemptionPolicy"}, kPreemptLowerPriority);
            api::SetString(spec, "priorityClassName", class_name, a);
            break;
          }
        }
      } else {
        auto pc = ctx.lookup->Find(*pcs, "", class_name);
        if (!pc) {
          return pods ? ForbiddenError(*pods, pod_name,
                                       "no PriorityClass with name " + class_name + " was found")
                      : Status(StatusCode::kForbidden,
                               "no PriorityClass with name " + class_name + " was found");
        }
        value = api::GetInt(*pc, {"value"});
        policy = api::GetString(*pc, {"preemptionPolicy"}, kPreemptLowerPriority);
      }
    }
    if (const Value* p = api::FindMember(spec, "priority");
        p && p->IsInt64() && p->GetInt64() != value) {
      std::string msg =
          "the integer value of priority (" + std::to_string(p->GetInt64()) +
          ") must not be provided in pod spec; priority admission controller computed " +
          std::to_string(value) + " from the given PriorityClass name";
      return pods ? ForbiddenError(*pods, pod_name, msg) : Status(StatusCode::kForbidden, msg);
    }
    std::string client_policy = api::GetString(spec, {"preemptionPolicy"});
    if (!client_policy.empty() && client_policy != policy) {
      std::string msg =
          "the string value of PreemptionPolicy (" + client_policy +
          ") must not be provided in pod spec; priority admission controller computed " + policy +
          " from the given PriorityClass name";
      return pods ? ForbiddenError(*pods, pod_name, msg) : Status(StatusCode::kForbidden, msg);
    }
    api::SetInt(spec, "priority", value, a);
    api::SetString(spec, "preemptionPolicy", policy, a);
    return Status::OK();
  }

  const bool service_account_admission_;
};

}  // namespace

void PodCells(const Value& pod, Clock::TimePoint now, Value& cells, Document::AllocatorType& a) {
  int total = 0, ready = 0;
  int64_t restarts = 0;
  std::string last_restart;
  if (const Value* c = api::FindPath(pod, {"spec", "containers"}); c && c->IsArray())
    total = static_cast<int>(c->Size());
  if (const Value* statuses = api::FindPath(pod, {"status", "containerStatuses"});
      statuses && statuses->IsArray()) {
    Clock::TimePoint latest{};
    for (const auto& cs : statuses->GetArray()) {
      if (api::GetBool(cs, {"ready"})) ++ready;
      restarts += api::GetInt(cs, {"restartCount"});
      Clock::TimePoint t;
      if (ParseRfc3339(api::GetString(cs, {"lastState", "terminated", "finishedAt"}), &t) &&
          t > latest) {
        latest = t;
        last_restart = HumanDuration(t, now);
      }
    }
  }
  std::string restarts_cell = std::to_string(restarts);
  if (restarts > 0 && !last_restart.empty()) restarts_cell += " (" + last_restart + " ago)";
  auto str = [&](const std::string& s) { cells.PushBack(api::MakeString(s, a), a); };
  auto or_none = [](std::string s) { return s.empty() ? std::string("<none>") : s; };
  str(api::Name(pod));
  str(std::to_string(ready) + "/" + std::to_string(total));
  str(PodStatusReason(pod));
  str(restarts_cell);
  str(AgeCell(pod, now));
  str(or_none(api::GetString(pod, {"status", "podIP"})));
  str(or_none(api::GetString(pod, {"spec", "nodeName"})));
  str(or_none(api::GetString(pod, {"status", "nominatedNodeName"})));
  std::string gates = "<none>";
  if (const Value* rg = api::FindPath(pod, {"spec", "readinessGates"});
      rg && rg->IsArray() && !rg->Empty()) {
    int true_count = 0;
    const Value* conds = api::FindPath(pod, {"status", "conditions"});
    for (const auto& g : rg->GetArray()) {
      std::string type = api::GetString(g, {"conditionType"});
      if (conds && conds->IsArray()) {
        for (const auto& c : conds->GetArray()) {
          if (api::GetString(c, {"type"}) == type && api::GetString(c, {"status"}) == "True")
            ++true_count;
        }
      }
    }
    gates = std::to_string(true_count) + "/" + std::to_string(rg->Size());
  }
  str(gates);
}

std::unique_ptr<Strategy> NewPodStrategy(bool service_account_admission) {
  return std::make_unique<PodStrategy>(service_account_admission);
}

}  // namespace tinyk8s::apiserver
