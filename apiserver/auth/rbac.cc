#include "apiserver/auth/rbac.h"

#include <algorithm>
#include <unordered_map>

#include "api/json.h"
#include "apiserver/auth/service_account_token.h"
#include "apiserver/watch_cache.h"
#include "common/logging.h"

namespace tinyk8s::apiserver::auth {

namespace {

constexpr const char* kRbacPrefix = "/registry/rbac.authorization.k8s.io/";

std::vector<std::string> Strings(const rapidjson::Value& obj, const char* field) {
  std::vector<std::string> out;
  const rapidjson::Value* v = api::FindMember(obj, field);
  if (!v || !v->IsArray()) return out;
  for (const auto& s : v->GetArray()) {
    if (s.IsString()) out.emplace_back(s.GetString(), s.GetStringLength());
  }
  return out;
}

bool Has(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}
bool HasOrStar(const std::vector<std::string>& list, std::string_view value) {
  for (const auto& s : list) {
    if (s == "*" || s == value) return true;
  }
  return false;
}

struct Subject {
  std::string kind, name, ns;
};

struct Binding {
  std::string ns;  // "" for ClusterRoleBindings
  std::string role_kind, role_name;
  std::vector<Subject> subjects;

  bool AppliesTo(const UserInfo& user) const {
    for (const auto& s : subjects) {
      if (s.kind == "User" && s.name == user.name) return true;
      if (s.kind == "Group" && user.InGroup(s.name)) return true;
      if (s.kind == "ServiceAccount") {
        // As upstream: the binding's namespace by default; without one, no account matches.
        std::string sa_ns = s.ns.empty() ? ns : s.ns;
        if (!sa_ns.empty() && user.name == ServiceAccountUserName(sa_ns, s.name)) return true;
      }
    }
    return false;
  }
};

Binding ParseBinding(const rapidjson::Value& obj) {
  Binding b;
  b.ns = api::GetString(obj, {"metadata", "namespace"});
  b.role_kind = api::GetString(obj, {"roleRef", "kind"});
  b.role_name = api::GetString(obj, {"roleRef", "name"});
  if (const auto* subjects = api::FindMember(obj, "subjects"); subjects && subjects->IsArray()) {
    for (const auto& s : subjects->GetArray()) {
      b.subjects.push_back({api::GetString(s, {"kind"}), api::GetString(s, {"name"}),
                            api::GetString(s, {"namespace"})});
    }
  }
  return b;
}

std::vector<PolicyRule> ParseRules(const rapidjson::Value& role) {
  std::vector<PolicyRule> rules;
  if (const auto* r = api::FindMember(role, "rules"); r && r->IsArray()) {
    for (const auto& rule : r->GetArray()) rules.push_back(ParsePolicyRule(rule));
  }
  return rules;
}

}  // namespace

PolicyRule ParsePolicyRule(const rapidjson::Value& rule) {
  return {Strings(rule, "verbs"), Strings(rule, "apiGroups"), Strings(rule, "resources"),
          Strings(rule, "resourceNames"), Strings(rule, "nonResourceURLs")};
}

bool RuleAllows(const Attributes& a, const PolicyRule& rule) {
  if (!HasOrStar(rule.verbs, a.verb)) return false;
  if (!a.resource_request) {
    for (const auto& url : rule.non_resource_urls) {
      if (url == "*" || url == a.path) return true;
      if (!url.empty() && url.back() == '*' &&
          a.path.compare(0, url.size() - 1, url, 0, url.size() - 1) == 0) {
        return true;
      }
    }
    return false;
  }
  if (!HasOrStar(rule.api_groups, a.api_group)) return false;
  std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  bool resource_ok = false;
  for (const auto& r : rule.resources) {
    if (r == "*" || r == combined ||
        (!a.subresource.empty() && r.size() == a.subresource.size() + 2 &&
         r.compare(0, 2, "*/") == 0 && r.compare(2, std::string::npos, a.subresource) == 0)) {
      resource_ok = true;
      break;
    }
  }
  if (!resource_ok) return false;
  return rule.resource_names.empty() || Has(rule.resource_names, a.name);
}

// The rules that apply to one user, pointing into the snapshot that owns them.
struct RbacAuthorizer::UserRules {
  std::vector<const PolicyRule*> cluster;
  std::unordered_map<std::string, std::vector<const PolicyRule*>> by_namespace;
};

struct RbacAuthorizer::Snapshot {
  uint64_t generation = 0;
  std::map<std::string, std::vector<PolicyRule>> cluster_roles;
  std::map<std::string, std::vector<PolicyRule>> roles;  // "ns/name"
  std::vector<Binding> cluster_bindings;
  std::vector<Binding> bindings;
  std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<const UserRules>> users;  // guarded by mu

  const std::vector<PolicyRule>* RoleRules(const Binding& b) const {
    if (b.role_kind == "ClusterRole") {
      auto it = cluster_roles.find(b.role_name);
      return it == cluster_roles.end() ? nullptr : &it->second;
    }
    if (b.role_kind == "Role" && !b.ns.empty()) {
      auto it = roles.find(b.ns + "/" + b.role_name);
      return it == roles.end() ? nullptr : &it->second;
    }
    return nullptr;
  }

