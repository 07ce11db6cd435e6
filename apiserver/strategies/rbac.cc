// Strategies of rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding,
// ClusterRoleBinding. Validation follows upstream pkg/apis/rbac/validation (rules need verbs and
// either resources with API groups or non-resource URLs; roleRef is required and immutable).
#include <algorithm>

#include "api/json.h"
#include "api/meta.h"
#include "apiserver/field_errors.h"
#include "apiserver/strategies/strategies.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;
using Alloc = Document::AllocatorType;

namespace {

constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";

void Str(Value& cells, const std::string& s, Alloc& a) { cells.PushBack(api::MakeString(s, a), a); }

// PathSegmentNameErrors: RBAC names only need to be usable as a URL path segment
// (upstream path.ValidatePathSegmentName), so "system:kube-scheduler" is valid.
std::vector<std::string> PathSegmentNameErrors(std::string_view name) {
  std::vector<std::string> errs;
  if (name == "." || name == "..") errs.push_back("may not be '" + std::string(name) + "'");
  if (name.find('/') != std::string_view::npos) errs.push_back("may not contain '/'");
  if (name.find('%') != std::string_view::npos) errs.push_back("may not contain '%'");
  return errs;
}

size_t Count(const Value& obj, const char* field) {
  const Value* v = api::FindMember(obj, field);
  return v && v->IsArray() ? v->Size() : 0;
}

class RoleStrategy final : public Strategy {
 public:
  explicit RoleStrategy(bool cluster) : cluster_(cluster) {}
  std::vector<std::string> ValidateName(std::string_view name) const override {
    return PathSegmentNameErrors(name);
  }
  std::vector<FieldError> Validate(const Value& obj) const override {
    std::vector<FieldError> errs;
    const Value* rules = api::FindMember(obj, "rules");
    if (!rules || !rules->IsArray()) return errs;
    for (rapidjson::SizeType i = 0; i < rules->Size(); ++i) {
      const Value& rule = (*rules)[i];
      std::string path = "rules[" + std::to_string(i) + "]";
      if (Count(rule, "verbs") == 0) {
        errs.push_back(FieldRequired(path + ".verbs", "verbs must contain at least one value"));
      }
      size_t urls = Count(rule, "nonResourceURLs");
      if (urls > 0) {
        if (!cluster_) {
          errs.push_back(FieldInvalid(path + ".nonResourceURLs",
                                      *api::FindMember(rule, "nonResourceURLs"),
                                      "namespaced rules cannot apply to non-resource URLs"));
        } else if (Count(rule, "apiGroups") > 0 || Count(rule, "resources") > 0) {
          errs.push_back(FieldInvalid(path + ".nonResourceURLs",
                                      *api::FindMember(rule, "nonResourceURLs"),
                                      "rules cannot apply to both regular resources and "
                                      "non-resource URLs"));
        }
        continue;
      }
      if (Count(rule, "apiGroups") == 0) {
        errs.push_back(FieldRequired(path + ".apiGroups",
                                     "resource rules must supply at least one api group"));
      }
      if (Count(rule, "resources") == 0) {
        errs.push_back(
            FieldRequired(path + ".resources", "resource rules must supply at least one resource"));
      }
    }
    return errs;
  }
  std::vector<FieldError> ValidateUpdate(const Value& obj, const Value&) const override {
    return Validate(obj);
  }
  std::vector<TableColumn> Columns() const override {
    return {{"Name", "string", "name", "Name must be unique within a namespace.", 0},
            {"Created At", "date", "", "Time when the object was created.", 0}};
  }
  void Cells(const Value& obj, Clock::TimePoint, Value& cells, Alloc& a) const override {
    Str(cells, api::Name(obj), a);
    Str(cells, api::GetString(obj, {"metadata", "creationTimestamp"}), a);
  }

