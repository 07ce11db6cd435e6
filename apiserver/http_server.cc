#include "apiserver/http_server.h"

#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <type_traits>

#include "common/logging.h"

namespace tinyk8s::apiserver {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {
const std::string kEmpty;
// A streaming client with more than this many bytes unsent is considered too slow.
constexpr size_t kStreamQueueLimit = 32 * 1024 * 1024;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool UrlDecode(std::string_view in, std::string* out, bool plus_is_space) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      int hi = i + 1 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

const std::string& HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? kEmpty : it->second;
}

std::string HttpRequest::Query(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

namespace {

// SessionBase is what an Exchange needs of a connection, whatever its stream type.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void PostResponse(HttpResponse response, bool keep_alive) = 0;
  virtual void PostStreamStart(unsigned status, std::string content_type) = 0;
  virtual bool QueueChunk(std::string_view data, bool last) = 0;
  virtual void AddCloseCallback(std::function<void()> cb) = 0;
  virtual bool IsClosed() const = 0;
};

// PeerSubject reads CN and O of the client certificate the handshake verified.
void PeerSubject(SSL* ssl, std::string* common_name, std::vector<std::string>* organizations) {
  X509* cert = SSL_get_peer_certificate(ssl);
  if (!cert) return;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    X509_NAME* name = X509_get_subject_name(cert);
    for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
      X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
      int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
      if (nid != NID_commonName && nid != NID_organizationName) continue;
      ASN1_STRING* data = X509_NAME_ENTRY_get_data(e);
      std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                        static_cast<size_t>(ASN1_STRING_length(data)));
      if (nid == NID_commonName) {
        *common_name = value;
      } else {
        organizations->push_back(value);
      }
    }
  }
  X509_free(cert);
}

// Exchange implements HttpExchange over a Session; all writes hop onto the session strand.
class Exchange final : public HttpExchange {
 public:
  Exchange(std::shared_ptr<SessionBase> session, HttpRequest request, bool keep_alive)
      : session_(std::move(session)), request_(std::move(request)), keep_alive_(keep_alive) {}
  const HttpRequest& request() const override { return request_; }
  void Respond(HttpResponse response) override;
  void StartStream(unsigned status, const std::string& content_type) override;
  bool WriteChunk(std::string_view data) override;
  void EndStream() override;
  void OnClose(std::function<void()> callback) override;
  bool Closed() const override;

 private:
  std::shared_ptr<SessionBase> session_;
  HttpRequest request_;
  bool keep_alive_;
};

