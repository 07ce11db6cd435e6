#pragma once
// Discovery documents generated from the registry: legacy (/api, /api/v1, /apis, /apis/g,
// /apis/g/v) and aggregated (apidiscovery.k8s.io v2 and v2beta1), negotiated from Accept the
// way kubectl expects (docs/kubectl-surface.md section 2.1). Built once; immutable.

#include <functional>
#include <optional>
#include <string>

#include "apiserver/http_server.h"
#include "apiserver/registry.h"

namespace tinyk8s::apiserver {

class Discovery {
 public:
  // server_address gives the HOST:PORT clients are told to use (serverAddressByClientCIDRs); it
  // is asked per request because a server listening on port 0 learns its port after this.
  using AddressFn = std::function<std::string()>;
  Discovery(const Registry& registry, AddressFn server_address);
  // Handle answers a discovery path (/api, /api/v1, /apis, /apis/g, /apis/g/v); nullopt if the
  // path is not a discovery document.
  std::optional<HttpResponse> Handle(const std::string& path, const std::string& accept) const;

 private:
  std::string LegacyVersions() const;
  std::string GroupList() const;
  std::string Group(const GroupVersions& g) const;
  std::string ResourceList(const std::string& group, const std::string& version) const;
  std::string Aggregated(bool core, const char* version) const;

  const Registry& registry_;
  AddressFn server_address_;
};

}  // namespace tinyk8s::apiserver
