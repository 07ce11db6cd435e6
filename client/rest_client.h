#pragma once
// RestClient: Client over HTTP/1.1 (plain or TLS) to one API server, with a keep-alive
// connection pool shared by all calling threads. Each request is synchronous for its caller;
// watches get their own connections. Safe for concurrent use; one instance per process is
// meant to serve every informer, controller and recorder in it.

#include <chrono>
#include <memory>

#include "client/client.h"
#include "client/kubeconfig.h"

namespace tinyk8s::client {

struct RestClientOptions {
  // Per-request deadline (connect + write + full response). Watches are exempt once the
  // response headers arrived.
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds connect_timeout{5000};
  // Client-side rate limit (token bucket); qps <= 0 disables it (the default: we want speed).
  double qps = 0;
  int burst = 0;
  // Idle connections kept for reuse.
  size_t max_idle_connections = 128;
};

class RestClient final : public Client {
 public:
  // Create validates the config (URL scheme/host/port, PEM data) and builds the TLS context.
  // Does not connect. kInvalid on a bad URL or unparsable certificates/keys.
  static Result<std::unique_ptr<RestClient>> Create(const RestConfig& config,
                                                    const RestClientOptions& options = {});
  // FromKubeconfig: LoadKubeconfig(path) with `user_agent`, then Create; how the co-process
  // mains connect. Errors keep their codes; messages say which step failed ("cannot load
  // kubeconfig <path>: ...", "cannot create a client: ...").
  static Result<std::unique_ptr<RestClient>> FromKubeconfig(const std::string& path,
                                                            const std::string& user_agent,
                                                            const RestClientOptions& options = {});
  ~RestClient() override;
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // Raw request for endpoints outside Client (e.g. "/readyz", "/version"). Returns the HTTP
  // status and body; transport failures as Status. `content_type` applies to a non-empty body.
  struct RawResponse {
    unsigned status = 0;
    std::string body;
  };
  Result<RawResponse> Raw(std::string_view method, std::string_view target,
                          std::string_view body = "",
                          std::string_view content_type = "application/json");

  // client::Client
  Result<ObjectPtr> Get(const Resource& r, std::string_view ns, std::string_view name) override;
  Result<ObjectPtr> GetSubresource(const Resource& r, std::string_view ns, std::string_view name,
                                   std::string_view subresource) override;
  Result<ObjectList> List(const Resource& r, std::string_view ns,
                          const ListOptions& options = {}) override;
  Result<ObjectPtr> Create(const Resource& r, std::string_view ns, const rapidjson::Value& obj,
                           const WriteOptions& options = {}) override;
  Result<ObjectPtr> CreateSubresource(const Resource& r, std::string_view ns, std::string_view name,
                                      std::string_view subresource,
                                      const rapidjson::Value& body) override;
  Result<ObjectPtr> Update(const Resource& r, const rapidjson::Value& obj,
                           std::string_view subresource = "",
                           const WriteOptions& options = {}) override;
  Result<ObjectPtr> Patch(const Resource& r, std::string_view ns, std::string_view name,
                          PatchType type, std::string_view patch, std::string_view subresource = "",
                          const WriteOptions& options = {}) override;
  Result<ObjectPtr> Delete(const Resource& r, std::string_view ns, std::string_view name,
                           const DeleteOptions& options = {}) override;
  Result<std::unique_ptr<WatchStream>> Watch(const Resource& r, std::string_view ns,
                                             const WatchOptions& options = {}) override;

 private:
  struct Impl;
  explicit RestClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinyk8s::client
