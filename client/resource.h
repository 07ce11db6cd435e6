#pragma once
// Resource names a kind served by the API (group, version, plural, kind, scope) and builds its
// REST paths; ObjectKey identifies one object ("ns/name", ns empty for cluster-scoped kinds).
// ObjectPtr is how the client library hands out objects: immutable, shared (DESIGN §8.7).
// All types here are value types; thread-compatible.

#include <rapidjson/document.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tinyk8s::client {

// An object as returned by the client, the informer cache and watch events. Never mutate it
// (const): copy with api::CloneDocument to build a modified version.
using ObjectPtr = std::shared_ptr<const rapidjson::Document>;

struct Resource {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string plural;   // "pods"
  std::string kind;     // "Pod"
  bool namespaced = true;

  // "v1" or "apps/v1".
  std::string ApiVersion() const;
  // REST path: /api/v1/namespaces/{ns}/pods/{name}/{subresource}. Empty ns on a namespaced
  // resource gives the all-namespaces collection (/api/v1/pods); empty name the collection;
  // ns is ignored for cluster-scoped resources. Path segments are percent-escaped.
  std::string Path(std::string_view ns = "", std::string_view name = "",
                   std::string_view subresource = "") const;
  // "pods" or "daemonsets.apps": the upstream group-resource string used in messages.
  std::string GroupResource() const;

  bool operator==(const Resource& o) const {
    return group == o.group && version == o.version && plural == o.plural;
  }
};

// Well-known resources served by tinyk8s. Each returns a reference to an immutable object that
// lives for the whole program.
namespace resources {
const Resource& Pods();
const Resource& Nodes();
const Resource& Namespaces();
const Resource& Services();
const Resource& Endpoints();
const Resource& ConfigMaps();
const Resource& ServiceAccounts();
const Resource& Events();  // core/v1 Events
const Resource& DaemonSets();
const Resource& ControllerRevisions();
const Resource& EndpointSlices();
const Resource& Leases();
const Resource& PriorityClasses();
// The resource for an apiVersion + kind among the well-known ones, or nullptr.
const Resource* FindByKind(std::string_view api_version, std::string_view kind);
}  // namespace resources

// ObjectKey is the work-queue and cache key of an object. Hashable and ordered.
struct ObjectKey {
  std::string ns;  // empty for cluster-scoped objects
  std::string name;

  // "ns/name", or "name" when ns is empty (upstream MetaNamespaceKeyFunc).
  std::string ToString() const;
  // Inverse of ToString: "a/b" -> {a, b}, "b" -> {"", b}.
  static ObjectKey Parse(std::string_view key);
  // The key of an object (metadata.namespace, metadata.name).
  static ObjectKey Of(const rapidjson::Value& obj);

  bool operator==(const ObjectKey&) const = default;
  auto operator<=>(const ObjectKey&) const = default;
};

}  // namespace tinyk8s::client

template <>
struct std::hash<tinyk8s::client::ObjectKey> {
  size_t operator()(const tinyk8s::client::ObjectKey& k) const noexcept {
    size_t h = std::hash<std::string>()(k.ns);
    return h ^ (std::hash<std::string>()(k.name) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }
};
