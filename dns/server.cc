#include "dns/server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstring>

#include "common/logging.h"
#include "dns/message.h"

namespace tinyk8s::dns {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr int kUdpBatch = 32;
constexpr size_t kUdpBufferSize = 4096;  // larger queries are not worth reading

// TcpSession reads length-prefixed queries one after the other (RFC 7766 8) and closes the
// connection after an idle timeout or on a malformed message. Lives on the io_context thread.
class TcpSession : public std::enable_shared_from_this<TcpSession> {
 public:
  TcpSession(
      tcp::socket socket, DnsServer& server, std::chrono::milliseconds idle,
      std::atomic<size_t>& connections,
      std::function<void(std::vector<uint8_t>, std::function<void(std::vector<uint8_t>)>)> forward)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        server_(server),
        idle_(idle),
        connections_(connections),
        forward_(std::move(forward)) {
    ++connections_;
  }
  ~TcpSession() { --connections_; }

  void Start() { ReadLength(); }

 private:
  void ArmTimer() {
    timer_.expires_after(idle_);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->Close();
    });
  }
  void Close() {
    boost::system::error_code ec;
    timer_.cancel();
    socket_.close(ec);
  }
  void ReadLength() {
    ArmTimer();
    asio::async_read(socket_, asio::buffer(length_),
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       if (ec) return self->Close();
                       size_t n = self->length_[0] << 8 | self->length_[1];
                       if (n < kHeaderSize) return self->Close();
                       self->body_.resize(n);
                       self->ReadBody();
                     });
  }
  void ReadBody() {
    asio::async_read(socket_, asio::buffer(body_),
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       if (ec) return self->Close();
                       self->Handle();
                     });
  }
  void Handle() {
    bool forward = false;
    std::vector<uint8_t> response = server_.HandlePacket(body_, /*udp=*/false, &forward);
    if (forward) {
      forward_(body_, [self = shared_from_this()](std::vector<uint8_t> r) {
        if (r.empty()) return self->Close();
        self->Write(std::move(r));
      });
      return;
    }
    if (response.empty()) return Close();
    Write(std::move(response));
  }
  void Write(std::vector<uint8_t> response) {
    out_.resize(response.size() + 2);
    out_[0] = static_cast<uint8_t>(response.size() >> 8);
    out_[1] = static_cast<uint8_t>(response.size());
    std::copy(response.begin(), response.end(), out_.begin() + 2);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (ec) return self->Close();
                        self->ReadLength();
                      });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  DnsServer& server_;
  std::chrono::milliseconds idle_;
  std::atomic<size_t>& connections_;
  std::function<void(std::vector<uint8_t>, std::function<void(std::vector<uint8_t>)>)> forward_;
  std::array<uint8_t, 2> length_{};
  std::vector<uint8_t> body_;
  std::vector<uint8_t> out_;
};

bool SplitHostPort(const std::string& text, std::string* host, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = text.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  unsigned p = 0;
  auto [next, ec] = std::from_chars(begin, end, p);
  if (ec != std::errc() || next != end || begin == end || p > 65535) return false;
  *port = static_cast<uint16_t>(p);
  return true;
}

}  // namespace

struct DnsServer::Tcp {
  explicit Tcp(asio::io_context& ioc) : acceptor(ioc) {}
  tcp::acceptor acceptor;
};

DnsServer::DnsServer(const Resolver& resolver, DnsServerOptions options)
    : resolver_(resolver), options_(std::move(options)) {}

DnsServer::~DnsServer() { Stop(); }

