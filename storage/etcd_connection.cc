#include "storage/etcd_connection.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <limits>

namespace tinyk8s::storage {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {

Status TransportError(const std::string& where, const char* what, const beast::error_code& ec) {
  if (ec == beast::error::timeout)
    return Status::Timeout("etcd " + where + ": " + what + ": timeout");
  return Status::Unavailable("etcd " + where + ": " + what + ": " + ec.message());
}

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Result<EtcdEndpoint> ParseEtcdEndpoint(const std::string& url) {
  EtcdEndpoint ep;
  ep.url = url;
  std::string rest = url;
  if (rest.rfind("https://", 0) == 0) {
    ep.tls = true;
    rest = rest.substr(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) {
    return Status::Invalid("etcd endpoint must be http(s)://host:port: \"" + url + "\"");
  }
  if (rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) return Status::Invalid("bad IPv6 host in \"" + url + "\"");
    ep.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') ep.port = rest.substr(close + 2);
  } else {
    size_t colon = rest.rfind(':');
    ep.host = rest.substr(0, colon);
    if (colon != std::string::npos) ep.port = rest.substr(colon + 1);
  }
  if (ep.port.empty()) ep.port = "2379";
  if (ep.host.empty() || ep.port.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Invalid("bad etcd endpoint \"" + url + "\"");
  }
  return ep;
}

EtcdConnection::~EtcdConnection() {
  beast::error_code ec;
  tcp().socket().close(ec);
}

beast::tcp_stream& EtcdConnection::tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

template <typename Op>
Status EtcdConnection::RunOp(Op op, Clock::time_point deadline, const char* what) {
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
    if (cancelled_.load()) return Status::Cancelled("etcd stream cancelled");
    return TransportError(endpoint_.url, what, result);
  }
  return Status::OK();
}

Result<std::unique_ptr<EtcdConnection>> EtcdConnection::Connect(const EtcdEndpoint& endpoint,
                                                                net::ssl::context* ssl,
                                                                Clock::time_point deadline) {
  std::unique_ptr<EtcdConnection> c(new EtcdConnection(endpoint));
  if (endpoint.tls) {
    if (ssl == nullptr) return Status::Invalid("etcd endpoint " + endpoint.url + " needs TLS");
    c->tls_.emplace(c->ioc_, *ssl);
  } else {
    c->plain_.emplace(c->ioc_);
  }
  net::ip::tcp::resolver resolver(c->ioc_);
  beast::error_code ec;
  auto addresses = resolver.resolve(endpoint.host, endpoint.port, ec);
  if (ec) return TransportError(endpoint.url, "resolve", ec);
  TK_RETURN_IF_ERROR(c->RunOp(
      [&](auto handler) {
        c->tcp().async_connect(addresses,
                               [handler](beast::error_code e, const auto&) mutable { handler(e); });
      },
      deadline, "connect"));
  c->tcp().socket().set_option(net::ip::tcp::no_delay(true), ec);
  c->tcp().socket().set_option(net::socket_base::keep_alive(true), ec);
  if (c->tls_) {
    SSL* native = c->tls_->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(native);
    if (IsIpAddress(endpoint.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.host.c_str());
    } else {
      SSL_set_tlsext_host_name(native, endpoint.host.c_str());
      X509_VERIFY_PARAM_set1_host(param, endpoint.host.c_str(), 0);
    }
    TK_RETURN_IF_ERROR(c->RunOp(
        [&](auto handler) { c->tls_->async_handshake(net::ssl::stream_base::client, handler); },
        deadline, "TLS handshake"));
  }
  return c;
}

Status EtcdConnection::Send(const std::string& path, const std::string& body,
                            Clock::time_point deadline) {
  http::request<http::string_body> req{http::verb::post, path, 11};
  req.set(http::field::host, endpoint_.host + ":" + endpoint_.port);
  req.set(http::field::content_type, "application/json");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
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

Result<std::pair<int, std::string>> EtcdConnection::Post(const std::string& path,
                                                         const std::string& body,
                                                         Clock::time_point deadline) {
  TK_RETURN_IF_ERROR(Send(path, body, deadline));
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  TK_RETURN_IF_ERROR(RunOp(
      [&](auto handler) {
        if (tls_) {
          http::async_read(*tls_, buffer_, parser, handler);
        } else {
          http::async_read(*plain_, buffer_, parser, handler);
        }
      },
      deadline, "read response"));
  if (!parser.get().keep_alive()) reusable_ = false;
  return std::make_pair(static_cast<int>(parser.get().result_int()),
                        std::move(parser.get().body()));
}

Result<int> EtcdConnection::StartStream(const std::string& path, const std::string& body,
                                        Clock::time_point deadline) {
  reusable_ = false;  // a stream ends only by closing the connection
  TK_RETURN_IF_ERROR(Send(path, body, deadline));
  stream_.emplace();
  stream_->body_limit(std::numeric_limits<std::uint64_t>::max());
  TK_RETURN_IF_ERROR(RunOp(
      [&](auto handler) {
        if (tls_) {
          http::async_read_header(*tls_, buffer_, *stream_, handler);
        } else {
          http::async_read_header(*plain_, buffer_, *stream_, handler);
        }
      },
      deadline, "read stream header"));
  return static_cast<int>(stream_->get().result_int());
}

Result<std::string> EtcdConnection::NextLine(Clock::duration wait) {
  if (!stream_) return Status::Internal("etcd: NextLine without a stream");
  const auto until =
      wait == Clock::duration::max() ? Clock::time_point::max() : Clock::now() + wait;
  while (true) {
    size_t newline = pending_.find('\n');
    if (newline != std::string::npos) {
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    if (stream_->is_done()) {
      return Status::Unavailable("etcd " + endpoint_.url + ": stream ended");
    }
    if (!read_pending_) {
      // No socket expiry: a quiet stream is not an error of the connection. The caller decides
      // what silence means (see `wait`).
      tcp().expires_never();
      read_result_.reset();
      auto done = [this](beast::error_code ec, std::size_t) { read_result_ = ec; };
      if (tls_) {
        http::async_read_some(*tls_, buffer_, *stream_, done);
      } else {
        http::async_read_some(*plain_, buffer_, *stream_, done);
      }
      read_pending_ = true;
    }
    ioc_.restart();
    if (until == Clock::time_point::max()) {
      ioc_.run_one();
    } else {
      ioc_.run_one_until(until);
    }
    if (!read_result_) {
      if (Clock::now() >= until) {
        return Status::Timeout("etcd " + endpoint_.url + ": no watch message in time");
      }
      continue;  // ran some other handler (a Cancel): wait on
    }
    read_pending_ = false;
    if (*read_result_) {
      reusable_ = false;
      if (cancelled_.load()) return Status::Cancelled("etcd stream cancelled");
      return TransportError(endpoint_.url, "read stream", *read_result_);
    }
    // The string body grows by appending: taking its bytes after each read keeps it small.
    std::string& body = stream_->get().body();
    pending_ += body;
    body.clear();
  }
}

void EtcdConnection::Cancel() {
  cancelled_ = true;
  net::post(ioc_, [this] {
    beast::error_code ec;
    tcp().socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    tcp().socket().close(ec);
  });
}

}  // namespace tinyk8s::storage
