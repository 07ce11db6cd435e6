#include "apiserver/auth/node_authorizer.h"

#include "api/json.h"
#include "apiserver/object_lookup.h"

namespace tinyk8s::apiserver::auth {

namespace {
bool IsRead(const std::string& verb) { return verb == "get" || verb == "list" || verb == "watch"; }
bool IsWrite(const std::string& verb) {
  return verb == "update" || verb == "patch" || verb == "delete";
}
bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
// BodyField reads a string field of a JSON request body ("" if absent or not JSON).
std::string BodyField(const std::string* body, std::initializer_list<std::string_view> path) {
  if (!body) return "";
  auto doc = api::ParseJson(*body);
  return doc.ok() ? api::GetString(*doc, path) : std::string();
}
}  // namespace

bool NodeOwner::Owns(const std::string& node) const {
  if (!exact.empty()) return node == exact;
  if (prefix.empty() || node.size() <= prefix.size() || !StartsWith(node, prefix)) return false;
  for (size_t i = prefix.size(); i < node.size(); ++i) {
    if (node[i] < '0' || node[i] > '9') return false;
  }
  return true;
}

bool NodeOwnerOf(const UserInfo& user, NodeOwner* owner) {
  if (user.InGroup(kNodesGroup) && StartsWith(user.name, kNodeUserPrefix)) {
    owner->exact = user.name.substr(std::string_view(kNodeUserPrefix).size());
    return !owner->exact.empty();
  }
  if (user.InGroup(kNodeAgentsGroup) && StartsWith(user.name, kNodeAgentUserPrefix)) {
    owner->prefix = user.name.substr(std::string_view(kNodeAgentUserPrefix).size());
    return !owner->prefix.empty();
  }
  return false;
}

std::string NodeAuthorizer::PodNode(const std::string& ns, const std::string& name) {
  const ResourceInfo* pods = lookup_.Resource("", "pods");
  if (!pods) return "";
  auto pod = lookup_.Find(*pods, ns, name);
  return pod ? api::GetString(*pod, {"spec", "nodeName"}) : std::string();
}

Decision NodeAuthorizer::Authorize(const Attributes& a, std::string* reason) {
  NodeOwner owner;
  if (!NodeOwnerOf(*a.user, &owner)) return Decision::kNoOpinion;
  if (!a.resource_request) return Decision::kNoOpinion;
  const std::string& g = a.api_group;
  const std::string& r = a.resource;
  const std::string& v = a.verb;
  auto deny = [&](const std::string& why) {
    *reason = why;
    return Decision::kNoOpinion;
  };
  if (g.empty() && r == "nodes") {
    if (IsRead(v)) return Decision::kAllow;
    std::string node = v == "create" ? BodyField(a.body, {"metadata", "name"}) : a.name;
    if ((v == "create" && a.subresource.empty()) || IsWrite(v)) {
      if (owner.Owns(node)) return Decision::kAllow;
      return deny("node identity " + a.user->name + " cannot modify node " + node);
    }
    return Decision::kNoOpinion;
  }
  if (g.empty() && r == "pods") {
    if (IsRead(v) && a.subresource.empty()) return Decision::kAllow;
    if (v == "create" && a.subresource.empty()) {
      // Mirror pods of static pods: only bound to this node.
      if (owner.Owns(BodyField(a.body, {"spec", "nodeName"}))) return Decision::kAllow;
      return deny("can only create pods with spec.nodeName set to itself");
    }
    bool status_write = a.subresource == "status" && (v == "update" || v == "patch" || v == "get");
    bool delete_pod = a.subresource.empty() && v == "delete";
    bool evict = a.subresource == "eviction" && v == "create";
    if (status_write || delete_pod || evict) {
      if (owner.Owns(PodNode(a.ns, a.name))) return Decision::kAllow;
      return deny("no relationship found between node identity " + a.user->name + " and this pod");
    }
    return Decision::kNoOpinion;
  }
  if (g == "coordination.k8s.io" && r == "leases") {
    if (a.ns != "kube-node-lease") return deny("can only access leases in kube-node-lease");
    if (IsRead(v) && a.name.empty()) return Decision::kAllow;
    std::string name = v == "create" ? BodyField(a.body, {"metadata", "name"}) : a.name;
    if (owner.Owns(name)) return Decision::kAllow;
    return deny("can only access its own node leases");
  }
  if ((g.empty() || g == "events.k8s.io") && r == "events") {
    if (v == "create" || v == "update" || v == "patch") return Decision::kAllow;
    return Decision::kNoOpinion;
  }
  bool readable = (g.empty() && (r == "services" || r == "endpoints" || r == "namespaces")) ||
                  (g == "discovery.k8s.io" && r == "endpointslices");
  if (readable && IsRead(v) && a.subresource.empty()) return Decision::kAllow;
  return Decision::kNoOpinion;
}

}  // namespace tinyk8s::apiserver::auth