// Session serves one connection. Stream is beast::tcp_stream (plain HTTP) or
// beast::ssl_stream<beast::tcp_stream> (TLS; the handshake runs asynchronously first).
template <typename Stream>
class Session final : public SessionBase {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(tcp::socket&& socket, const HttpServerOptions& options, const HttpHandler& handler,
          net::thread_pool& workers)
      : stream_(MakeStream(std::move(socket), options)),
        options_(options),
        handler_(handler),
        workers_(workers) {
    beast::error_code ec;
    auto ep = Tcp().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  ~Session() override { RunCloseCallbacks(); }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = Self()] {
      if constexpr (kTls) {
        self->Tcp().expires_after(self->options_.request_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Close();
          PeerSubject(self->stream_.native_handle(), &self->peer_cn_, &self->peer_orgs_);
          self->DoRead();
        });
      } else {
        self->DoRead();
      }
    });
  }

  // --- called through Exchange (any thread) ---
  void PostResponse(HttpResponse response, bool keep_alive) override {
    net::post(stream_.get_executor(),
              [self = Self(), r = std::move(response), keep_alive]() mutable {
                self->WriteResponse(std::move(r), keep_alive);
              });
  }
  void PostStreamStart(unsigned status, std::string content_type) override {
    {
      std::lock_guard lock(mu_);
      ended_ = false;  // a new stream on a kept-alive connection
    }
    net::post(stream_.get_executor(), [self = Self(), status, ct = std::move(content_type)] {
      self->WriteStreamHeader(status, ct);
    });
  }
  bool QueueChunk(std::string_view data, bool last) override {
    std::lock_guard lock(mu_);
    if (closed_ || ended_) return false;
    if (pending_bytes_ > kStreamQueueLimit) return false;
    ended_ = last;
    size_t sent = 0;
    // Stream idle: send from the calling thread (the watch cache fanning an event out to a
    // thousand watchers) instead of hopping to the strand, whose per-write handler posts,
    // allocations and wake-ups cost more than the send itself. Nothing else uses the stream
    // meanwhile: no strand write is out (pumping_), the peer watch only waits on the socket,
    // and mu_ keeps Close() away. What the socket does not take goes through the strand.
    if (header_written_ && !pumping_ && chunks_.empty() && !last) {
      if constexpr (kTls) {
        if (SendQueueHasRoom(ChunkSize(data.size()))) return WriteChunkNowLocked(data);
      } else {
        sent = SendChunkNow(data);
        if (sent == ChunkSize(data.size())) return true;
      }
    }
    std::string frame = FrameChunk(data, last);
    frame.erase(0, sent);
    pending_bytes_ += frame.size();
    chunks_.push_back({std::move(frame), last});
    SchedulePumpLocked();
    return true;
  }
  void AddCloseCallback(std::function<void()> cb) override {
    bool run_now = false;
    {
      std::lock_guard lock(mu_);
      if (closed_) {
        run_now = true;
      } else {
        close_callbacks_.push_back(std::move(cb));
      }
    }
    if (run_now) cb();
  }
  bool IsClosed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }

 private:
  struct Chunk {
    std::string data;
    bool last;
  };

  static Stream MakeStream(tcp::socket&& socket, const HttpServerOptions& options) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *options.tls);
    } else {
      return Stream(std::move(socket));
    }
  }
  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void DoRead() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(64 * 1024);
    Tcp().expires_after(options_.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = Self()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      HttpResponse r;
      r.status = 413;
      r.body =
          R"json({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the request body is too large (limit 3145728 bytes)","reason":"RequestEntityTooLarge","code":413})json";
      WriteResponse(std::move(r), false);
      return;
    }
    if (ec == http::error::header_limit) {
      // Go's net/http answers headers past its limit this way (a bearer token too long to
      // read, say) instead of dropping the connection unanswered.
      HttpResponse r;
      r.status = 431;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "431 Request Header Fields Too Large";
      WriteResponse(std::move(r), false);
      return;
    }
    if (ec.category() == http::make_error_code(http::error::bad_value).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message &&
        ec != http::error::short_read) {
      // A request that cannot be parsed (a NUL in a header value, a bad request line) gets
      // Go's net/http plain-text answer before the connection closes, not silence. A client
      // that went away mid-request (the three errors above) gets nothing, as there.
      HttpResponse r;
      r.status = ec == http::error::bad_transfer_encoding ? 501 : 400;
      r.content_type = "text/plain; charset=utf-8";
      r.body = r.status == 501 ? "Unsupported transfer encoding" : "400 Bad Request";
      WriteResponse(std::move(r), false);
      return;
    }
    if (ec) return Close();
    auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.remote = remote_;
    req.peer_common_name = peer_cn_;
    req.peer_organizations = peer_orgs_;
    for (auto& field : msg) {
      std::string name(field.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string value(field.value());
      auto [it, inserted] = req.headers.emplace(name, value);
      if (!inserted) it->second += "," + value;
    }
    req.body = std::move(msg.body());
    std::string_view target = req.target;
    size_t q = target.find('?');
    bool ok = UrlDecode(target.substr(0, q), &req.path, false);
    if (ok && q != std::string_view::npos) {
      std::string_view rest = target.substr(q + 1);
      while (!rest.empty()) {
        size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        size_t eq = pair.find('=');
        std::string key, value;
        if (!UrlDecode(pair.substr(0, eq), &key, true) ||
            (eq != std::string_view::npos && !UrlDecode(pair.substr(eq + 1), &value, true))) {
          ok = false;
          break;
        }
        req.query[key] = value;
      }
    }
    bool keep_alive = msg.keep_alive();
    if (!ok) {
      HttpResponse r;
      r.status = 400;
      r.body =
          R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"malformed URL escape in request target","reason":"BadRequest","code":400})";
      WriteResponse(std::move(r), false);
      return;
    }
    auto exchange = std::make_shared<Exchange>(Self(), std::move(req), keep_alive);
    net::post(workers_, [handler = handler_, exchange]() mutable { handler(std::move(exchange)); });
  }

  void WriteResponse(HttpResponse response, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(response.status);
    res->version(11);
    res->set(http::field::content_type, response.content_type);
    // insert, not set: a header may repeat (one Warning per unknown field).
    for (auto& [k, v] : response.headers) res->insert(k, v);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    Tcp().expires_after(options_.request_timeout);
    http::async_write(stream_, *res,
                      [self = Self(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->DoRead();
                      });
  }

  void WriteStreamHeader(unsigned status, const std::string& content_type) {
    auto res = std::make_shared<http::response<http::empty_body>>();
    res->result(status);
    res->version(11);
    res->set(http::field::content_type, content_type);
    res->chunked(true);
    streaming_ = true;  // until the terminating chunk is written (the connection may be reused)
    Tcp().expires_never();
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    http::async_write_header(stream_, *sr, [self = Self(), res, sr](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->WatchForPeerClose();
      int buffer = 0;
      socklen_t len = sizeof buffer;
      getsockopt(self->Tcp().socket().native_handle(), SOL_SOCKET, SO_SNDBUF, &buffer, &len);
      std::lock_guard lock(self->mu_);
      self->send_buffer_ = static_cast<size_t>(std::max(buffer, 0));
      self->header_written_ = true;
      self->SchedulePumpLocked();
    });
  }

  // WatchForPeerClose ends the connection when the client goes away during a stream. It only
  // waits on the socket and never reads: the TLS layer must not be used here, because chunks are
  // written through it from other threads (QueueChunk). Readiness alone proves nothing (a TLS
  // client may send records; the reactor may report a socket readable with nothing to read);
  // the peer's shutdown (POLLRDHUP) or an error does.
  void WatchForPeerClose() {
    Tcp().socket().async_wait(tcp::socket::wait_read, [self = Self()](beast::error_code ec) {
      if (ec || !self->streaming_) return;  // cancelled when the stream ended, or closing
      pollfd p{self->Tcp().socket().native_handle(), POLLIN | POLLRDHUP, 0};
      if (::poll(&p, 1, 0) < 0 || (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
        return self->Close();
      }
      self->WatchForPeerClose();
    });
  }

  // FrameChunk formats data as one HTTP/1.1 chunk (the terminating chunk after it when last),
  // so that queued chunks go out as one buffer.
  static std::string FrameChunk(std::string_view data, bool last) {
    std::string frame;
    frame.reserve(data.size() + 24);
    if (!data.empty()) {
      char size[20];
      frame.append(size, ChunkHeader(data.size(), size));
      frame += data;
      frame += "\r\n";
    }
    if (last) frame += "0\r\n\r\n";
    return frame;
  }
  // ChunkHeader writes "<hex size>\r\n" into buf (20 bytes) and returns its length.
  static size_t ChunkHeader(size_t size, char* buf) {
    return static_cast<size_t>(std::snprintf(buf, 20, "%zx\r\n", size));
  }
  // ChunkSize is the framed size of a non-empty chunk of `size` bytes.
  static size_t ChunkSize(size_t size) {
    char buf[20];
    return ChunkHeader(size, buf) + size + 2;
  }
  // SendChunkNow sends a chunk's frame without copying it (header, data, CRLF gathered) and
  // without blocking; returns the bytes the socket took. mu_ held.
  size_t SendChunkNow(std::string_view data) {
    char header[20];
    iovec parts[3] = {{header, ChunkHeader(data.size(), header)},
                      {const_cast<char*>(data.data()), data.size()},
                      {const_cast<char*>("\r\n"), 2}};
    msghdr msg{};
    msg.msg_iov = parts;
    msg.msg_iovlen = 3;
    ssize_t n = ::sendmsg(Tcp().socket().native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    return n > 0 ? static_cast<size_t>(n) : 0;
  }

  // WriteChunkNowLocked writes a chunk through TLS on the calling thread (the send queue has
  // room, so it does not wait). A failed write ends the connection from the strand. mu_ held.
  bool WriteChunkNowLocked(std::string_view data) {
    char header[20];
    std::array<net::const_buffer, 3> parts = {net::buffer(header, ChunkHeader(data.size(), header)),
                                              net::buffer(data.data(), data.size()),
                                              net::buffer("\r\n", 2)};
    beast::error_code ec;
    net::write(stream_, parts, ec);
    if (!ec) return true;
    net::post(stream_.get_executor(), [self = Self()] { self->Close(); });
    return false;
  }

  // SchedulePumpLocked starts a strand write of the queue unless one is under way. mu_ held.
  void SchedulePumpLocked() {
    if (!header_written_ || pumping_ || chunks_.empty()) return;
    pumping_ = true;
    net::post(stream_.get_executor(), [self = Self()] { self->PumpChunks(); });
  }

  // PumpChunks writes everything queued in one write; runs on the strand while pumping_.
  void PumpChunks() {
    auto data = std::make_shared<std::string>();
    bool last = false;
    {
      std::lock_guard lock(mu_);
      if (chunks_.empty() || closed_) {
        pumping_ = false;
        return;
      }
      for (auto& chunk : chunks_) {
        if (data->empty()) {
          *data = std::move(chunk.data);
        } else {
          *data += chunk.data;
        }
        last = last || chunk.last;
      }
      chunks_.clear();
    }
    if constexpr (kTls) {
      // The TLS stream cannot be written from the fan-out threads, but here on the strand a
      // write the socket can take at once need not go through the asynchronous machinery
      // (composed operations, executor copies, allocations: half the CPU of a TLS watch
      // fan-out). Only when the kernel's send queue has room, so that it cannot block.
      if (SendQueueHasRoom(data->size())) {
        beast::error_code ec;
        net::write(stream_, net::buffer(*data), ec);
        return OnChunksWritten(ec, data->size(), last);
      }
    }
    net::async_write(stream_, net::buffer(*data),
                     [self = Self(), data, last](beast::error_code ec, size_t) {
                       self->OnChunksWritten(ec, data->size(), last);
                     });
  }

  // SendQueueHasRoom: the socket's send buffer takes `bytes` (plus TLS framing) without
  // waiting. Small writes only: a large one might not fit even in an empty buffer.
  bool SendQueueHasRoom(size_t bytes) {
    constexpr size_t kSmallWrite = 16 * 1024;
    if (bytes > kSmallWrite) return false;
    int queued = 0;
    if (ioctl(Tcp().socket().native_handle(), SIOCOUTQ, &queued) != 0) return false;
    return static_cast<size_t>(queued) + 2 * kSmallWrite < send_buffer_;
  }

  void OnChunksWritten(beast::error_code ec, size_t bytes, bool last) {
    {
      std::lock_guard lock(mu_);
      pending_bytes_ -= std::min(pending_bytes_, bytes);
      if (ec || last) pumping_ = false;
      if (last) header_written_ = false;
    }
    if (ec) return Close();
    if (!last) return PumpChunks();
    streaming_ = false;
    RunCloseCallbacks();
    // The stream is complete; keep the connection for the next request.
    beast::error_code ignored;
    Tcp().socket().cancel(ignored);
    DoRead();
  }

  void RunCloseCallbacks() {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      callbacks.swap(close_callbacks_);
    }
    for (auto& cb : callbacks) cb();
  }

  void Close() {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
      chunks_.clear();
    }
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().socket().close(ec);
    RunCloseCallbacks();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServerOptions& options_;
  const HttpHandler& handler_;
  net::thread_pool& workers_;
  std::string remote_;
  // Strand-only state.
  std::string peer_cn_;
  std::vector<std::string> peer_orgs_;
  bool streaming_ = false;
  // Shared state.
  mutable std::mutex mu_;
  bool closed_ = false;          // guarded by mu_
  std::deque<Chunk> chunks_;     // framed chunks; guarded by mu_
  bool header_written_ = false;  // the stream's headers are out; guarded by mu_
  size_t send_buffer_ = 0;       // SO_SNDBUF when the stream started (it only grows); by mu_
  bool pumping_ = false;         // a strand write of chunks_ is posted or under way; by mu_
  bool ended_ = false;           // the terminating chunk is queued; guarded by mu_
  size_t pending_bytes_ = 0;     // guarded by mu_
  std::vector<std::function<void()>> close_callbacks_;  // guarded by mu_
};

void Exchange::Respond(HttpResponse response) {
  session_->PostResponse(std::move(response), keep_alive_);
}
void Exchange::StartStream(unsigned status, const std::string& content_type) {
  session_->PostStreamStart(status, content_type);
}
bool Exchange::WriteChunk(std::string_view data) {
  if (data.empty()) return !session_->IsClosed();
  return session_->QueueChunk(data, false);
}
void Exchange::EndStream() { session_->QueueChunk({}, true); }
void Exchange::OnClose(std::function<void()> callback) {
  session_->AddCloseCallback(std::move(callback));
}
bool Exchange::Closed() const { return session_->IsClosed(); }

}  // namespace

