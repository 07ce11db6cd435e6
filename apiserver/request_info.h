#pragma once
// RequestInfo: what a request path addresses (cf. upstream apiserver RequestInfoFactory).
// /api/v1/namespaces/{ns}/{resource}/{name}/{subresource}, /apis/{group}/{version}/..., and
// the cluster-scoped forms without namespaces/{ns}.

#include <string>
#include <vector>

namespace tinyk8s::apiserver {

struct RequestInfo {
  bool is_resource = false;        // false for /api, /apis, /apis/g, /apis/g/v (discovery)
  std::vector<std::string> parts;  // path segments after /api or /apis
  bool legacy = false;             // /api (core group)
  std::string group;
  std::string version;
  std::string ns;
  std::string resource;
  std::string name;
  std::string subresource;
  // Deprecated watch paths (/api/v1/watch/namespaces/NS/pods[/NAME]): a watch of the resource,
  // of one object by name when `name` is set. Still served upstream.
  bool legacy_watch = false;
};

// ParseRequestPath parses a decoded URL path. Returns false if it is not under /api or /apis.
bool ParseRequestPath(const std::string& path, RequestInfo* info);

}  // namespace tinyk8s::apiserver
