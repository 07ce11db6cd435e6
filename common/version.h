#pragma once
// The Kubernetes release tinyk8s emulates: what the API server reports at /version and what its
// co-processes put in their User-Agent, so that both look like the upstream components.

#include <string>
#include <string_view>

namespace tinyk8s {

// Served as gitVersion/gitCommit at /version. The "-tinyk8s" suffix marks the build; clients cut
// it off as upstream's client-go does for "-alpha"/"-beta" suffixes.
inline constexpr std::string_view kKubernetesGitVersion = "v1.32.0-tinyk8s";
inline constexpr std::string_view kKubernetesGitCommit = "0000000000000000000000000000000000000000";

// "linux/amd64": the GOOS/GOARCH pair a Go build of this machine would report.
std::string_view Platform();

// KubernetesUserAgent is the User-Agent client-go's rest.DefaultKubernetesUserAgent would send
// from a binary named `command`: "kubelet/v1.32.0 (linux/amd64) kubernetes/0000000" (version cut
// at its first '-', commit cut to 7 characters). A non-empty `suffix` is appended after a '/',
// as rest.AddUserAgent does ("kube-scheduler/... kubernetes/0000000/scheduler"). The API server
// names a client's writes after the part before the first '/'.
std::string KubernetesUserAgent(std::string_view command, std::string_view suffix = "");

}  // namespace tinyk8s
