#pragma once
// RawHttpLink is one client connection to the API server, plain or TLS with a client
// certificate, driven by hand: requests written as text, responses read as bytes. For tests and
// benchmarks that need what a client library hides (bytes sent in the middle of a watch stream,
// one socket per watch in an epoll loop).

#include <openssl/ssl.h>

#include <string>

namespace tinyk8s::testing {

// TlsClientContext holds the client side of TLS with pki_dir/admin.crt and admin.key, trusting
// pki_dir/ca.crt; an empty pki_dir means plain HTTP (ctx() is null).
class TlsClientContext {
 public:
  explicit TlsClientContext(const std::string& pki_dir);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;
  SSL_CTX* ctx() const { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

class RawHttpLink {
 public:
  // Connects to 127.0.0.1:port (TLS handshake included when ctx is set); throws
  // std::runtime_error on failure. The first link makes the process ignore SIGPIPE.
  RawHttpLink(int port, SSL_CTX* ctx);
  ~RawHttpLink();
  RawHttpLink(const RawHttpLink&) = delete;
  RawHttpLink& operator=(const RawHttpLink&) = delete;

  int fd() const { return fd_; }
  void SetNonBlocking();
  bool SendAll(const std::string& data);
  // ReadSome makes one read; 0 when nothing is there now (non-blocking) or the peer closed,
  // which sets closed().
  size_t ReadSome(char* buf, size_t size);
  bool closed() const { return closed_; }
  // Buffered: TLS holds decrypted bytes the socket will not signal again.
  bool Buffered() const;
  // Roundtrip sends one request and reads its response (Content-Length bodies, blocking);
  // returns the status code, 0 on a broken connection. *body gets the body when given.
  int Roundtrip(const std::string& method, const std::string& path, const std::string& body,
                std::string* response_body = nullptr);
  // Close ends the connection (TLS close_notify first).
  void Close();

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool closed_ = false;
};

}  // namespace tinyk8s::testing
