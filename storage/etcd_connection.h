#pragma once
// EtcdConnection (internal to EtcdClient): one HTTP/1.1 connection to one etcd member's JSON
// gateway, plain TCP or TLS, with its own io_context driven by the calling thread. Unary calls
// are bounded by a deadline; a streaming response (watch) is read message by message until the
// server ends it or Cancel() is called.
//
// Not thread-safe: one thread at a time, except Cancel() which any thread may call.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"

namespace tinyk8s::storage {

// EtcdEndpoint is one member's client URL, parsed ("http://127.0.0.1:2379").
struct EtcdEndpoint {
  bool tls = false;
  std::string host;
  std::string port;
  std::string url;  // as given, for messages
};
Result<EtcdEndpoint> ParseEtcdEndpoint(const std::string& url);

class EtcdConnection {
 public:
  using Clock = std::chrono::steady_clock;
  using StreamParser = boost::beast::http::response_parser<boost::beast::http::string_body>;

  // Connect opens TCP (and TLS when the endpoint is https, verifying the member's certificate
  // against `ssl`'s CA and the host name or IP).
  static Result<std::unique_ptr<EtcdConnection>> Connect(const EtcdEndpoint& endpoint,
                                                         boost::asio::ssl::context* ssl,
                                                         Clock::time_point deadline);
  ~EtcdConnection();

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
  void Cancel();

  bool reusable() const { return reusable_; }
  const EtcdEndpoint& endpoint() const { return endpoint_; }

 private:
  explicit EtcdConnection(EtcdEndpoint endpoint) : endpoint_(std::move(endpoint)) {}
  boost::beast::tcp_stream& tcp();
  template <typename Op>
  Status RunOp(Op op, Clock::time_point deadline, const char* what);
  Status Send(const std::string& path, const std::string& body, Clock::time_point deadline);

  const EtcdEndpoint endpoint_;
  boost::asio::io_context ioc_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  boost::beast::flat_buffer buffer_;
  std::optional<StreamParser> stream_;  // the streaming response being read
  std::string pending_;                 // stream bytes after the last complete line
  bool read_pending_ = false;           // a stream read is in flight (NextLine timed out)
  std::optional<boost::beast::error_code> read_result_;  // set when that read completes
  bool reusable_ = true;
  std::atomic<bool> cancelled_{false};
};

}  // namespace tinyk8s::storage
