#include "apiserver/auth/escalation.h"

#include <algorithm>
#include <map>

#include "api/json.h"

namespace tinyk8s::apiserver::auth {

namespace {

constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";

bool Has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Simple is one broken-down permission: a verb on one group/resource[/name], or on one URL.
struct Simple {
  std::string verb, group, resource, name, url;
  bool non_resource = false;
};

std::vector<Simple> Breakdown(const PolicyRule& rule) {
  std::vector<Simple> out;
  for (const auto& group : rule.api_groups) {
    for (const auto& resource : rule.resources) {
      if (rule.resource_names.empty()) {
        for (const auto& verb : rule.verbs) out.push_back({verb, group, resource, "", "", false});
      } else {
        for (const auto& name : rule.resource_names) {
          for (const auto& verb : rule.verbs) {
            out.push_back({verb, group, resource, name, "", false});
          }
        }
      }
    }
  }
  for (const auto& url : rule.non_resource_urls) {
    for (const auto& verb : rule.verbs) out.push_back({verb, "", "", "", url, true});
  }
  return out;
}

// Covers: `owner` grants `s` (upstream validation.Covers for one broken-down rule): exactly
// when a request with those attributes would be allowed by the rule.
bool Covers(const PolicyRule& owner, const Simple& s) {
  Attributes a;
  a.verb = s.verb;
  a.resource_request = !s.non_resource;
  a.path = s.url;
  a.api_group = s.group;
  size_t slash = s.resource.find('/');
  a.resource = s.resource.substr(0, slash);
  if (slash != std::string::npos) a.subresource = s.resource.substr(slash + 1);
  a.name = s.name;
  return RuleAllows(a, owner);
}

std::string Quoted(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? " \"" : "\"") + items[i] + "\"";
  return out + "]";
}

std::vector<PolicyRule> FullAuthority() {
  return {{{"*"}, {"*"}, {"*"}, {}, {}}, {{"*"}, {}, {}, {}, {"*"}}};
}

Status Forbidden(const std::string& plural, const std::string& name, const std::string& why) {
  Status s(StatusCode::kForbidden,
           plural + "." + kRbacGroup + " \"" + name + "\" is forbidden: " + why);
  s.WithDetails({name, kRbacGroup, plural});
  return s;
}

}  // namespace

std::vector<PolicyRule> MissingRules(const std::vector<PolicyRule>& owner,
                                     const std::vector<PolicyRule>& requested) {
  std::vector<PolicyRule> out;
  std::map<std::string, size_t> index;  // (group, resource, name) or (url) -> entry of `out`
  for (const auto& rule : requested) {
    for (const Simple& s : Breakdown(rule)) {
      bool covered = std::any_of(owner.begin(), owner.end(),
                                 [&](const PolicyRule& o) { return Covers(o, s); });
      if (covered) continue;
      std::string key = s.non_resource ? "\n" + s.url : s.group + "\n" + s.resource + "\n" + s.name;
      auto [it, inserted] = index.try_emplace(key, out.size());
      if (inserted) {
        PolicyRule missing;
        if (s.non_resource) {
          missing.non_resource_urls = {s.url};
        } else {
          missing.api_groups = {s.group};
          missing.resources = {s.resource};
          if (!s.name.empty()) missing.resource_names = {s.name};
        }
        out.push_back(std::move(missing));
      }
      PolicyRule& entry = out[it->second];
      if (!Has(entry.verbs, s.verb)) entry.verbs.push_back(s.verb);
    }
  }
  return out;
}

std::vector<std::string> UncoveredRules(const std::vector<PolicyRule>& owner,
                                        const std::vector<PolicyRule>& requested) {
  std::vector<std::string> out;
  for (const PolicyRule& r : MissingRules(owner, requested)) {
    std::string text = "{";
    if (!r.non_resource_urls.empty()) {
      text += "NonResourceURLs:" + Quoted(r.non_resource_urls);
    } else {
      text += "APIGroups:" + Quoted(r.api_groups) + ", Resources:" + Quoted(r.resources);
      if (!r.resource_names.empty()) text += ", ResourceNames:" + Quoted(r.resource_names);
    }
    out.push_back(text + ", Verbs:" + Quoted(r.verbs) + "}");
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status CheckEscalation(Authorizer& authorizer, const UserInfo& user, const std::string& plural,
                       const std::string& ns, const rapidjson::Value& obj,
                       const RoleRulesFn& role_rules) {
  if (user.InGroup(kSystemMasters)) return Status::OK();
  std::string name = api::GetString(obj, {"metadata", "name"});
  auto allowed = [&](const std::string& verb, const std::string& resource,
                     const std::string& resource_name) {
    Attributes a;
    a.user = &user;
    a.verb = verb;
    a.resource_request = true;
    a.api_group = kRbacGroup;
    a.resource = resource;
    a.ns = ns;
    a.name = resource_name;
    std::string reason;
    return authorizer.Allowed(a, &reason);
  };
  std::vector<PolicyRule> requested;
  if (plural == "roles" || plural == "clusterroles") {
    if (allowed("escalate", plural, name)) return Status::OK();
    if (plural == "clusterroles" && api::FindMember(obj, "aggregationRule")) {
      requested = FullAuthority();
    } else if (const auto* rules = api::FindMember(obj, "rules"); rules && rules->IsArray()) {
      for (const auto& r : rules->GetArray()) requested.push_back(ParsePolicyRule(r));
    }
  } else if (plural == "rolebindings" || plural == "clusterrolebindings") {
    std::string kind = api::GetString(obj, {"roleRef", "kind"});
    std::string role = api::GetString(obj, {"roleRef", "name"});
    if (allowed("bind", kind == "Role" ? "roles" : "clusterroles", role)) return Status::OK();
    TK_ASSIGN_OR_RETURN(requested, role_rules(kind, kind == "Role" ? ns : "", role));
  } else {
    return Status::OK();
  }
  std::vector<std::string> missing = UncoveredRules(authorizer.RulesFor(user, ns).rules, requested);
  if (missing.empty()) return Status::OK();
  std::string why = "user \"" + user.name + "\" (groups=" + Quoted(user.groups) +
                    ") is attempting to grant RBAC permissions not currently held:";
  for (const auto& m : missing) why += "\n" + m;
  return Forbidden(plural, name, why);
}

}  // namespace tinyk8s::apiserver::auth
