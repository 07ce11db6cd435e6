#pragma once
// HttpServer: HTTP/1.1 (over TLS, or plain) on Boost.Beast. One strand per connection; keep-alive;
// a body limit; a read timeout on every request; streaming (chunked) responses for watches. Request
// handling runs on a separate worker pool (handlers may block on storage commits), never on I/O
// threads.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"

namespace boost::asio::ssl {
class context;
}

namespace tinyk8s::apiserver {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // raw target with query
  std::string path;                            // decoded path without query
  std::map<std::string, std::string> query;    // decoded; last value wins
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote;  // peer address
  // Subject of the client certificate the TLS handshake verified against the client CA (empty
  // common name: none presented): CN is the user, each O a group (upstream x509 authenticator).
  std::string peer_common_name;
  std::vector<std::string> peer_organizations;

  const std::string& Header(const std::string& lower_name) const;
  std::string Query(const std::string& name, const std::string& fallback = "") const;
  bool HasQuery(const std::string& name) const { return query.count(name) > 0; }
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// HttpExchange is one request/response pair. Respond() or StartStream() must be called exactly
// once. Thread-safe: any thread may call its methods; writes are posted to the connection strand.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;
  virtual const HttpRequest& request() const = 0;
  virtual void Respond(HttpResponse response) = 0;
  // StartStream sends headers with chunked transfer encoding; then WriteChunk / EndStream.
  virtual void StartStream(unsigned status, const std::string& content_type) = 0;
  // WriteChunk queues data; returns false when the connection is gone or the client is too slow
  // (more than the queue limit pending), in which case the caller should stop streaming.
  // The data is copied only if the socket does not take it at once.
  virtual bool WriteChunk(std::string_view data) = 0;
  virtual void EndStream() = 0;
  // OnClose registers a callback run once when the connection closes or the stream ends.
  virtual void OnClose(std::function<void()> callback) = 0;
  virtual bool Closed() const = 0;
};

using HttpHandler = std::function<void(std::shared_ptr<HttpExchange>)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 6443;  // 0 = pick a free port
  int io_threads = 2;
  int worker_threads = 64;
  size_t body_limit = 3 * 1024 * 1024;
  std::chrono::seconds request_timeout{60};
  // TLS context (server certificate, client CA, verify mode); null serves plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

// HttpServer owns the listener, I/O threads and worker pool. Start() binds and returns the
// bound port; Stop() closes the listener, ends open streams and joins all threads.
class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Result<uint16_t> Start();
  void Stop();
  uint16_t port() const { return port_; }

 private:
  class Listener;
  HttpServerOptions options_;
  HttpHandler handler_;
  boost::asio::io_context ioc_;
  boost::asio::thread_pool workers_;
  std::shared_ptr<Listener> listener_;
  std::vector<std::thread> io_threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

// UrlDecode decodes %XX and '+' (in queries) ; false on malformed escapes.
bool UrlDecode(std::string_view in, std::string* out, bool plus_is_space);

}  // namespace tinyk8s::apiserver
