#include "client/server_url.h"

namespace tinyk8s::client::internal {

Result<ServerUrl> ParseServerUrl(const std::string& server, const std::string& tls_server_name) {
  ServerUrl url;
  std::string rest;
  if (server.rfind("https://", 0) == 0) {
    url.tls = true;
    rest = server.substr(8);
  } else if (server.rfind("http://", 0) == 0) {
    rest = server.substr(7);
  } else {
    return Status::Invalid("server URL must start with http:// or https://: \"" + server + "\"");
  }
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  if (slash != std::string::npos) {
    url.base_path = rest.substr(slash);
    while (!url.base_path.empty() && url.base_path.back() == '/') url.base_path.pop_back();
  }
  if (hostport.empty()) return Status::Invalid("server URL has no host: \"" + server + "\"");
  HttpTarget& t = url.target;
  if (!SplitHostPort(hostport, &t.host, &t.port)) {
    return Status::Invalid("bad IPv6 host in \"" + server + "\"");
  }
  if (t.port.empty()) t.port = url.tls ? "443" : "80";
  for (char c : t.port) {
    if (c < '0' || c > '9') return Status::Invalid("bad port in server URL \"" + server + "\"");
  }
  url.host_header = hostport;
  t.server_name = !tls_server_name.empty() ? tls_server_name : (IsIpAddress(t.host) ? "" : t.host);
  return url;
}

}  // namespace tinyk8s::client::internal
