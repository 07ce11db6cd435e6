#include "apiserver/strategies/pod_spec.h"

#include <set>

#include "api/image_pull_policy.h"
#include "api/json.h"
#include "api/labels.h"
#include "api/names.h"
#include "api/quantity.h"
#include "apiserver/field_errors.h"

namespace tinyk8s::apiserver {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

namespace {

void SetIfMissing(Value& obj, const char* key, const char* value, Alloc& a) {
  if (!api::FindMember(obj, key)) api::SetString(obj, key, value, a);
}
void SetIntIfMissing(Value& obj, const char* key, int64_t value, Alloc& a) {
  if (!api::FindMember(obj, key)) api::SetInt(obj, key, value, a);
}

void DefaultProbe(Value* probe, Alloc& a) {
  if (!probe || !probe->IsObject()) return;
  SetIntIfMissing(*probe, "timeoutSeconds", 1, a);
  SetIntIfMissing(*probe, "periodSeconds", 10, a);
  SetIntIfMissing(*probe, "successThreshold", 1, a);
  SetIntIfMissing(*probe, "failureThreshold", 3, a);
}

void CanonicalizeResourceList(Value* list, Alloc& a) {
  if (!list || !list->IsObject()) return;
  for (auto it = list->MemberBegin(); it != list->MemberEnd(); ++it)
    CanonicalizeQuantity(it->value, a);
}

void DefaultContainer(Value& c, Alloc& a, bool is_pod, bool host_network) {
  if (!c.IsObject()) return;
  SetIfMissing(c, "terminationMessagePath", "/dev/termination-log", a);
  SetIfMissing(c, "terminationMessagePolicy", "File", a);
  if (api::GetString(c, {"imagePullPolicy"}).empty()) {
    api::SetString(c, "imagePullPolicy", api::DefaultImagePullPolicy(api::GetString(c, {"image"})),
                   a);
  }
  if (Value* ports = api::FindMemberMutable(c, "ports"); ports && ports->IsArray()) {
    for (auto& p : ports->GetArray()) {
      if (!p.IsObject()) continue;
      SetIfMissing(p, "protocol", "TCP", a);
      if (is_pod && host_network && !api::FindMember(p, "hostPort")) {
        if (const Value* cp = api::FindMember(p, "containerPort"); cp && cp->IsInt64()) {
          api::SetInt(p, "hostPort", cp->GetInt64(), a);
        }
      }
    }
  }
  Value& resources = api::EnsureObject(c, {"resources"}, a);
  CanonicalizeResourceList(api::FindMemberMutable(resources, "limits"), a);
  CanonicalizeResourceList(api::FindMemberMutable(resources, "requests"), a);
  if (is_pod) {
    const Value* limits = api::FindMember(resources, "limits");
    if (limits && limits->IsObject() && limits->MemberCount() > 0) {
      Value& requests = api::EnsureObject(resources, {"requests"}, a);
      for (auto it = limits->MemberBegin(); it != limits->MemberEnd(); ++it) {
        std::string_view name(it->name.GetString(), it->name.GetStringLength());
        if (!api::FindMember(requests, name)) {
          Value v(it->value, a);
          api::SetValue(requests, name, v, a);
        }
      }
    }
  }
  DefaultProbe(api::FindMemberMutable(c, "livenessProbe"), a);
  DefaultProbe(api::FindMemberMutable(c, "readinessProbe"), a);
  DefaultProbe(api::FindMemberMutable(c, "startupProbe"), a);
}

bool IsValidPort(const Value& v) {
  return v.IsInt64() && v.GetInt64() >= 1 && v.GetInt64() <= 65535;
}

void ValidateContainers(const Value& spec, const char* field, const std::string& path,
                        bool required, std::set<std::string>& names,
                        std::vector<FieldError>& errs) {
  const Value* list = api::FindMember(spec, field);
  std::string base = path + "." + field;
  if (!list || (list->IsArray() && list->Empty())) {
    if (required) errs.push_back(FieldRequired(base));
    return;
  }
  if (!list->IsArray()) {
    errs.push_back(FieldInvalid(base, *list, "must be a list"));
    return;
  }
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const Value& c = (*list)[i];
    std::string cp = base + "[" + std::to_string(i) + "]";
    if (!c.IsObject()) {
      errs.push_back(FieldInvalid(cp, c, "must be an object"));
      continue;
    }
    std::string name = api::GetString(c, {"name"});
    if (name.empty()) {
      errs.push_back(FieldRequired(cp + ".name"));
    } else {
      for (const auto& m : api::IsDns1123Label(name))
        errs.push_back(FieldInvalid(cp + ".name", name, m));
      if (!names.insert(name).second) errs.push_back(FieldDuplicate(cp + ".name", name));
    }
    if (api::GetString(c, {"image"}).empty()) errs.push_back(FieldRequired(cp + ".image"));
    std::string pull = api::GetString(c, {"imagePullPolicy"});
    if (!pull.empty() && pull != "Always" && pull != "IfNotPresent" && pull != "Never") {
      errs.push_back(
          FieldNotSupported(cp + ".imagePullPolicy", pull, {"Always", "IfNotPresent", "Never"}));
    }
    if (const Value* ports = api::FindMember(c, "ports"); ports && ports->IsArray()) {
      for (rapidjson::SizeType j = 0; j < ports->Size(); ++j) {
        const Value& p = (*ports)[j];
        std::string pp = cp + ".ports[" + std::to_string(j) + "]";
        if (!p.IsObject()) continue;
        const Value* container_port = api::FindMember(p, "containerPort");
        if (!container_port) {
          errs.push_back(FieldRequired(pp + ".containerPort"));
        } else if (!IsValidPort(*container_port)) {
          errs.push_back(FieldInvalid(pp + ".containerPort", *container_port,
                                      "must be between 1 and 65535, inclusive"));
        }
        if (const Value* hp = api::FindMember(p, "hostPort");
            hp && !(hp->IsInt64() && hp->GetInt64() >= 0 && hp->GetInt64() <= 65535)) {
          errs.push_back(
              FieldInvalid(pp + ".hostPort", *hp, "must be between 1 and 65535, inclusive"));
        }
        std::string proto = api::GetString(p, {"protocol"});
        if (!proto.empty() && proto != "TCP" && proto != "UDP" && proto != "SCTP") {
          errs.push_back(FieldNotSupported(pp + ".protocol", proto, {"SCTP", "TCP", "UDP"}));
        }
      }
    }
    if (const Value* res = api::FindMember(c, "resources"); res && res->IsObject()) {
      for (const char* kind : {"limits", "requests"}) {
        const Value* list2 = api::FindMember(*res, kind);
        if (!list2 || !list2->IsObject()) continue;
        for (auto it = list2->MemberBegin(); it != list2->MemberEnd(); ++it) {
          std::string fp =
              cp + ".resources." + kind + "[" + std::string(it->name.GetString()) + "]";
          if (!it->value.IsString() && !it->value.IsNumber()) {
            errs.push_back(FieldInvalid(fp, it->value, "must be a quantity"));
            continue;
          }
          std::string text = it->value.IsString() ? it->value.GetString() : api::ToJson(it->value);
          auto q = api::Quantity::Parse(text);
          if (!q.ok()) {
            errs.push_back(FieldInvalid(fp, text, q.status().message()));
          } else if (q->Sign() < 0) {
            errs.push_back(FieldInvalid(fp, text, "must be greater than or equal to 0"));
          }
        }
      }
    }
  }
}

}  // namespace