  std::shared_ptr<const UserRules> Collect(const UserInfo& user) const {
    auto out = std::make_shared<UserRules>();
    for (const auto& b : cluster_bindings) {
      if (b.role_kind != "ClusterRole" || !b.AppliesTo(user)) continue;
      if (const auto* rules = RoleRules(b)) {
        for (const auto& r : *rules) out->cluster.push_back(&r);
      }
    }
    for (const auto& b : bindings) {
      if (!b.AppliesTo(user)) continue;
      if (const auto* rules = RoleRules(b)) {
        auto& dst = out->by_namespace[b.ns];
        for (const auto& r : *rules) dst.push_back(&r);
      }
    }
    return out;
  }
};

// Invalidator bumps a generation on every RBAC change the watch cache delivers.
class RbacAuthorizer::Invalidator final : public CacheWatcher {
 public:
  bool Deliver(const std::vector<const CacheEvent*>&) override {
    generation.fetch_add(1);
    return true;
  }
  void Closed(const Status&) override {
    closed.store(true);
    generation.fetch_add(1);
  }
  std::atomic<uint64_t> generation{1};
  std::atomic<bool> closed{true};
};

RbacAuthorizer::RbacAuthorizer(WatchCache& cache)
    : cache_(cache), invalidator_(std::make_shared<Invalidator>()) {
  EnsureWatching();
}

RbacAuthorizer::~RbacAuthorizer() { cache_.Unwatch(invalidator_.get()); }

void RbacAuthorizer::EnsureWatching() {
  if (!invalidator_->closed.exchange(false)) return;
  auto started = cache_.Watch(kRbacPrefix, std::nullopt, invalidator_);
  if (!started.ok()) {
    invalidator_->closed.store(true);
    TK_LOG_WARN << "RBAC: cannot watch roles and bindings: " << started.status().message();
  }
}

std::shared_ptr<RbacAuthorizer::Snapshot> RbacAuthorizer::CurrentSnapshot() {
  EnsureWatching();
  std::lock_guard lock(mu_);
  uint64_t generation = invalidator_->generation.load();
  if (snapshot_ && snapshot_->generation == generation) return snapshot_;
  auto snap = std::make_shared<Snapshot>();
  snap->generation = generation;
  for (const auto& obj : cache_.List(kRbacPrefix, nullptr)) {
    auto parsed = obj->Doc();
    const rapidjson::Value& doc = *parsed;
    std::string kind = api::GetString(doc, {"kind"});
    std::string name = api::GetString(doc, {"metadata", "name"});
    if (kind == "ClusterRole") {
      snap->cluster_roles[name] = ParseRules(doc);
    } else if (kind == "Role") {
      snap->roles[api::GetString(doc, {"metadata", "namespace"}) + "/" + name] = ParseRules(doc);
    } else if (kind == "ClusterRoleBinding") {
      snap->cluster_bindings.push_back(ParseBinding(doc));
    } else if (kind == "RoleBinding") {
      snap->bindings.push_back(ParseBinding(doc));
    }
  }
  snapshot_ = snap;
  return snap;
}

std::shared_ptr<const RbacAuthorizer::UserRules> RbacAuthorizer::UserRulesIn(Snapshot& snap,
                                                                             const UserInfo& user) {
  std::string key = user.name;
  for (const auto& g : user.groups) key += "\n" + g;
  {
    std::lock_guard lock(snap.mu);
    auto it = snap.users.find(key);
    if (it != snap.users.end()) return it->second;
  }
  auto rules = snap.Collect(user);
  std::lock_guard lock(snap.mu);
  snap.users.emplace(key, rules);
  return rules;
}

std::vector<PolicyRule> RbacAuthorizer::RulesFor(const UserInfo& user, const std::string& ns) {
  auto snap = CurrentSnapshot();  // keeps the rules the pointers refer to alive
  auto rules = UserRulesIn(*snap, user);
  std::vector<PolicyRule> out;
  for (const PolicyRule* r : rules->cluster) out.push_back(*r);
  if (auto it = rules->by_namespace.find(ns); !ns.empty() && it != rules->by_namespace.end()) {
    for (const PolicyRule* r : it->second) out.push_back(*r);
  }
  return out;
}

Decision RbacAuthorizer::Authorize(const Attributes& a, std::string* /*reason*/) {
  auto snap = CurrentSnapshot();
  auto rules = UserRulesIn(*snap, *a.user);
  for (const PolicyRule* r : rules->cluster) {
    if (RuleAllows(a, *r)) return Decision::kAllow;
  }
  if (a.resource_request && !a.ns.empty()) {
    auto it = rules->by_namespace.find(a.ns);
    if (it != rules->by_namespace.end()) {
      for (const PolicyRule* r : it->second) {
        if (RuleAllows(a, *r)) return Decision::kAllow;
      }
    }
  }
  return Decision::kNoOpinion;
}

}  // namespace tinyk8s::apiserver::auth
