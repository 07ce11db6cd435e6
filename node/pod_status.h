#pragma once
// What a simulated kubelet reports for a pod: the resources and host ports it claims (for the
// kubelet-side admission check) and the pod status it writes (Running with IPs, container
// statuses and conditions; or Failed).

#include <rapidjson/document.h>

#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace tinyk8s::node {

struct PodDemand {
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  std::vector<std::pair<int64_t, std::string>> host_ports;  // (port, protocol)
};

// DemandOf sums container requests (max with init containers, like the scheduler) and collects
// host ports.
PodDemand DemandOf(const rapidjson::Value& pod);

struct RunningState {
  std::string host_ip;
  std::string pod_ip;
  bool ready = false;  // containers ready (readiness delay over, no unready fault)
  // Containers whose image cannot be pulled wait in ImagePullBackOff; false: the pull has
  // just failed (ErrImagePull).
  bool pull_backing_off = true;
};

// ImageCannotBePulled: images tagged `non-existent` (upstream e2e uses foo:non-existent) stand
// for images no registry has (SIM-2).
bool ImageCannotBePulled(const std::string& image);

// ImagePullError: what containerd answers when `image` is not in any registry ("rpc error: code =
// NotFound desc = failed to pull and unpack image ...: not found").
std::string ImagePullError(const std::string& image);
// HasUnpullableImage: some init container or container of `pod` has an image that cannot be
// pulled.
bool HasUnpullableImage(const rapidjson::Value& pod);

// NormalizedImageName: an image reference as containerd names it (docker.io/library/nginx:1.0
// for nginx:1.0, docker.io/prom/node-exporter:latest for prom/node-exporter).
std::string NormalizedImageName(const std::string& image);

// RunningStatusPatch returns a merge patch {"status":{...}} that makes `pod` Running, keeping the
// times already recorded in its status (startTime, condition transitions, restart counts). A
// container whose image cannot be pulled is Waiting (ImagePullBackOff, or ErrImagePull right
// after a pull) and the pod stays Pending and unready.
rapidjson::Document RunningStatusPatch(const rapidjson::Value& pod, const RunningState& state,
                                       Clock::TimePoint now);

// FailedStatusPatch marks the pod Failed (kubelet admission rejection or an injected fault).
rapidjson::Document FailedStatusPatch(const rapidjson::Value& pod, const std::string& reason,
                                      const std::string& message, Clock::TimePoint now);

// StatusChanged reports whether applying `patch` would change the pod's status as the API server
// stores it (null members pruned), so that each transition is written once.
bool StatusChanged(const rapidjson::Value& pod, const rapidjson::Value& patch);

}  // namespace tinyk8s::node
