#pragma once
// HttpConnection: one client-side HTTP/1.1 keep-alive connection, plain TCP or TLS, with its
// own io_context driven by the calling thread. Shared by the REST client (client/) and the etcd
// client (storage/); what to send, pooling policy, retries and failover stay with them.
//
// Every call is synchronous for the caller. Request/response calls are bounded by a deadline
// (Beast tcp_stream timeouts); streaming reads (watches) are bounded by a wait that leaves the
// read pending, so a stream survives quiet periods without losing bytes.
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

namespace tinyk8s {

// HttpTarget says where a connection goes and how the server's certificate is checked.
struct HttpTarget {
  std::string host;  // without brackets
  std::string port;
  // TLS only: the name sent as SNI and verified against the certificate; empty verifies `host`
  // as an IP address instead.
  std::string server_name;
  // Prefix of transport error messages ("etcd https://10.0.0.1:2379"); may be empty.
  std::string label;
};

// SplitHostPort splits "host:port", "[v6]:port", "host" or "[v6]" (port left empty when
// absent). False when a bracketed IPv6 host is not closed.
bool SplitHostPort(const std::string& hostport, std::string* host, std::string* port);
bool IsIpAddress(const std::string& host);

class HttpConnection {
 public:
  using Clock = std::chrono::steady_clock;
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using ResponseParser = boost::beast::http::response_parser<boost::beast::http::string_body>;
  using Addresses = boost::asio::ip::tcp::resolver::results_type;

  // Connect opens TCP to one of `addresses` (and TLS when `ssl` is non-null, verifying the
  // server name, see HttpTarget). A failed TLS handshake is kUnavailable.
  static Result<std::unique_ptr<HttpConnection>> Connect(const HttpTarget& target,
                                                         const Addresses& addresses,
                                                         boost::asio::ssl::context* ssl,
                                                         Clock::time_point deadline);
  // Resolve looks `target` up (blocking); kUnavailable when that fails.
  static Result<Addresses> Resolve(const HttpTarget& target);
  ~HttpConnection();

  // Write sends a request.
  Status Write(Request& req, Clock::time_point deadline);
  // ReadHeader reads the response header into `parser`; `what` names the step in errors.
  Status ReadHeader(ResponseParser& parser, Clock::time_point deadline,
                    const char* what = "read response");
  // ReadBody reads the rest of the message (all of it when the header was not read yet).
  Status ReadBody(ResponseParser& parser, Clock::time_point deadline,
                  const char* what = "read response body");
  // Exchange writes `req`, reads the whole response into `parser` and keeps the connection
  // reusable only if the server keeps it alive.
  Status Exchange(Request& req, ResponseParser& parser, Clock::time_point deadline);

  // ReadSome reads the next bytes of a streamed body into `parser` (its body or chunk callback)
  // and returns that read's outcome, or nullopt when `until` passed first: the read then stays
  // pending and the next ReadSome continues it. No socket expiry: a quiet stream is not an
  // error of the connection; the caller decides what silence means.
  std::optional<boost::beast::error_code> ReadSome(ResponseParser& parser, Clock::time_point until);

  // Cancel aborts a blocked operation from any thread (deadline-bounded calls then return
  // kCancelled); the connection is unusable after.
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }

  // Whether the last exchange left the connection reusable.
  bool reusable() const { return reusable_; }
  void set_reusable(bool r) { reusable_ = r; }

 private:
  explicit HttpConnection(std::string label) : label_(std::move(label)) {}
  boost::beast::tcp_stream& tcp();
  // OnStream calls `f` with the stream requests go through: the TLS one or the plain one.
  template <typename F>
  void OnStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }
  template <typename Op>
  Status RunOp(Op op, Clock::time_point deadline, const char* what);

  const std::string label_;
  boost::asio::io_context ioc_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  boost::beast::flat_buffer buffer_;
  bool read_pending_ = false;                            // a ReadSome is in flight
  std::optional<boost::beast::error_code> read_result_;  // set when it completes
  bool reusable_ = true;
  std::atomic<bool> cancelled_{false};
};

}  // namespace tinyk8s
