#pragma once
// HttpConnection (internal to RestClient): one HTTP/1.1 connection, plain TCP or TLS, with its
// own io_context driven by the calling thread. Every operation is synchronous for the caller
// and bounded by a deadline (Beast tcp_stream timeouts). Not thread-safe: one thread at a time
// (RestClient's pool hands a connection to one request), except Cancel() which any thread may
// call to abort a blocked operation.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"

namespace tinyk8s::client::internal {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

// Where to connect, parsed from RestConfig::server.
struct Endpoint {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string base_path;  // "" or "/prefix" (no trailing slash)
  std::string host_header;
  std::string sni;  // TLS server name (empty for IP addresses)
};
Result<Endpoint> ParseServerUrl(const std::string& server, const std::string& tls_server_name);

using Request = http::request<http::string_body>;
using ResponseParser = http::response_parser<http::string_body>;

class HttpConnection {
 public:
  // Connect opens TCP (and TLS with `ssl` non-null), verifying the server name.
  static Result<std::unique_ptr<HttpConnection>> Connect(
      const Endpoint& ep, const net::ip::tcp::resolver::results_type& addresses,
      net::ssl::context* ssl, std::chrono::milliseconds timeout);
  ~HttpConnection();

  // Write sends a request.
  Status Write(Request& req, std::chrono::steady_clock::time_point deadline);
  // ReadHeader reads the response header into `parser`.
  Status ReadHeader(ResponseParser& parser, std::chrono::steady_clock::time_point deadline);
  // ReadBody reads the rest of the message.
  Status ReadBody(ResponseParser& parser, std::chrono::steady_clock::time_point deadline);

  // Streaming reads (watch): StartReadSome begins one read_some of the body; RunFor drives the
  // io_context for up to `d` (returns early once the read completed). The read's outcome is
  // reported through `done`. No deadline: the stream lives until Cancel or the server ends it.
  void StartReadSome(ResponseParser& parser, std::function<void(beast::error_code)> done);
  void RunFor(std::chrono::milliseconds d);
  // Cancel closes the socket from any thread, aborting pending operations.
  void Cancel();

  // Whether the last exchange left the connection reusable.
  bool reusable() const { return reusable_; }
  void set_reusable(bool r) { reusable_ = r; }

 private:
  HttpConnection();
  beast::tcp_stream& tcp();
  template <typename Op>
  Status RunOp(Op op, std::chrono::steady_clock::time_point deadline, const char* what);

  net::io_context ioc_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  bool reusable_ = true;
};

}  // namespace tinyk8s::client::internal
