#pragma once
// IdleConnections keeps kept-alive client connections (HttpConnection, or a protocol's wrapper
// of one) for reuse, up to a limit. Thread-safe. Which failures retry on a fresh connection is
// the owner's policy.

#include <memory>
#include <mutex>
#include <vector>

namespace tinyk8s {

template <typename Connection>
class IdleConnections {
 public:
  explicit IdleConnections(size_t max_idle) : max_idle_(max_idle) {}

  // Take returns the most recently parked connection, or null.
  std::unique_ptr<Connection> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.empty()) return nullptr;
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }

  // Park keeps `c` if the last exchange left it reusable and there is room.
  void Park(std::unique_ptr<Connection> c) {
    if (!c->reusable()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
  }

  // Clear drops every parked connection (the server likely closed them all).
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.clear();
  }

 private:
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // GUARDED_BY(mu_)
};

}  // namespace tinyk8s
