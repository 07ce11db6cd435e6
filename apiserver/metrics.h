#pragma once
// Metrics: request counts and latencies by verb, resource and code, watch counts, storage
// revision; rendered as Prometheus text at /metrics. Thread-safe.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace tinyk8s::apiserver {

class Metrics {
 public:
  void ObserveRequest(const std::string& verb, const std::string& resource, unsigned code,
                      std::chrono::microseconds latency);
  void WatchStarted() { ++watches_; }
  void WatchEnded() { --watches_; }
  // Render produces the Prometheus text exposition; `revision` is the storage revision.
  std::string Render(int64_t revision) const;

 private:
  struct Series {
    uint64_t count = 0;
    double sum_seconds = 0;
    uint64_t buckets[8] = {};
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, unsigned>, Series> requests_;  // guarded by mu_
  std::atomic<int64_t> watches_{0};
};

}  // namespace tinyk8s::apiserver
