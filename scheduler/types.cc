#include "scheduler/types.h"

#include <algorithm>
#include <charconv>

#include "api/json.h"
#include "api/quantity.h"

namespace tinyk8s::scheduler {

using rapidjson::Value;

namespace {

int64_t ScalarAt(const std::vector<std::pair<std::string, int64_t>>& v, std::string_view name) {
  for (const auto& [k, amount] : v) {
    if (k == name) return amount;
  }
  return 0;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool RequirementMatches(const NodeSelectorRequirement& r, const std::string* value) {
  using Op = NodeSelectorRequirement::Op;
  switch (r.op) {
    case Op::kIn:
      return value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
    case Op::kNotIn:
      return !value || std::find(r.values.begin(), r.values.end(), *value) == r.values.end();
    case Op::kExists:
      return value != nullptr;
    case Op::kDoesNotExist:
      return value == nullptr;
    case Op::kGt:
    case Op::kLt: {
      int64_t have = 0, want = 0;
      if (!value || r.values.size() != 1 || !ParseInt64(*value, &have) ||
          !ParseInt64(r.values[0], &want)) {
        return false;
      }
      return r.op == Op::kGt ? have > want : have < want;
    }
    case Op::kInvalid:
      return false;
  }
  return false;
}

NodeSelectorRequirement::Op ParseOp(std::string_view s) {
  using Op = NodeSelectorRequirement::Op;
  if (s == "In") return Op::kIn;
  if (s == "NotIn") return Op::kNotIn;
  if (s == "Exists") return Op::kExists;
  if (s == "DoesNotExist") return Op::kDoesNotExist;
  if (s == "Gt") return Op::kGt;
  if (s == "Lt") return Op::kLt;
  return Op::kInvalid;
}

std::vector<NodeSelectorRequirement> ParseRequirements(const Value* list) {
  std::vector<NodeSelectorRequirement> out;
  if (!list || !list->IsArray()) return out;
  for (const auto& r : list->GetArray()) {
    NodeSelectorRequirement req;
    req.key = api::GetString(r, {"key"});
    req.op = ParseOp(api::GetString(r, {"operator"}));
    if (const Value* vals = api::FindMember(r, "values"); vals && vals->IsArray()) {
      for (const auto& v : vals->GetArray()) {
        if (v.IsString()) req.values.emplace_back(v.GetString(), v.GetStringLength());
      }
    }
    out.push_back(std::move(req));
  }
  return out;
}

}  // namespace

void ResourceList::Add(const ResourceList& o) {
  milli_cpu += o.milli_cpu;
  memory += o.memory;
  ephemeral_storage += o.ephemeral_storage;
  allowed_pods += o.allowed_pods;
  for (const auto& [k, v] : o.scalar) AddScalar(k, v);
}

void ResourceList::Sub(const ResourceList& o) {
  milli_cpu -= o.milli_cpu;
  memory -= o.memory;
  ephemeral_storage -= o.ephemeral_storage;
  allowed_pods -= o.allowed_pods;
  for (const auto& [k, v] : o.scalar) AddScalar(k, -v);
}

int64_t ResourceList::Scalar(std::string_view name) const { return ScalarAt(scalar, name); }

void ResourceList::AddScalar(std::string_view name, int64_t v) {
  auto it = std::lower_bound(scalar.begin(), scalar.end(), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  if (it != scalar.end() && it->first == name) {
    it->second += v;
  } else {
    scalar.insert(it, {std::string(name), v});
  }
}

void ResourceList::SetMax(const ResourceList& o) {
  milli_cpu = std::max(milli_cpu, o.milli_cpu);
  memory = std::max(memory, o.memory);
  ephemeral_storage = std::max(ephemeral_storage, o.ephemeral_storage);
  allowed_pods = std::max(allowed_pods, o.allowed_pods);
  for (const auto& [k, v] : o.scalar) {
    int64_t have = Scalar(k);
    if (v > have) AddScalar(k, v - have);
  }
}

ResourceList ParseResourceList(const Value* list) {
  ResourceList out;
  if (!list || !list->IsObject()) return out;
  for (const auto& m : list->GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    std::string text;
    if (m.value.IsString()) {
      text.assign(m.value.GetString(), m.value.GetStringLength());
    } else if (m.value.IsInt64()) {
      text = std::to_string(m.value.GetInt64());
    } else {
      continue;
    }
    auto q = api::Quantity::Parse(text);
    if (!q.ok()) continue;
    if (name == kResourceCpu) {
      out.milli_cpu = q->MilliValue();
    } else if (name == kResourceMemory) {
      out.memory = q->Value();
    } else if (name == kResourceEphemeralStorage) {
      out.ephemeral_storage = q->Value();
    } else if (name == kResourcePods) {
      out.allowed_pods = q->Value();
    } else {
      out.AddScalar(name, q->Value());
    }
  }
  return out;
}

TaintEffect ParseTaintEffect(std::string_view s) {
  if (s == "NoSchedule") return TaintEffect::kNoSchedule;
  if (s == "PreferNoSchedule") return TaintEffect::kPreferNoSchedule;
  if (s == "NoExecute") return TaintEffect::kNoExecute;
  return TaintEffect::kOther;
}

bool Toleration::Tolerates(const Taint& taint) const {
  if (!any_effect && effect != taint.effect) return false;
  if (!key.empty() && key != taint.key) return false;
  // An empty key must come with Exists (validation); it then matches every taint.
  if (exists) return true;
  return value == taint.value;
}

bool TolerationsTolerate(const std::vector<Toleration>& tolerations, const Taint& taint) {
  for (const auto& t : tolerations) {
    if (t.Tolerates(taint)) return true;
  }
  return false;
}

std::vector<Taint> ParseTaints(const Value* taints) {
  std::vector<Taint> out;
  if (!taints || !taints->IsArray()) return out;
  for (const auto& t : taints->GetArray()) {
    out.push_back({api::GetString(t, {"key"}), api::GetString(t, {"value"}),
                   ParseTaintEffect(api::GetString(t, {"effect"}))});
  }
  return out;
}

std::vector<Toleration> ParseTolerations(const Value* tolerations) {
  std::vector<Toleration> out;
  if (!tolerations || !tolerations->IsArray()) return out;
  for (const auto& t : tolerations->GetArray()) {
    Toleration tol;
    tol.key = api::GetString(t, {"key"});
    tol.exists = api::GetString(t, {"operator"}) == "Exists";
    tol.value = api::GetString(t, {"value"});
    std::string effect = api::GetString(t, {"effect"});
    tol.any_effect = effect.empty();
    tol.effect = ParseTaintEffect(effect);
    out.push_back(std::move(tol));
  }
  return out;
}

Labels ParseLabels(const Value* labels) {
  Labels out;
  if (!labels || !labels->IsObject()) return out;
  for (const auto& m : labels->GetObject()) {
    if (!m.value.IsString()) continue;
    out.emplace(std::string(m.name.GetString(), m.name.GetStringLength()),
                std::string(m.value.GetString(), m.value.GetStringLength()));
  }
  return out;
}

bool TermMatches(const NodeSelectorTerm& term, const Labels& labels, std::string_view node_name) {
  if (term.match_expressions.empty() && term.match_fields.empty()) return false;
  for (const auto& r : term.match_expressions) {
    auto it = labels.find(r.key);
    if (!RequirementMatches(r, it == labels.end() ? nullptr : &it->second)) return false;
  }
  for (const auto& r : term.match_fields) {
    if (r.key != "metadata.name") return false;
    std::string name(node_name);
    if (!RequirementMatches(r, &name)) return false;
  }
  return true;
}

bool AnyTermMatches(const std::vector<NodeSelectorTerm>& terms, const Labels& labels,
                    std::string_view node_name) {
  for (const auto& t : terms) {
    if (TermMatches(t, labels, node_name)) return true;
  }
  return false;
}

NodeSelectorTerm ParseNodeSelectorTerm(const Value& term) {
  NodeSelectorTerm out;
  out.match_expressions = ParseRequirements(api::FindMember(term, "matchExpressions"));
  out.match_fields = ParseRequirements(api::FindMember(term, "matchFields"));
  return out;
}

bool HostPort::ConflictsWith(const HostPort& o) const {
  if (port != o.port || protocol != o.protocol) return false;
  auto wildcard = [](const std::string& ip) { return ip.empty() || ip == "0.0.0.0"; };
  return wildcard(ip) || wildcard(o.ip) || ip == o.ip;
}

}  // namespace tinyk8s::scheduler
