#include "dns/forwarder.h"

#include <boost/asio/post.hpp>

#include "common/logging.h"
#include "dns/message.h"

namespace tinyk8s::dns {

namespace asio = boost::asio;
using asio::ip::udp;

std::vector<uint8_t> ServFailFor(const std::vector<uint8_t>& query) {
  auto q = ParseQuery(query);
  if (!q.ok()) return {};
  Response r;
  r.header.id = q->header.id;
  r.header.opcode = q->header.opcode;
  r.header.rd = q->header.rd;
  r.header.ra = true;
  r.rcode = Rcode::kServFail;
  r.edns = q->edns.present;
  return EncodeResponse(query, *q, r, kMaxUdpPlainSize);
}

Forwarder::Forwarder(asio::io_context& ioc, udp::endpoint upstream,
                     std::chrono::milliseconds timeout)
    : ioc_(ioc), upstream_(upstream), timeout_(timeout), socket_(ioc), buffer_(kMaxMessageSize) {}

Forwarder::~Forwarder() = default;

bool Forwarder::Start() {
  boost::system::error_code ec;
  socket_.open(upstream_.protocol(), ec);
  if (ec) {
    TK_LOG_ERROR << "cannot open the upstream socket: " << ec.message();
    return false;
  }
  Receive();
  return true;
}

void Forwarder::Stop() {
  asio::post(ioc_, [this] {
    boost::system::error_code ec;
    socket_.close(ec);
    for (auto& [id, p] : pending_) p.timer->cancel();
    pending_.clear();
  });
}

void Forwarder::Forward(std::vector<uint8_t> query, Callback done) {
  asio::post(ioc_, [this, query = std::move(query), done = std::move(done)]() mutable {
    if (query.size() < kHeaderSize || pending_.size() >= 60000 || !socket_.is_open()) {
      done(ServFailFor(query));
      return;
    }
    uint16_t id = next_id_++;
    while (pending_.count(id) > 0 || id == 0) id = next_id_++;
    Pending p;
    p.client_id = static_cast<uint16_t>(query[0] << 8 | query[1]);
    query[0] = static_cast<uint8_t>(id >> 8);
    query[1] = static_cast<uint8_t>(id);
    p.done = std::move(done);
    p.timer = std::make_unique<asio::steady_timer>(ioc_, timeout_);
    p.timer->async_wait([this, id](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: answered
      auto it = pending_.find(id);
      if (it == pending_.end()) return;
      std::vector<uint8_t> q = std::move(it->second.query);
      q[0] = static_cast<uint8_t>(it->second.client_id >> 8);
      q[1] = static_cast<uint8_t>(it->second.client_id);
      Callback cb = std::move(it->second.done);
      pending_.erase(it);
      cb(ServFailFor(q));
    });
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(query), upstream_, 0, ec);
    p.query = std::move(query);
    pending_.emplace(id, std::move(p));
    if (ec) Finish(id, {});
  });
}

void Forwarder::Receive() {
  socket_.async_receive_from(
      asio::buffer(buffer_), sender_, [this](const boost::system::error_code& ec, size_t n) {
        if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
        // Only the upstream may answer (a minimal guard against spoofed replies).
        if (!ec && n >= kHeaderSize && sender_ == upstream_) {
          uint16_t id = static_cast<uint16_t>(buffer_[0] << 8 | buffer_[1]);
          Finish(id, std::vector<uint8_t>(buffer_.begin(), buffer_.begin() + n));
        }
        Receive();
      });
}

void Forwarder::Finish(uint16_t id, std::vector<uint8_t> response) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  p.timer->cancel();
  if (response.empty()) {
    p.query[0] = static_cast<uint8_t>(p.client_id >> 8);
    p.query[1] = static_cast<uint8_t>(p.client_id);
    response = ServFailFor(p.query);
  } else {
    response[0] = static_cast<uint8_t>(p.client_id >> 8);
    response[1] = static_cast<uint8_t>(p.client_id);
  }
  p.done(std::move(response));
}

}  // namespace tinyk8s::dns
