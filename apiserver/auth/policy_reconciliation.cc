#include "apiserver/auth/policy_reconciliation.h"

#include <string>
#include <vector>

#include "api/json.h"
#include "apiserver/auth/escalation.h"
#include "apiserver/auth/rbac.h"

namespace tinyk8s::apiserver::auth {

namespace {

// AddMissingKeys adds to metadata.<field> of `obj` the keys of `expected`'s that it lacks.
// Returns whether it added any.
bool AddMissingKeys(rapidjson::Document& obj, const rapidjson::Value& expected, const char* field) {
  const rapidjson::Value* want = api::FindPath(expected, {"metadata", field});
  if (!want || !want->IsObject() || want->MemberCount() == 0) return false;
  auto& a = obj.GetAllocator();
  rapidjson::Value& have = api::EnsureObject(obj, {"metadata", field}, a);
  bool added = false;
  for (const auto& m : want->GetObject()) {
    if (api::FindMember(have, api::AsStringView(m.name))) continue;
    rapidjson::Value value(m.value, a);
    api::SetValue(have, api::AsStringView(m.name), value, a);
    added = true;
  }
  return added;
}

// Start is the common part: create when absent; else a copy of `existing` with the labels and
// annotations it lacks, protected when it opted out of autoupdate.
ReconcileResult Start(const rapidjson::Value* existing, const rapidjson::Value& expected) {
  ReconcileResult result;
  if (!existing) {
    result.operation = ReconcileOperation::kCreate;
    result.object = api::CloneDocument(expected);
    return result;
  }
  result.is_protected =
      api::GetString(*existing, {"metadata", "annotations", kAutoUpdateAnnotation}) == "false";
  result.object = api::CloneDocument(*existing);
  bool labels = AddMissingKeys(result.object, expected, "labels");
  bool annotations = AddMissingKeys(result.object, expected, "annotations");
  if (labels || annotations) result.operation = ReconcileOperation::kUpdate;
  return result;
}

// AppendMissingItems appends to obj[path] (an array, created if needed) the items of
// expected[path] that no item of it equals. Returns whether it appended any.
bool AppendMissingItems(rapidjson::Document& obj, const rapidjson::Value& expected,
                        std::initializer_list<std::string_view> parent, const char* field) {
  const rapidjson::Value* want_parent = api::FindPath(expected, parent);
  const rapidjson::Value* want = want_parent ? api::FindMember(*want_parent, field) : nullptr;
  if (!want || !want->IsArray() || want->Empty()) return false;
  auto& a = obj.GetAllocator();
  rapidjson::Value& have_parent = api::EnsureObject(obj, parent, a);
  rapidjson::Value* have = api::FindMemberMutable(have_parent, field);
  if (!have || !have->IsArray()) {
    rapidjson::Value empty(rapidjson::kArrayType);
    api::SetValue(have_parent, field, empty, a);
    have = api::FindMemberMutable(have_parent, field);
  }
  std::vector<const rapidjson::Value*> missing;
  for (const auto& item : want->GetArray()) {
    bool present = false;
    for (const auto& h : have->GetArray()) present = present || api::JsonEqual(h, item);
    if (!present) missing.push_back(&item);
  }
  for (const rapidjson::Value* item : missing) have->PushBack(rapidjson::Value(*item, a), a);
  return !missing.empty();
}

std::vector<PolicyRule> Rules(const rapidjson::Value& role) {
  std::vector<PolicyRule> out;
  if (const auto* rules = api::FindMember(role, "rules"); rules && rules->IsArray()) {
    for (const auto& r : rules->GetArray()) out.push_back(ParsePolicyRule(r));
  }
  return out;
}

void SetStrings(rapidjson::Value& obj, const char* key, const std::vector<std::string>& items,
                api::Allocator& a) {
  rapidjson::Value array(rapidjson::kArrayType);
  for (const auto& s : items) array.PushBack(api::MakeString(s, a), a);
  api::SetValue(obj, key, array, a);
}

rapidjson::Value RuleJson(const PolicyRule& rule, api::Allocator& a) {
  rapidjson::Value out(rapidjson::kObjectType);
  SetStrings(out, "verbs", rule.verbs, a);
  if (!rule.api_groups.empty()) SetStrings(out, "apiGroups", rule.api_groups, a);
  if (!rule.resources.empty()) SetStrings(out, "resources", rule.resources, a);
  if (!rule.resource_names.empty()) SetStrings(out, "resourceNames", rule.resource_names, a);
  if (!rule.non_resource_urls.empty()) {
    SetStrings(out, "nonResourceURLs", rule.non_resource_urls, a);
  }
  return out;
}

}  // namespace

ReconcileResult ReconcileClusterRole(const rapidjson::Value* existing,
                                     const rapidjson::Value& expected) {
  ReconcileResult result = Start(existing, expected);
  if (!existing) return result;
  if (api::FindMember(expected, "aggregationRule")) {
    if (AppendMissingItems(result.object, expected, {"aggregationRule"}, "clusterRoleSelectors")) {
      result.operation = ReconcileOperation::kUpdate;
    }
    return result;
  }
  std::vector<PolicyRule> missing = MissingRules(Rules(*existing), Rules(expected));
  if (missing.empty()) return result;
  auto& a = result.object.GetAllocator();
  rapidjson::Value* rules = api::FindMemberMutable(result.object, "rules");
  if (!rules || !rules->IsArray()) {
    rapidjson::Value empty(rapidjson::kArrayType);
    api::SetValue(result.object, "rules", empty, a);
    rules = api::FindMemberMutable(result.object, "rules");
  }
  for (const PolicyRule& rule : missing) rules->PushBack(RuleJson(rule, a), a);
  result.operation = ReconcileOperation::kUpdate;
  return result;
}

ReconcileResult ReconcileClusterRoleBinding(const rapidjson::Value* existing,
                                            const rapidjson::Value& expected) {
  ReconcileResult result = Start(existing, expected);
  if (!existing) return result;
  if (AppendMissingItems(result.object, expected, {}, "subjects")) {
    result.operation = ReconcileOperation::kUpdate;
  }
  const rapidjson::Value* want_ref = api::FindMember(expected, "roleRef");
  const rapidjson::Value* have_ref = api::FindMember(*existing, "roleRef");
  if (want_ref && (!have_ref || !api::JsonEqual(*have_ref, *want_ref))) {
    // roleRef is immutable: the binding is deleted and created again.
    auto& a = result.object.GetAllocator();
    rapidjson::Value ref(*want_ref, a);
    api::SetValue(result.object, "roleRef", ref, a);
    result.operation = ReconcileOperation::kRecreate;
  }
  return result;
}

}  // namespace tinyk8s::apiserver::auth
