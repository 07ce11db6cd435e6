#pragma once
// NewTlsClientContext builds the client side of TLS shared by the REST client and the etcd
// client: TLS 1.2 or later, trusted CAs, an optional client certificate, peer verification.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/status.h"

namespace tinyk8s {

struct TlsClientOptions {
  std::string ca_pem;    // CA bundle to verify the server against; empty: the system's CAs
  std::string cert_pem;  // client certificate chain (PEM), optional
  std::string key_pem;   // its private key (PEM)
  bool verify_peer = true;
  // How errors name each part ("certificate-authority-data", "etcd CA file /x/ca.crt").
  std::string ca_name = "CA";
  std::string cert_name = "client certificate";
  std::string key_name = "client key";
};

// kInvalid ("<part name>: <reason>") when a part does not load.
Result<std::unique_ptr<boost::asio::ssl::context>> NewTlsClientContext(
    const TlsClientOptions& options);

}  // namespace tinyk8s
