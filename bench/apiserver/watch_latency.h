#pragma once
// Watch event latency: many watch streams on ConfigMaps, a create every 20 ms, each event
// timestamped when it reaches each watcher. Over plain HTTP or TLS (client certificate).

#include <string>

namespace tinyk8s::bench {

struct WatchTarget {
  int port = 0;
  int server_pid = 0;
  // Directory with ca.crt, admin.crt and admin.key for TLS; empty for plain HTTP.
  std::string pki_dir;
};

struct WatchLatency {
  double p50_ms = 0;
  double p99_ms = 0;
  double server_cpu_ms_per_event = 0;  // steadier than latency on a busy machine
  // The benchmark's own reader runs on the same cores: its share is part of every figure.
  double client_cpu_ms_per_event = 0;
  int closed_early = 0;  // watches the server ended before the last event
  // Per event: arrival at its first and at its last watcher (medians over the events), and
  // the same two for the event whose last arrival was latest.
  double median_first_ms = 0;
  double median_last_ms = 0;
  double slowest_event_first_ms = 0;
  double slowest_event_last_ms = 0;
};

// MeasureWatchLatency opens `watchers` watches, creates `events` ConfigMaps named
// <prefix><i>, and reports latencies from just before each create request to each arrival.
WatchLatency MeasureWatchLatency(const WatchTarget& target, int watchers, int events,
                                 const std::string& prefix);

// Get sends one GET and returns the status code (0 if the connection failed).
int Get(const WatchTarget& target, const std::string& path);

}  // namespace tinyk8s::bench
