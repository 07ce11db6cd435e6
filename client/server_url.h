#pragma once
// ServerUrl (internal to RestClient): where RestConfig::server points, parsed.

#include <string>

#include "common/http_connection.h"
#include "common/status.h"

namespace tinyk8s::client::internal {

struct ServerUrl {
  bool tls = false;
  std::string base_path;    // "" or "/prefix" (no trailing slash)
  std::string host_header;  // host[:port] as written in the URL
  // host, port (default 443 or 80) and the TLS name to verify: `tls_server_name` if given,
  // else the host unless it is an IP address.
  HttpTarget target;
};
Result<ServerUrl> ParseServerUrl(const std::string& server, const std::string& tls_server_name);

}  // namespace tinyk8s::client::internal
