#pragma once
// LoopbackProxy forwards TCP connections from a free 127.0.0.1 port to a target port, and can
// break one exchange on purpose: the request reaches the target, its response is thrown away
// and the connection closed. Tests use it to lose an etcd answer after etcd acted on it.
//
// Thread-safe; one thread per forwarded connection. Everything stops on destruction.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tinyk8s::testing {

class LoopbackProxy {
 public:
  explicit LoopbackProxy(int target_port);
  ~LoopbackProxy();
  LoopbackProxy(const LoopbackProxy&) = delete;
  LoopbackProxy& operator=(const LoopbackProxy&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // DropNextResponse arms the proxy once: the next request that contains `marker` (e.g.
  // "POST /v3/kv/txn") is forwarded, and the first response bytes that follow it close the
  // connection instead of reaching the client.
  void DropNextResponse(const std::string& marker);
  // How many responses were dropped so far.
  int dropped() const { return dropped_.load(); }

 private:
  void AcceptLoop();
  void Forward(int client);

  const int target_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> dropped_{0};
  std::mutex mu_;
  std::string armed_marker_;              // GUARDED_BY(mu_); empty = not armed
  std::vector<std::thread> connections_;  // GUARDED_BY(mu_)
  std::thread acceptor_;
};

}  // namespace tinyk8s::testing
