#pragma once
// Discovery documents generated from the registry: legacy (/api, /api/v1, /apis, /apis/g,
// /apis/g/v) and aggregated (apidiscovery.k8s.io v2 and v2beta1), negotiated from Accept the
// way kubectl expects (docs/kubectl-surface.md section 2.1). Built once; immutable.

#include <optional>
#include <string>

#include "apiserver/http_server.h"
#include "apiserver/registry.h"

namespace tinyk8s::apiserver {

class Discovery {
 public:
  Discovery(const Registry& registry, std::string server_address);
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
  std::string server_address_;
};

}  // namespace tinyk8s::apiserver
