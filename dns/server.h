#pragma once
// DnsServer: serves a Resolver over UDP and TCP on one address (RFC 1035 4.2, RFC 7766).
//
// UDP is the hot path: `udp_workers` threads block in poll() on the shared socket and move
// batches with recvmmsg/sendmmsg. They are plain threads rather than Asio handlers because a
// query is a few microseconds of work and the reactor's per-operation cost would dominate
// (bench/dns). TCP (connections, idle timeouts) and forwarding (timers) are asynchronous on one
// Asio io_context thread. Answers over UDP that do not fit the client's size (512 bytes, or its
// EDNS0 payload size) are truncated with TC set, so the client retries over TCP.
//
// Thread-safe: Start and Stop from one controlling thread; HandlePacket from any thread.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "dns/forwarder.h"
#include "dns/resolver.h"

namespace tinyk8s::dns {

struct DnsServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 10053;  // 0 = pick a port free for both UDP and TCP
  int udp_workers = 2;
  // Upstream for names outside the cluster zones ("HOST:PORT"); empty = REFUSED.
  std::string upstream;
  std::chrono::milliseconds forward_timeout{2000};
  std::chrono::milliseconds tcp_idle_timeout{10000};
  size_t max_tcp_connections = 512;
  // Largest UDP answer we send, whatever the client's EDNS0 size (and what we advertise).
  uint16_t max_udp_size = 1232;
};

class DnsServer {
 public:
  DnsServer(const Resolver& resolver, DnsServerOptions options);
  ~DnsServer();  // Stop()
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Start binds UDP and TCP and starts serving. kUnavailable if the address is taken;
  // kInvalid for a bad host or upstream.
  Status Start();
  // Stop stops serving and joins every thread. Idempotent.
  void Stop();
  uint16_t port() const { return port_; }

  // HandlePacket answers one query packet. Returns the response bytes, or nothing to drop the
  // packet (malformed, or a response). *forward is set when the query must go upstream
  // instead (the packet is then forwarded unchanged).
  std::vector<uint8_t> HandlePacket(std::span<const uint8_t> packet, bool udp, bool* forward) const;

  uint64_t QueriesForTest() const { return queries_.load(); }

 private:
  struct Tcp;
  void UdpWorker();
  void Forward(std::vector<uint8_t> query, std::function<void(std::vector<uint8_t>)> reply);

  const Resolver& resolver_;
  DnsServerOptions options_;
  uint16_t port_ = 0;
  int udp_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> udp_threads_;
  // Declared before ioc_: sessions still queued in ioc_ decrement it when ioc_ is destroyed.
  std::atomic<size_t> tcp_connections_{0};
  boost::asio::io_context ioc_;
  std::unique_ptr<Tcp> tcp_;
  std::unique_ptr<Forwarder> forwarder_;
  std::thread io_thread_;
  mutable std::atomic<uint64_t> queries_{0};
  bool started_ = false;
};

}  // namespace tinyk8s::dns