std::vector<uint8_t> DnsServer::HandlePacket(std::span<const uint8_t> packet, bool udp,
                                             bool* forward) const {
  *forward = false;
  queries_.fetch_add(1, std::memory_order_relaxed);
  auto q = ParseQuery(packet);
  if (!q.ok()) return {};
  Response r;
  r.header.id = q->header.id;
  r.header.opcode = q->header.opcode;
  r.header.rd = q->header.rd;
  r.header.cd = q->header.cd;
  r.header.ra = forwarder_ != nullptr;
  r.edns = q->edns.present;
  r.edns_udp_size = options_.max_udp_size;
  r.dnssec_ok = q->edns.dnssec_ok;
  size_t max_size = kMaxMessageSize;
  if (udp) {
    max_size = q->edns.present ? std::clamp<size_t>(q->edns.udp_size, kMaxUdpPlainSize,
                                                    std::max<size_t>(options_.max_udp_size, 512))
                               : kMaxUdpPlainSize;
  }
  if (q->header.opcode != 0) {
    r.rcode = Rcode::kNotImp;
  } else if (q->header.qdcount != 1) {
    r.rcode = Rcode::kFormErr;
  } else if (q->edns.present && q->edns.version != 0) {
    r.rcode = Rcode::kBadVers;  // RFC 6891 6.1.3
  } else {
    Answer a = resolver_.Resolve(q->question);
    if (a.forward && forwarder_) {
      *forward = true;
      return {};
    }
    r.rcode = a.forward ? Rcode::kRefused : a.rcode;
    r.header.aa = a.authoritative;
    r.answer = std::move(a.answer);
    r.authority = std::move(a.authority);
    r.additional = std::move(a.additional);
  }
  return EncodeResponse(packet, *q, r, max_size);
}

