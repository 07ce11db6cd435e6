#pragma once
// EtcdConnection (internal to EtcdClient): one HTTP/1.1 connection (common/http_connection.h)
// to one etcd member's JSON gateway. It adds what is etcd's: the member's endpoint, JSON POSTs,
// and a watch response read as newline-terminated messages.
//
// Not thread-safe: one thread at a time, except Cancel() which any thread may call.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/http_connection.h"
#include "common/status.h"

namespace tinyk8s::storage {

// EtcdEndpoint is one member's client URL, parsed ("http://127.0.0.1:2379").
struct EtcdEndpoint {
  bool tls = false;
  std::string host;
  std::string port;
  std::string url;  // as given, for messages
  // Where to connect: the member's host name is verified (and sent as SNI), an IP address is
  // verified as such; errors start "etcd <url>".
  HttpTarget target;
};
Result<EtcdEndpoint> ParseEtcdEndpoint(const std::string& url);

class EtcdConnection {
 public:
  using Clock = HttpConnection::Clock;

  // Connect resolves the member and opens TCP (and TLS when the endpoint is https, verifying
  // the member's certificate against `ssl`'s CA and the host name or IP).
  static Result<std::unique_ptr<EtcdConnection>> Connect(const EtcdEndpoint& endpoint,
                                                         boost::asio::ssl::context* ssl,
                                                         Clock::time_point deadline);

  // Post sends one request and reads the whole response: (HTTP status, body).
  Result<std::pair<int, std::string>> Post(const std::string& path, const std::string& body,
                                           Clock::time_point deadline);

  // StartStream sends a request whose response is a stream (watch) and reads its header;
  // returns the HTTP status. Then NextLine returns one newline-terminated message at a time
  // (without the newline); kUnavailable when the stream ends, kCancelled after Cancel.
  // NextLine returns kTimeout when nothing complete arrived within `wait`; the read stays
  // pending, so the next NextLine continues the same stream without losing bytes.
  Result<int> StartStream(const std::string& path, const std::string& body,
                          Clock::time_point deadline);
  Result<std::string> NextLine(Clock::duration wait = Clock::duration::max());

  // Cancel aborts a blocked operation from any thread; the connection is unusable after.
  void Cancel() { http_->Cancel(); }

  bool reusable() const { return http_->reusable(); }
  const EtcdEndpoint& endpoint() const { return endpoint_; }

 private:
  EtcdConnection(EtcdEndpoint endpoint, std::unique_ptr<HttpConnection> http)
      : endpoint_(std::move(endpoint)), http_(std::move(http)) {}
  Status Send(const std::string& path, const std::string& body, Clock::time_point deadline);

  const EtcdEndpoint endpoint_;
  std::unique_ptr<HttpConnection> http_;
  std::optional<HttpConnection::ResponseParser> stream_;  // the streaming response being read
  std::string pending_;  // stream bytes after the last complete line
};

}  // namespace tinyk8s::storage