bool CanonicalizeQuantity(Value& value, Alloc& a) {
  std::string text;
  if (value.IsString()) {
    text = value.GetString();
  } else if (value.IsNumber()) {
    text = api::ToJson(value);
  } else {
    return false;
  }
  auto q = api::Quantity::Parse(text);
  if (!q.ok()) return false;
  value = api::MakeString(q->ToString(), a);
  return true;
}

void DefaultPodSpec(Value& spec, Alloc& a, bool is_pod) {
  if (!spec.IsObject()) return;
  SetIfMissing(spec, "dnsPolicy", "ClusterFirst", a);
  SetIfMissing(spec, "restartPolicy", "Always", a);
  SetIntIfMissing(spec, "terminationGracePeriodSeconds", 30, a);
  SetIfMissing(spec, "schedulerName", "default-scheduler", a);
  if (!api::FindMember(spec, "securityContext")) {
    Value empty(rapidjson::kObjectType);
    api::SetValue(spec, "securityContext", empty, a);
  }
  if (is_pod && !api::FindMember(spec, "enableServiceLinks"))
    api::SetBool(spec, "enableServiceLinks", true, a);
  bool host_network = api::GetBool(spec, {"hostNetwork"});
  for (const char* field : {"containers", "initContainers"}) {
    if (Value* list = api::FindMemberMutable(spec, field); list && list->IsArray()) {
      for (auto& c : list->GetArray()) DefaultContainer(c, a, is_pod, host_network);
    }
  }
  if (Value* vols = api::FindMemberMutable(spec, "volumes"); vols && vols->IsArray()) {
    for (auto& v : vols->GetArray()) {
      if (!v.IsObject() || v.MemberCount() != 1 || !api::FindMember(v, "name")) continue;
      Value empty(rapidjson::kObjectType);
      api::SetValue(v, "emptyDir", empty, a);
    }
  }
  if (Value* overhead = api::FindMemberMutable(spec, "overhead"))
    CanonicalizeResourceList(overhead, a);
}

