#include "apiserver/metrics.h"

#include <cstdio>

namespace tinyk8s::apiserver {

namespace {
constexpr double kBounds[8] = {0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 60};
}

void Metrics::ObserveRequest(const std::string& verb, const std::string& resource, unsigned code,
                             std::chrono::microseconds latency) {
  double secs = static_cast<double>(latency.count()) / 1e6;
  std::lock_guard lock(mu_);
  Series& s = requests_[{verb, resource, code}];
  ++s.count;
  s.sum_seconds += secs;
  for (int i = 0; i < 8; ++i) {
    if (secs <= kBounds[i]) ++s.buckets[i];
  }
}

std::string Metrics::Render(int64_t revision) const {
  std::string out;
  out += "# HELP apiserver_request_total Counter of API requests by verb, resource and code.\n";
  out += "# TYPE apiserver_request_total counter\n";
  std::lock_guard lock(mu_);
  char line[512];
  for (const auto& [k, s] : requests_) {
    std::snprintf(line, sizeof line,
                  "apiserver_request_total{verb=\"%s\",resource=\"%s\",code=\"%u\"} %llu\n",
                  std::get<0>(k).c_str(), std::get<1>(k).c_str(), std::get<2>(k),
                  static_cast<unsigned long long>(s.count));
    out += line;
  }
  out += "# HELP apiserver_request_duration_seconds Response latency by verb and resource.\n";
  out += "# TYPE apiserver_request_duration_seconds histogram\n";
  for (const auto& [k, s] : requests_) {
    for (int i = 0; i < 8; ++i) {
      std::snprintf(line, sizeof line,
                    "apiserver_request_duration_seconds_bucket{verb=\"%s\",resource=\"%s\",code=\"%"
                    "u\",le=\"%g\"} %llu\n",
                    std::get<0>(k).c_str(), std::get<1>(k).c_str(), std::get<2>(k), kBounds[i],
                    static_cast<unsigned long long>(s.buckets[i]));
      out += line;
    }
    std::snprintf(
        line, sizeof line,
        "apiserver_request_duration_seconds_bucket{verb=\"%s\",resource=\"%s\",code=\"%u\",le=\"+"
        "Inf\"} %llu\n"
        "apiserver_request_duration_seconds_sum{verb=\"%s\",resource=\"%s\",code=\"%u\"} %g\n"
        "apiserver_request_duration_seconds_count{verb=\"%s\",resource=\"%s\",code=\"%u\"} %llu\n",
        std::get<0>(k).c_str(), std::get<1>(k).c_str(), std::get<2>(k),
        static_cast<unsigned long long>(s.count), std::get<0>(k).c_str(), std::get<1>(k).c_str(),
        std::get<2>(k), s.sum_seconds, std::get<0>(k).c_str(), std::get<1>(k).c_str(),
        std::get<2>(k), static_cast<unsigned long long>(s.count));
    out += line;
  }
  out += "# HELP apiserver_registered_watchers Number of open watch streams.\n";
  out += "# TYPE apiserver_registered_watchers gauge\n";
  out += "apiserver_registered_watchers " + std::to_string(watches_.load()) + "\n";
  out += "# HELP tinyk8s_storage_revision Current storage revision.\n";
  out += "# TYPE tinyk8s_storage_revision gauge\n";
  out += "tinyk8s_storage_revision " + std::to_string(revision) + "\n";
  return out;
}

}  // namespace tinyk8s::apiserver
