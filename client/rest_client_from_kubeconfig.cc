// RestClient::FromKubeconfig, kept apart from the transport code in rest_client.cc.
#include "client/rest_client.h"

namespace tinyk8s::client {

Result<std::unique_ptr<RestClient>> RestClient::FromKubeconfig(const std::string& path,
                                                               const std::string& user_agent,
                                                               const RestClientOptions& options) {
  auto config = LoadKubeconfig(path);
  if (!config.ok()) {
    return Status(config.status().code(),
                  "cannot load kubeconfig " + path + ": " + config.status().message());
  }
  config->user_agent = user_agent;
  auto client = Create(*config, options);
  if (!client.ok()) {
    return Status(client.status().code(), "cannot create a client: " + client.status().message());
  }
  return client;
}

}  // namespace tinyk8s::client
