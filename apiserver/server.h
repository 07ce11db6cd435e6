#pragma once
// ApiServer: the Kubernetes API server on a revisioned store. Owns the store (SQLite in the data
// directory), the watch cache, the registry, the object service and the HTTP server. Start()
// returns once it serves (readyz is 200). Used by `tinyk8s apiserver|server` and by in-process
// integration tests.

#include <memory>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status.h"

namespace tinyk8s::apiserver {

struct ApiServerOptions {
  std::string data_dir = "./tinyk8s-data";
  bool durable = true;  // false for --ephemeral: no fsync
  std::string host = "127.0.0.1";
  uint16_t port = 6443;  // 0 = any free port
  int worker_threads = 64;
  std::string service_cidr = "10.43.0.0/16";  // ClusterIPs are allocated from here
};

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  uint16_t port() const;
  // URL clients use: http://host:port.
  std::string url() const;
  // Stop stops serving (open watches end) and closes the store. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinyk8s::apiserver
