#pragma once
// RestConfig: where and how to reach an API server (URL, TLS trust, client credentials), and
// LoadKubeconfig to read one from a kubeconfig file like kubectl does.

#include <string>

#include "common/status.h"

namespace tinyk8s::client {

struct RestConfig {
  // "https://127.0.0.1:6443" or "http://127.0.0.1:8080". An optional path prefix is kept.
  std::string server;
  // PEM bundle of CAs trusted for the server certificate. Empty: the system default paths.
  std::string ca_data;
  // PEM client certificate and private key for mutual TLS (both or neither).
  std::string client_cert_data;
  std::string client_key_data;
  // Sent as "Authorization: Bearer <token>" when non-empty.
  std::string bearer_token;
  // Skips server certificate verification (kubeconfig insecure-skip-tls-verify). Tests only.
  bool insecure_skip_verify = false;
  // TLS server name override (kubeconfig tls-server-name); default: the host of `server`.
  std::string tls_server_name;
  // User-Agent header; default "tinyk8s-client".
  std::string user_agent;
};

// LoadKubeconfig reads the cluster and user of `context` (default: current-context) from a
// kubeconfig file. Supports certificate-authority-data / client-certificate-data /
// client-key-data (base64) and the file variants certificate-authority / client-certificate /
// client-key (relative paths are relative to the kubeconfig's directory), token, tokenFile,
// insecure-skip-tls-verify and tls-server-name.
// Errors: kNotFound if the file is missing; kInvalid on malformed YAML, an unknown context,
// cluster or user, bad base64 or an unreadable referenced file (message names the field).
Result<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context = "");

// Same, from kubeconfig text; relative file references resolve against `base_dir`.
Result<RestConfig> ParseKubeconfig(const std::string& yaml, const std::string& base_dir,
                                   const std::string& context = "");

}  // namespace tinyk8s::client
