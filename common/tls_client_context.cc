#include "common/tls_client_context.h"

namespace tinyk8s {

namespace net = boost::asio;

Result<std::unique_ptr<net::ssl::context>> NewTlsClientContext(const TlsClientOptions& options) {
  auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1,
                   ec);
  if (!options.ca_pem.empty()) {
    ctx->add_certificate_authority(net::buffer(options.ca_pem), ec);
  } else {
    ctx->set_default_verify_paths(ec);
  }
  if (ec) return Status::Invalid(options.ca_name + ": " + ec.message());
  if (!options.cert_pem.empty()) {
    ctx->use_certificate_chain(net::buffer(options.cert_pem), ec);
    if (ec) return Status::Invalid(options.cert_name + ": " + ec.message());
    ctx->use_private_key(net::buffer(options.key_pem), net::ssl::context::pem, ec);
    if (ec) return Status::Invalid(options.key_name + ": " + ec.message());
  }
  ctx->set_verify_mode(options.verify_peer ? net::ssl::verify_peer : net::ssl::verify_none, ec);
  return ctx;
}

}  // namespace tinyk8s
