#pragma once
// Forwarder: relays queries for names outside the cluster zones to one upstream server over UDP
// (CoreDNS `forward . <upstream>`), rewriting the message ID so answers can be matched, and
// answering SERVFAIL when the upstream stays silent.
//
// Runs on the server's io_context. Forward may be called from any thread; the callback runs on
// the io_context thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace tinyk8s::dns {

class Forwarder {
 public:
  // Callback gets the upstream's answer (with the client's ID restored), or a SERVFAIL.
  using Callback = std::function<void(std::vector<uint8_t> response)>;

  Forwarder(boost::asio::io_context& ioc, boost::asio::ip::udp::endpoint upstream,
            std::chrono::milliseconds timeout);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Start opens the upstream socket; false on failure.
  bool Start();
  void Forward(std::vector<uint8_t> query, Callback done);
  void Stop();

 private:
  struct Pending {
    uint16_t client_id = 0;
    std::vector<uint8_t> query;  // for the SERVFAIL on timeout
    Callback done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  void Receive();
  void Finish(uint16_t id, std::vector<uint8_t> response);

  boost::asio::io_context& ioc_;
  boost::asio::ip::udp::endpoint upstream_;
  std::chrono::milliseconds timeout_;
  boost::asio::ip::udp::socket socket_;
  std::vector<uint8_t> buffer_;
  boost::asio::ip::udp::endpoint sender_;
  // Touched only on the io_context thread (Forward posts there).
  std::unordered_map<uint16_t, Pending> pending_;
  uint16_t next_id_ = 1;
};

// ServFailFor builds a SERVFAIL answer to `query` (empty if the query is unreadable).
std::vector<uint8_t> ServFailFor(const std::vector<uint8_t>& query);

}  // namespace tinyk8s::dns