Status DnsServer::Start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return Status::Invalid("invalid DNS listen host " + options_.host);
  if (!options_.upstream.empty()) {
    std::string host;
    uint16_t port = 0;
    if (!SplitHostPort(options_.upstream, &host, &port)) {
      return Status::Invalid("invalid upstream " + options_.upstream + ": expected HOST:PORT");
    }
    auto up = asio::ip::make_address(host, ec);
    if (ec) return Status::Invalid("invalid upstream host " + host);
    forwarder_ = std::make_unique<Forwarder>(ioc_, asio::ip::udp::endpoint(up, port),
                                             options_.forward_timeout);
    if (!forwarder_->Start()) return Status::Unavailable("cannot open the upstream socket");
  }
  tcp_ = std::make_unique<Tcp>(ioc_);
  // Bind UDP first; with port 0 the TCP side must get the same number, so retry on a clash.
  for (int attempt = 0;; ++attempt) {
    asio::ip::udp::endpoint ep(address, options_.port);
    udp_fd_ = ::socket(ep.protocol().family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (udp_fd_ < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
    int rcvbuf = 4 << 20;
    ::setsockopt(udp_fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (::bind(udp_fd_, ep.data(), static_cast<socklen_t>(ep.size())) != 0) {
      std::string err = std::strerror(errno);
      ::close(udp_fd_);
      udp_fd_ = -1;
      return Status::Unavailable("cannot bind UDP " + options_.host + ":" +
                                 std::to_string(options_.port) + ": " + err);
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    ::getsockname(udp_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    tcp::endpoint tep(address, port_);
    tcp_->acceptor.open(tep.protocol(), ec);
    if (!ec) tcp_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) tcp_->acceptor.bind(tep, ec);
    if (!ec) tcp_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) break;
    boost::system::error_code ignored;
    tcp_->acceptor.close(ignored);
    ::close(udp_fd_);
    udp_fd_ = -1;
    if (options_.port != 0 || attempt >= 20) {
      return Status::Unavailable("cannot bind TCP " + options_.host + ":" + std::to_string(port_) +
                                 ": " + ec.message());
    }
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  started_ = true;
  // Accept loop (recursive lambda through a shared function object).
  auto accept = std::make_shared<std::function<void()>>();
  std::weak_ptr<std::function<void()>> weak = accept;
  *accept = [this, weak] {
    tcp_->acceptor.async_accept(
        [this, weak](const boost::system::error_code& ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !tcp_->acceptor.is_open()) return;
          if (!ec && tcp_connections_ < options_.max_tcp_connections) {
            std::make_shared<TcpSession>(
                std::move(socket), *this, options_.tcp_idle_timeout, tcp_connections_,
                [this](std::vector<uint8_t> q, std::function<void(std::vector<uint8_t>)> reply) {
                  Forward(std::move(q), std::move(reply));
                })
                ->Start();
          }
          if (auto next = weak.lock()) (*next)();
        });
  };
  (*accept)();
  io_thread_ = std::thread([this, accept] {
    auto guard = asio::make_work_guard(ioc_);
    ioc_.run();
  });
  for (int i = 0; i < std::max(1, options_.udp_workers); ++i) {
    udp_threads_.emplace_back([this] { UdpWorker(); });
  }
  return Status::OK();
}

void DnsServer::Forward(std::vector<uint8_t> query,
                        std::function<void(std::vector<uint8_t>)> reply) {
  if (!forwarder_) return reply(ServFailFor(query));
  forwarder_->Forward(std::move(query), std::move(reply));
}

void DnsServer::UdpWorker() {
  std::vector<std::array<uint8_t, kUdpBufferSize>> buffers(kUdpBatch);
  std::array<mmsghdr, kUdpBatch> in{};
  std::array<iovec, kUdpBatch> in_iov{};
  std::array<sockaddr_storage, kUdpBatch> peers{};
  std::array<mmsghdr, kUdpBatch> out{};
  std::array<iovec, kUdpBatch> out_iov{};
  std::vector<std::vector<uint8_t>> responses(kUdpBatch);
  while (!stopping_.load(std::memory_order_relaxed)) {
    pollfd fds[2] = {{udp_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (stopping_.load(std::memory_order_relaxed)) break;
    for (int i = 0; i < kUdpBatch; ++i) {
      in_iov[i] = {buffers[i].data(), buffers[i].size()};
      in[i].msg_hdr = {};
      in[i].msg_hdr.msg_name = &peers[i];
      in[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      in[i].msg_hdr.msg_iov = &in_iov[i];
      in[i].msg_hdr.msg_iovlen = 1;
    }
    int n = ::recvmmsg(udp_fd_, in.data(), kUdpBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) continue;  // another worker took them
    int m = 0;
    for (int i = 0; i < n; ++i) {
      if (in[i].msg_hdr.msg_flags & MSG_TRUNC) continue;  // oversized: drop
      std::span<const uint8_t> packet(buffers[i].data(), in[i].msg_len);
      bool forward = false;
      responses[m] = HandlePacket(packet, /*udp=*/true, &forward);
      if (forward) {
        sockaddr_storage peer = peers[i];
        socklen_t peer_len = in[i].msg_hdr.msg_namelen;
        int fd = udp_fd_;
        Forward(std::vector<uint8_t>(packet.begin(), packet.end()),
                [fd, peer, peer_len](std::vector<uint8_t> r) {
                  if (!r.empty()) {
                    ::sendto(fd, r.data(), r.size(), MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&peer), peer_len);
                  }
                });
        continue;
      }
      if (responses[m].empty()) continue;
      out_iov[m] = {responses[m].data(), responses[m].size()};
      out[m].msg_hdr = {};
      out[m].msg_hdr.msg_name = &peers[i];
      out[m].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
      out[m].msg_hdr.msg_iov = &out_iov[m];
      out[m].msg_hdr.msg_iovlen = 1;
      ++m;
    }
    for (int sent = 0; sent < m;) {
      int r = ::sendmmsg(udp_fd_, out.data() + sent, m - sent, 0);
      if (r <= 0) break;  // a full socket buffer drops the rest, as UDP may
      sent += r;
    }
  }
}

void DnsServer::Stop() {
  if (!started_ || stopping_.exchange(true)) return;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t w = ::write(wake_fd_, &one, sizeof one);
  for (auto& t : udp_threads_) t.join();
  udp_threads_.clear();
  asio::post(ioc_, [this] {
    boost::system::error_code ec;
    tcp_->acceptor.close(ec);
  });
  if (forwarder_) forwarder_->Stop();
  ioc_.stop();
  if (io_thread_.joinable()) io_thread_.join();
  ::close(udp_fd_);
  ::close(wake_fd_);
}

}  // namespace tinyk8s::dns
