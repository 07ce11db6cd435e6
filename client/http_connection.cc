#include "client/http_connection.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>

namespace tinyk8s::client::internal {
namespace {

Status TransportError(const char* what, const beast::error_code& ec) {
  if (ec == beast::error::timeout) return Status::Timeout(std::string(what) + ": timeout");
  return Status::Unavailable(std::string(what) + ": " + ec.message());
}

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Result<Endpoint> ParseServerUrl(const std::string& server, const std::string& tls_server_name) {
  Endpoint ep;
  std::string rest;
  if (server.rfind("https://", 0) == 0) {
    ep.tls = true;
    rest = server.substr(8);
  } else if (server.rfind("http://", 0) == 0) {
    rest = server.substr(7);
  } else {
    return Status::Invalid("server URL must start with http:// or https://: \"" + server + "\"");
  }
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  if (slash != std::string::npos) {
    ep.base_path = rest.substr(slash);
    while (!ep.base_path.empty() && ep.base_path.back() == '/') ep.base_path.pop_back();
  }
  if (hostport.empty()) return Status::Invalid("server URL has no host: \"" + server + "\"");
  if (hostport[0] == '[') {
    size_t close = hostport.find(']');
    if (close == std::string::npos) return Status::Invalid("bad IPv6 host in \"" + server + "\"");
    ep.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':')
      ep.port = hostport.substr(close + 2);
  } else {
    size_t colon = hostport.rfind(':');
    ep.host = hostport.substr(0, colon);
    if (colon != std::string::npos) ep.port = hostport.substr(colon + 1);
  }
  if (ep.port.empty()) ep.port = ep.tls ? "443" : "80";
  for (char c : ep.port) {
    if (c < '0' || c > '9') return Status::Invalid("bad port in server URL \"" + server + "\"");
  }
  ep.host_header = hostport;
  ep.sni = !tls_server_name.empty() ? tls_server_name : (IsIpAddress(ep.host) ? "" : ep.host);
  return ep;
}

HttpConnection::HttpConnection() = default;
HttpConnection::~HttpConnection() {
  beast::error_code ec;
  tcp().socket().close(ec);
}

beast::tcp_stream& HttpConnection::tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

template <typename Op>
Status HttpConnection::RunOp(Op op, std::chrono::steady_clock::time_point deadline,
                             const char* what) {
  beast::error_code result = net::error::would_block;
  tcp().expires_at(deadline);
  op([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc_.restart();
  ioc_.run();
  if (result) {
    reusable_ = false;
    return TransportError(what, result);
  }
  return Status::OK();
}

Result<std::unique_ptr<HttpConnection>> HttpConnection::Connect(
    const Endpoint& ep, const net::ip::tcp::resolver::results_type& addresses,
    net::ssl::context* ssl, std::chrono::milliseconds timeout) {
  std::unique_ptr<HttpConnection> c(new HttpConnection());
  if (ssl != nullptr) {
    c->tls_.emplace(c->ioc_, *ssl);
  } else {
    c->plain_.emplace(c->ioc_);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  TK_RETURN_IF_ERROR(c->RunOp(
      [&](auto handler) {
        c->tcp().async_connect(
            addresses, [handler](beast::error_code ec, const auto&) mutable { handler(ec); });
      },
      deadline, "connect"));
  beast::error_code ec;
  c->tcp().socket().set_option(net::ip::tcp::no_delay(true), ec);
  c->tcp().socket().set_option(net::socket_base::keep_alive(true), ec);
  if (ssl != nullptr) {
    SSL* native = c->tls_->native_handle();
    if (!ep.sni.empty()) SSL_set_tlsext_host_name(native, ep.sni.c_str());
    // Hostname (or IP SAN) verification; the chain itself is checked by the context.
    X509_VERIFY_PARAM* param = SSL_get0_param(native);
    if (!ep.sni.empty()) {
      X509_VERIFY_PARAM_set1_host(param, ep.sni.c_str(), 0);
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(param, ep.host.c_str());
    }
    Status s = c->RunOp(
        [&](auto handler) { c->tls_->async_handshake(net::ssl::stream_base::client, handler); },
        deadline, "TLS handshake");
    if (!s.ok()) return Status::Unavailable(s.message());
  }
  return c;
}

Status HttpConnection::Write(Request& req, std::chrono::steady_clock::time_point deadline) {
  return RunOp(
      [&](auto handler) {
        if (tls_) {
          http::async_write(*tls_, req, handler);
        } else {
          http::async_write(*plain_, req, handler);
        }
      },
      deadline, "write request");
}

Status HttpConnection::ReadHeader(ResponseParser& parser,
                                  std::chrono::steady_clock::time_point deadline) {
  return RunOp(
      [&](auto handler) {
        if (tls_) {
          http::async_read_header(*tls_, buffer_, parser, handler);
        } else {
          http::async_read_header(*plain_, buffer_, parser, handler);
        }
      },
      deadline, "read response");
}

Status HttpConnection::ReadBody(ResponseParser& parser,
                                std::chrono::steady_clock::time_point deadline) {
  return RunOp(
      [&](auto handler) {
        if (tls_) {
          http::async_read(*tls_, buffer_, parser, handler);
        } else {
          http::async_read(*plain_, buffer_, parser, handler);
        }
      },
      deadline, "read response body");
}

void HttpConnection::StartReadSome(ResponseParser& parser,
                                   std::function<void(beast::error_code)> done) {
  tcp().expires_never();
  auto handler = [done = std::move(done)](beast::error_code ec, size_t) { done(ec); };
  if (tls_) {
    http::async_read_some(*tls_, buffer_, parser, handler);
  } else {
    http::async_read_some(*plain_, buffer_, parser, handler);
  }
}

void HttpConnection::RunFor(std::chrono::milliseconds d) {
  ioc_.restart();
  ioc_.run_for(d);
}

void HttpConnection::Cancel() {
  net::post(ioc_, [this] {
    beast::error_code ec;
    tcp().socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    tcp().socket().close(ec);
  });
}

}  // namespace tinyk8s::client::internal
