#include "tests/support/raw_http_link.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <mutex>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace tinyk8s::testing {

TlsClientContext::TlsClientContext(const std::string& pki_dir) {
  if (pki_dir.empty()) return;
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (SSL_CTX_use_certificate_file(ctx_, (pki_dir + "/admin.crt").c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx_, (pki_dir + "/admin.key").c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(ctx_, (pki_dir + "/ca.crt").c_str(), nullptr) != 1) {
    SSL_CTX_free(ctx_);
    throw std::runtime_error("cannot load the client certificate from " + pki_dir);
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
}

TlsClientContext::~TlsClientContext() {
  if (ctx_) SSL_CTX_free(ctx_);
}

RawHttpLink::RawHttpLink(int port, SSL_CTX* ctx) {
  // A write to a connection the server closed must fail, not kill the process (OpenSSL writes
  // with write(2), so MSG_NOSIGNAL cannot be used for TLS).
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd_);
    throw std::runtime_error("connect failed");
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (ctx) {
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) {
      SSL_free(ssl_);
      close(fd_);
      throw std::runtime_error("TLS handshake failed");
    }
  }
}

RawHttpLink::~RawHttpLink() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) close(fd_);
}

void RawHttpLink::SetNonBlocking() { fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK); }

bool RawHttpLink::SendAll(const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ssl_ ? SSL_write(ssl_, data.data() + off, static_cast<int>(data.size() - off))
                     : write(fd_, data.data() + off, data.size() - off);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

size_t RawHttpLink::ReadSome(char* buf, size_t size) {
  if (ssl_) {
    int n = SSL_read(ssl_, buf, static_cast<int>(size));
    if (n > 0) return static_cast<size_t>(n);
    int err = SSL_get_error(ssl_, n);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) closed_ = true;
    ERR_clear_error();
    return 0;
  }
  ssize_t n = read(fd_, buf, size);
  if (n > 0) return static_cast<size_t>(n);
  if (n == 0 || (errno != EAGAIN && errno != EINTR)) closed_ = true;
  return 0;
}

bool RawHttpLink::Buffered() const { return ssl_ && SSL_pending(ssl_) > 0; }

int RawHttpLink::Roundtrip(const std::string& method, const std::string& path,
                           const std::string& body, std::string* response_body) {
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!body.empty()) {
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  if (!SendAll(req)) return 0;
  std::string in;
  char buf[16384];
  size_t head_end;
  while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
    size_t n = ReadSome(buf, sizeof buf);
    if (n == 0) return 0;
    in.append(buf, n);
  }
  size_t length = 0;
  std::string head = in.substr(0, head_end);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (size_t at = head.find("content-length:"); at != std::string::npos) {
    length = std::strtoul(head.c_str() + at + 15, nullptr, 10);
  }
  while (in.size() < head_end + 4 + length) {
    size_t n = ReadSome(buf, sizeof buf);
    if (n == 0) return 0;
    in.append(buf, n);
  }
  if (response_body) *response_body = in.substr(head_end + 4, length);
  return std::atoi(in.c_str() + 9);  // "HTTP/1.1 200"
}

void RawHttpLink::Close() {
  if (ssl_) SSL_shutdown(ssl_);
  shutdown(fd_, SHUT_RDWR);
}

}  // namespace tinyk8s::testing
