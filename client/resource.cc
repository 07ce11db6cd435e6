#include "client/resource.h"

#include "api/meta.h"

namespace tinyk8s::client {
namespace {

// Percent-escapes a path segment (names are DNS labels in practice; be safe anyway).
void AppendSegment(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  out += '/';
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '@') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

}  // namespace

std::string Resource::ApiVersion() const { return group.empty() ? version : group + "/" + version; }

std::string Resource::GroupResource() const {
  return group.empty() ? plural : plural + "." + group;
}

std::string Resource::Path(std::string_view ns, std::string_view name,
                           std::string_view subresource) const {
  std::string out = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) {
    out += "/namespaces";
    AppendSegment(out, ns);
  }
  out += '/';
  out += plural;
  if (!name.empty()) {
    AppendSegment(out, name);
    if (!subresource.empty()) {
      out += '/';
      out += subresource;
    }
  }
  return out;
}

namespace resources {

#define TK_RESOURCE(fn, g, v, p, k, n)                      \
  const Resource& fn() {                                    \
    static const Resource* r = new Resource{g, v, p, k, n}; \
    return *r;                                              \
  }
TK_RESOURCE(Pods, "", "v1", "pods", "Pod", true)
TK_RESOURCE(Nodes, "", "v1", "nodes", "Node", false)
TK_RESOURCE(Namespaces, "", "v1", "namespaces", "Namespace", false)
TK_RESOURCE(Services, "", "v1", "services", "Service", true)
TK_RESOURCE(Endpoints, "", "v1", "endpoints", "Endpoints", true)
TK_RESOURCE(ConfigMaps, "", "v1", "configmaps", "ConfigMap", true)
TK_RESOURCE(ServiceAccounts, "", "v1", "serviceaccounts", "ServiceAccount", true)
TK_RESOURCE(Events, "", "v1", "events", "Event", true)
TK_RESOURCE(DaemonSets, "apps", "v1", "daemonsets", "DaemonSet", true)
TK_RESOURCE(ControllerRevisions, "apps", "v1", "controllerrevisions", "ControllerRevision", true)
TK_RESOURCE(EndpointSlices, "discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true)
TK_RESOURCE(Leases, "coordination.k8s.io", "v1", "leases", "Lease", true)
TK_RESOURCE(PriorityClasses, "scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false)
#undef TK_RESOURCE

const Resource* FindByKind(std::string_view api_version, std::string_view kind) {
  for (const Resource* r :
       {&Pods(), &Nodes(), &Namespaces(), &Services(), &Endpoints(), &ConfigMaps(),
        &ServiceAccounts(), &Events(), &DaemonSets(), &ControllerRevisions(), &EndpointSlices(),
        &Leases(), &PriorityClasses()}) {
    if (r->kind == kind && r->ApiVersion() == api_version) return r;
  }
  return nullptr;
}

}  // namespace resources

std::string ObjectKey::ToString() const { return ns.empty() ? name : ns + "/" + name; }

ObjectKey ObjectKey::Parse(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

ObjectKey ObjectKey::Of(const rapidjson::Value& obj) {
  return {api::Namespace(obj), api::Name(obj)};
}

}  // namespace tinyk8s::client
