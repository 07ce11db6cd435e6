#include "tests/support/loopback_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string_view>

namespace tinyk8s::testing {

namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

LoopbackProxy::LoopbackProxy(int target_port) : target_port_(target_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener_ < 0) return;
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 64) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return;
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

LoopbackProxy::~LoopbackProxy() {
  stopping_ = true;
  if (listener_ >= 0) ::shutdown(listener_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  if (listener_ >= 0) ::close(listener_);
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) t.join();  // each notices stopping_ within its poll
}

void LoopbackProxy::DropNextResponse(const std::string& marker) {
  std::lock_guard<std::mutex> lock(mu_);
  armed_marker_ = marker;
}

void LoopbackProxy::AcceptLoop() {
  while (!stopping_) {
    int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) {
      if (stopping_) return;
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    connections_.emplace_back([this, client] { Forward(client); });
  }
}

void LoopbackProxy::Forward(int client) {
  int server = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in target = Loopback(target_port_);
  if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
    if (server >= 0) ::close(server);
    ::close(client);
    return;
  }
  bool drop_response = false;
  char buf[16384];
  while (!stopping_) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    int ready = ::poll(fds, 2, 100);
    if (ready < 0) break;
    if (ready == 0) continue;
    if (fds[0].revents != 0) {
      ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) break;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!armed_marker_.empty() &&
            std::string_view(buf, static_cast<size_t>(n)).find(armed_marker_) !=
                std::string_view::npos) {
          armed_marker_.clear();
          drop_response = true;
        }
      }
      if (!SendAll(server, buf, static_cast<size_t>(n))) break;
    }
    if (fds[1].revents != 0) {
      ssize_t n = ::recv(server, buf, sizeof buf, 0);
      if (n <= 0) break;
      if (drop_response) {
        ++dropped_;
        break;  // the target answered: lose the answer, break the connection
      }
      if (!SendAll(client, buf, static_cast<size_t>(n))) break;
    }
  }
  ::close(server);
  ::shutdown(client, SHUT_RDWR);
  ::close(client);
}

}  // namespace tinyk8s::testing