 private:
  bool cluster_;
};

class BindingStrategy final : public Strategy {
 public:
  explicit BindingStrategy(bool cluster) : cluster_(cluster) {}
  std::vector<std::string> ValidateName(std::string_view name) const override {
    return PathSegmentNameErrors(name);
  }
  std::vector<FieldError> Validate(const Value& obj) const override {
    std::vector<FieldError> errs;
    std::string kind = api::GetString(obj, {"roleRef", "kind"});
    std::string group = api::GetString(obj, {"roleRef", "apiGroup"});
    if (group != kRbacGroup) {
      errs.push_back(FieldNotSupported("roleRef.apiGroup", group, {kRbacGroup}));
    }
    std::vector<std::string> kinds = cluster_ ? std::vector<std::string>{"ClusterRole"}
                                              : std::vector<std::string>{"Role", "ClusterRole"};
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
      errs.push_back(FieldNotSupported("roleRef.kind", kind, kinds));
    }
    if (api::GetString(obj, {"roleRef", "name"}).empty()) {
      errs.push_back(FieldRequired("roleRef.name"));
    }
    const Value* subjects = api::FindMember(obj, "subjects");
    if (subjects && subjects->IsArray()) {
      for (rapidjson::SizeType i = 0; i < subjects->Size(); ++i) {
        const Value& s = (*subjects)[i];
        std::string path = "subjects[" + std::to_string(i) + "]";
        std::string skind = api::GetString(s, {"kind"});
        if (api::GetString(s, {"name"}).empty()) errs.push_back(FieldRequired(path + ".name"));
        if (skind != "User" && skind != "Group" && skind != "ServiceAccount") {
          errs.push_back(
              FieldNotSupported(path + ".kind", skind, {"ServiceAccount", "User", "Group"}));
        } else if (skind == "ServiceAccount" && cluster_ &&
                   api::GetString(s, {"namespace"}).empty()) {
          errs.push_back(FieldRequired(path + ".namespace"));
        }
      }
    }
    return errs;
  }
  std::vector<FieldError> ValidateUpdate(const Value& obj, const Value& old) const override {
    std::vector<FieldError> errs = Validate(obj);
    const Value* ref = api::FindMember(obj, "roleRef");
    const Value* old_ref = api::FindMember(old, "roleRef");
    if (ref && old_ref && !api::JsonEqual(*ref, *old_ref)) {
      errs.push_back(FieldInvalid("roleRef", *ref, "cannot change roleRef"));
    }
    return errs;
  }
  std::vector<TableColumn> Columns() const override {
    return {{"Name", "string", "name", "Name must be unique within a namespace.", 0},
            {"Role", "string", "", "The role the binding grants.", 0},
            {"Age", "string", "", "Time since the binding was created.", 0},
            {"Users", "string", "", "Users the binding applies to.", 1},
            {"Groups", "string", "", "Groups the binding applies to.", 1},
            {"ServiceAccounts", "string", "", "Service accounts the binding applies to.", 1}};
  }
  void Cells(const Value& obj, Clock::TimePoint now, Value& cells, Alloc& a) const override {
    Str(cells, api::Name(obj), a);
    Str(cells,
        api::GetString(obj, {"roleRef", "kind"}) + "/" + api::GetString(obj, {"roleRef", "name"}),
        a);
    Str(cells, AgeCell(obj, now), a);
    std::string users, groups, sas;
    auto add = [](std::string& list, const std::string& item) {
      list += (list.empty() ? "" : ", ") + item;
    };
    if (const Value* subjects = api::FindMember(obj, "subjects"); subjects && subjects->IsArray()) {
      for (const auto& s : subjects->GetArray()) {
        std::string kind = api::GetString(s, {"kind"});
        std::string name = api::GetString(s, {"name"});
        if (kind == "User") add(users, name);
        if (kind == "Group") add(groups, name);
        if (kind == "ServiceAccount") add(sas, api::GetString(s, {"namespace"}) + "/" + name);
      }
    }
    Str(cells, users, a);
    Str(cells, groups, a);
    Str(cells, sas, a);
  }

 private:
  bool cluster_;
};

// Access reviews are computed, never stored; the handler answers them before this strategy
// would be consulted, which is here only for the registry table.
class AccessReviewStrategy final : public Strategy {};

}  // namespace

std::unique_ptr<Strategy> NewRoleStrategy(bool cluster) {
  return std::make_unique<RoleStrategy>(cluster);
}
std::unique_ptr<Strategy> NewRoleBindingStrategy(bool cluster) {
  return std::make_unique<BindingStrategy>(cluster);
}
std::unique_ptr<Strategy> NewAccessReviewStrategy() {
  return std::make_unique<AccessReviewStrategy>();
}

}  // namespace tinyk8s::apiserver
