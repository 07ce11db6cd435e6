#pragma once
// ApiServer: the Kubernetes API server on a revisioned store. Owns the store (SQLite in the data
// directory, or an etcd cluster shared with other API servers), the watch cache, the registry, the
// object service and the HTTP server. Start() returns once it serves (readyz is 200). Used by
// `tinyk8s apiserver|server` and by in-process integration tests.

#include <memory>
#include <string>
#include <thread>
#include <vector>

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

  // Storage: "sqlite" (DATA_DIR/state.db) or "etcd" (etcd_endpoints, every key under
  // etcd_prefix; several API servers may share one cluster and prefix).
  std::string storage = "sqlite";
  std::vector<std::string> etcd_endpoints;
  std::string etcd_prefix;
  std::string etcd_ca_file;    // TLS to etcd (https:// endpoints): CA of the members...
  std::string etcd_cert_file;  // ...and this server's client certificate and key
  std::string etcd_key_file;

  // Security. By default the server speaks TLS with a certificate from the cluster CA in
  // DATA_DIR/pki (created on first start) and accepts client certificates from that CA.
  // insecure_http serves plain HTTP instead (loopback hosts only); requests without credentials
  // then act as the superuser "system:unsecured", like upstream's former insecure port.
  bool insecure_http = false;
  std::vector<std::string> tls_sans;  // extra serving certificate names or IPs
  std::string tls_cert_file;          // replace the generated serving certificate...
  std::string tls_private_key_file;   // ...and its key
  std::string client_ca_file;         // trust client certificates from this CA instead
  std::string token_auth_file;        // static bearer tokens (upstream CSV format)
  // Service-account tokens: signed with DATA_DIR/pki/sa.key (created on first start) unless a
  // P-256 key is given (several API servers on one etcd need the same key), for this issuer
  // (default https://kubernetes.default.svc.cluster.local) and these API audiences (default:
  // the issuer).
  std::string service_account_signing_key_file;
  std::string service_account_issuer;
  std::vector<std::string> api_audiences;

  // Admission. The ServiceAccount plugin (pods run as an existing account and get its API
  // credentials mounted) needs the controller manager to create each namespace's "default"
  // account; without one it would refuse every pod (upstream's --disable-admission-plugins).
  bool service_account_admission = true;
};

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  uint16_t port() const;
  // URL clients use: https://host:port (http:// with insecure_http).
  std::string url() const;
  // PEM of the CA clients should trust for the serving certificate ("" with insecure_http or a
  // user-provided certificate, whose CA the server does not know).
  std::string ca_pem() const;
  // Stop stops serving (open watches end) and closes the store. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinyk8s::apiserver