class HttpServer::Listener : public std::enable_shared_from_this<HttpServer::Listener> {
 public:
  Listener(net::io_context& ioc, const HttpServerOptions& options, const HttpHandler& handler,
           net::thread_pool& workers)
      : ioc_(ioc),
        acceptor_(net::make_strand(ioc)),
        options_(options),
        handler_(handler),
        workers_(workers) {}

  Result<uint16_t> Bind() {
    beast::error_code ec;
    auto address = net::ip::make_address(options_.host, ec);
    if (ec) return Status::Invalid("invalid listen address " + options_.host);
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("cannot listen on " + options_.host + ":" +
                                 std::to_string(options_.port) + ": " + ec.message());
    }
    return acceptor_.local_endpoint().port();
  }

  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](beast::error_code ec,
                                                                               tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        if (self->options_.tls) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
              std::move(socket), self->options_, self->handler_, self->workers_)
              ->Run();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(std::move(socket), self->options_,
                                                       self->handler_, self->workers_)
              ->Run();
        }
      }
      self->Accept();
    });
  }

  void Close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  const HttpServerOptions& options_;
  const HttpHandler& handler_;
  net::thread_pool& workers_;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      workers_(options_.worker_threads) {}

HttpServer::~HttpServer() { Stop(); }

Result<uint16_t> HttpServer::Start() {
  listener_ = std::make_shared<Listener>(ioc_, options_, handler_, workers_);
  TK_ASSIGN_OR_RETURN(port_, listener_->Bind());
  listener_->Accept();
  for (int i = 0; i < options_.io_threads; ++i) {
    io_threads_.emplace_back([this] { ioc_.run(); });
  }
  return port_;
}

void HttpServer::Stop() {
  if (stopped_.exchange(true)) return;
  if (listener_) listener_->Close();
  ioc_.stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  workers_.join();
}

}  // namespace tinyk8s::apiserver
