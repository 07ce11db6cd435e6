#pragma once
// What a Service's EndpointSlices and legacy Endpoints should contain, computed from the
// Service and its pods (behavior-spec section 6, EPS-1..5; upstream
// pkg/controller/endpointslice/reconciler.go + utils.go, pkg/controller/endpoint). Pure
// functions over JSON; thread-safe.

#include <rapidjson/document.h>

#include <functional>
#include <string>
#include <vector>

#include "client/resource.h"

namespace tinyk8s::controllers::endpointslice {

inline constexpr char kServiceNameLabel[] = "kubernetes.io/service-name";
inline constexpr char kManagedByLabel[] = "endpointslice.kubernetes.io/managed-by";
inline constexpr char kControllerName[] = "endpointslice-controller.k8s.io";
inline constexpr char kHeadlessLabel[] = "service.kubernetes.io/headless";
inline constexpr size_t kMaxEndpointsPerSlice = 100;

// SelectorMatches: every key=value of a Service's spec.selector map is among `labels`.
bool SelectorMatches(const rapidjson::Value& selector, const rapidjson::Value* labels);

struct SlicePort {
  std::string name;
  std::string protocol;
  int32_t port = 0;
  std::string app_protocol;
  bool operator==(const SlicePort&) const = default;
};

struct DesiredEndpoint {
  std::string ip;
  bool ready = false, serving = false, terminating = false;
  std::string node_name, zone, hostname;
  std::string pod_namespace, pod_name, pod_uid;
};

// EndpointGroup: endpoints of one address type that share the same resolved ports (EPS-5);
// they go into the same slices.
struct EndpointGroup {
  std::string address_type;  // IPv4 or IPv6
  std::vector<SlicePort> ports;
  std::vector<DesiredEndpoint> endpoints;  // sorted by IP, then pod name
  // Key identifies the group among existing slices (address type + ports).
  std::string Key() const;
};

// ZoneOf returns the topology.kubernetes.io/zone label of a node ("" if unknown).
using ZoneOf = std::function<std::string(const std::string& node_name)>;

// ComputeGroups selects the pods that belong in the Service's endpoints (EPS-2), computes their
// conditions (EPS-3), fields (EPS-4) and resolved ports (EPS-5), grouped per port set.
// `pods` are the pods of the Service's namespace matching its selector.
std::vector<EndpointGroup> ComputeGroups(const rapidjson::Value& service,
                                         const std::vector<client::ObjectPtr>& pods,
                                         const ZoneOf& zone_of);

// SliceLabels: the Service's labels plus the EndpointSlice controller's labels (EPS-1).
void SetSliceLabels(const rapidjson::Value& service, rapidjson::Value& labels,
                    rapidjson::Document::AllocatorType& a);

// FillSlice writes addressType, endpoints and ports of `group` (endpoints [begin, end)) into
// `slice`, and its labels and ownerReference to `service`.
void FillSlice(const rapidjson::Value& service, const EndpointGroup& group, size_t begin,
               size_t end, rapidjson::Document& slice);

// BuildEndpoints builds the legacy Endpoints object of `service` (upstream endpoints
// controller: ready addresses, notReadyAddresses, terminating pods left out unless
// publishNotReadyAddresses).
rapidjson::Document BuildEndpoints(const rapidjson::Value& service,
                                   const std::vector<EndpointGroup>& groups);

}  // namespace tinyk8s::controllers::endpointslice