std::vector<FieldError> ValidatePodSpec(const Value& spec, const std::string& path) {
  std::vector<FieldError> errs;
  if (!spec.IsObject()) {
    errs.push_back(FieldRequired(path));
    return errs;
  }
  std::set<std::string> names;
  ValidateContainers(spec, "containers", path, true, names, errs);
  ValidateContainers(spec, "initContainers", path, false, names, errs);
  std::string restart = api::GetString(spec, {"restartPolicy"});
  if (!restart.empty() && restart != "Always" && restart != "OnFailure" && restart != "Never") {
    errs.push_back(
        FieldNotSupported(path + ".restartPolicy", restart, {"Always", "OnFailure", "Never"}));
  }
  ValidateDnsPolicy(spec, path, errs);
  if (const Value* ns = api::FindMember(spec, "nodeSelector"); ns && ns->IsObject()) {
    auto le = api::ValidateLabels(*ns, path + ".nodeSelector");
    errs.insert(errs.end(), le.begin(), le.end());
  }
  if (const Value* tols = api::FindMember(spec, "tolerations"); tols && tols->IsArray()) {
    for (rapidjson::SizeType i = 0; i < tols->Size(); ++i) {
      const Value& t = (*tols)[i];
      std::string tp = path + ".tolerations[" + std::to_string(i) + "]";
      if (!t.IsObject()) continue;
      std::string op = api::GetString(t, {"operator"});
      if (!op.empty() && op != "Exists" && op != "Equal") {
        errs.push_back(FieldNotSupported(tp + ".operator", op, {"Equal", "Exists"}));
      }
      if (op == "Exists" && !api::GetString(t, {"value"}).empty()) {
        errs.push_back(
            FieldInvalid(tp + ".operator", op, "value must be empty when `operator` is 'Exists'"));
      }
      std::string effect = api::GetString(t, {"effect"});
      if (!effect.empty() && effect != "NoSchedule" && effect != "PreferNoSchedule" &&
          effect != "NoExecute") {
        errs.push_back(FieldNotSupported(tp + ".effect", effect,
                                         {"NoExecute", "NoSchedule", "PreferNoSchedule"}));
      }
      if (api::GetString(t, {"key"}).empty() && op != "Exists") {
        errs.push_back(FieldInvalid(tp + ".operator", op,
                                    "operator must be Exists when `key` is empty, which means "
                                    "\"match all values and all keys\""));
      }
    }
  }
  if (const Value* g = api::FindMember(spec, "terminationGracePeriodSeconds");
      g && (!g->IsInt64() || g->GetInt64() < 0)) {
    errs.push_back(FieldInvalid(path + ".terminationGracePeriodSeconds", *g,
                                "must be greater than or equal to 0"));
  }
  ValidatePodDns(spec, path, errs);
  return errs;
}

}  // namespace tinyk8s::apiserver
