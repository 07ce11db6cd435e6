#include "common/http_connection.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>

namespace tinyk8s {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {

std::string Where(const std::string& label, const char* what) {
  return label.empty() ? std::string(what) : label + ": " + what;
}

Status TransportError(const std::string& label, const char* what, const beast::error_code& ec) {
  const std::string where = Where(label, what);
  if (ec == beast::error::timeout) return Status::Timeout(where + ": timeout");
  return Status::Unavailable(where + ": " + ec.message());
}

}  // namespace

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

bool SplitHostPort(const std::string& hostport, std::string* host, std::string* port) {
  port->clear();
  if (!hostport.empty() && hostport[0] == '[') {
    size_t close = hostport.find(']');
    if (close == std::string::npos) return false;
    *host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') {
      *port = hostport.substr(close + 2);
    }
    return true;
  }
  size_t colon = hostport.rfind(':');
  *host = hostport.substr(0, colon);
  if (colon != std::string::npos) *port = hostport.substr(colon + 1);
  return true;
}

HttpConnection::~HttpConnection() {
  beast::error_code ec;
  tcp().socket().close(ec);
}

beast::tcp_stream& HttpConnection::tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

template <typename Op>
Status HttpConnection::RunOp(Op op, Clock::time_point deadline, const char* what) {
  beast::error_code result = net::error::would_block;
  if (deadline == Clock::time_point::max()) {
    tcp().expires_never();
  } else {
    tcp().expires_at(deadline);
  }
  op([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc_.restart();
  ioc_.run();
  if (result) {
    reusable_ = false;
    if (cancelled_.load()) return Status::Cancelled(Where(label_, "cancelled"));
    return TransportError(label_, what, result);
  }
  return Status::OK();
}

Result<HttpConnection::Addresses> HttpConnection::Resolve(const HttpTarget& target) {
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  beast::error_code ec;
  auto addresses = resolver.resolve(target.host, target.port, ec);
  if (ec) return TransportError(target.label, "resolve", ec);
  return addresses;
}

Result<std::unique_ptr<HttpConnection>> HttpConnection::Connect(const HttpTarget& target,
                                                                const Addresses& addresses,
                                                                net::ssl::context* ssl,
                                                                Clock::time_point deadline) {
  std::unique_ptr<HttpConnection> c(new HttpConnection(target.label));
  if (ssl != nullptr) {
    c->tls_.emplace(c->ioc_, *ssl);
  } else {
    c->plain_.emplace(c->ioc_);
  }
  TK_RETURN_IF_ERROR(c->RunOp(
      [&](auto handler) {
        c->tcp().async_connect(addresses,
                               [handler](beast::error_code e, const auto&) mutable { handler(e); });
      },
      deadline, "connect"));
  beast::error_code ec;
  c->tcp().socket().set_option(net::ip::tcp::no_delay(true), ec);
  c->tcp().socket().set_option(net::socket_base::keep_alive(true), ec);
  if (ssl != nullptr) {
    SSL* native = c->tls_->native_handle();
    // Host name (or IP SAN) verification; the chain itself is checked by the context.
    X509_VERIFY_PARAM* param = SSL_get0_param(native);
    if (!target.server_name.empty()) {
      SSL_set_tlsext_host_name(native, target.server_name.c_str());
      X509_VERIFY_PARAM_set1_host(param, target.server_name.c_str(), 0);
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(param, target.host.c_str());
    }
    Status s = c->RunOp(
        [&](auto handler) { c->tls_->async_handshake(net::ssl::stream_base::client, handler); },
        deadline, "TLS handshake");
    if (!s.ok()) return Status::Unavailable(s.message());
  }
  return c;
}

Status HttpConnection::Write(Request& req, Clock::time_point deadline) {
  return RunOp(
      [&](auto handler) {
        OnStream([&](auto& stream) { http::async_write(stream, req, handler); });
      },
      deadline, "write request");
}

Status HttpConnection::ReadHeader(ResponseParser& parser, Clock::time_point deadline,
                                  const char* what) {
  return RunOp(
      [&](auto handler) {
        OnStream([&](auto& stream) { http::async_read_header(stream, buffer_, parser, handler); });
      },
      deadline, what);
}

Status HttpConnection::ReadBody(ResponseParser& parser, Clock::time_point deadline,
                                const char* what) {
  return RunOp(
      [&](auto handler) {
        OnStream([&](auto& stream) { http::async_read(stream, buffer_, parser, handler); });
      },
      deadline, what);
}

Status HttpConnection::Exchange(Request& req, ResponseParser& parser, Clock::time_point deadline) {
  TK_RETURN_IF_ERROR(Write(req, deadline));
  TK_RETURN_IF_ERROR(ReadBody(parser, deadline, "read response"));
  reusable_ = parser.get().keep_alive();
  return Status::OK();
}

std::optional<beast::error_code> HttpConnection::ReadSome(ResponseParser& parser,
                                                          Clock::time_point until) {
  if (!read_pending_) {
    tcp().expires_never();
    read_result_.reset();
    auto done = [this](beast::error_code ec, std::size_t) { read_result_ = ec; };
    OnStream([&](auto& stream) { http::async_read_some(stream, buffer_, parser, done); });
    read_pending_ = true;
  }
  while (!read_result_) {
    ioc_.restart();
    if (until == Clock::time_point::max()) {
      ioc_.run_one();
    } else {
      ioc_.run_one_until(until);
    }
    // Without a result, either time ran out or another handler ran (a Cancel): wait on.
    if (!read_result_ && Clock::now() >= until) return std::nullopt;
  }
  read_pending_ = false;
  if (*read_result_) reusable_ = false;
  return read_result_;
}

void HttpConnection::Cancel() {
  cancelled_ = true;
  net::post(ioc_, [this] {
    beast::error_code ec;
    tcp().socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    tcp().socket().close(ec);
  });
}

}  // namespace tinyk8s
