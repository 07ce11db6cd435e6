#pragma once
// The imagePullPolicy upstream defaults a container to from its image reference. Shared by the
// API server's pod defaulting and the simulated kubelet (which words its pull events by it).

#include <string_view>

namespace tinyk8s::api {

// DefaultImagePullPolicy: Always for ":latest" or an untagged image without digest (POD-3),
// IfNotPresent otherwise.
const char* DefaultImagePullPolicy(std::string_view image);

}  // namespace tinyk8s::api
