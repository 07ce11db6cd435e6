#include "bench/apiserver/watch_latency.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "bench/apiserver/stats.h"
#include "tests/support/raw_http_link.h"

namespace tinyk8s::bench {
namespace {

using testing::RawHttpLink;
using testing::TlsClientContext;

using Clock = std::chrono::steady_clock;
double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int Get(const WatchTarget& target, const std::string& path) {
  try {
    TlsClientContext tls(target.pki_dir);
    RawHttpLink link(target.port, tls.ctx());
    return link.Roundtrip("GET", path, "");
  } catch (const std::exception&) {
    return 0;
  }
}

WatchLatency MeasureWatchLatency(const WatchTarget& target, int watchers, int events,
                                 const std::string& prefix) {
  TlsClientContext tls(target.pki_dir);
  std::vector<std::unique_ptr<RawHttpLink>> links;
  for (int i = 0; i < watchers; ++i) {
    links.push_back(std::make_unique<RawHttpLink>(target.port, tls.ctx()));
    links.back()->SendAll(
        "GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0 HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n\r\n");
  }
  std::vector<double> latencies;
  std::vector<std::vector<double>> per_event(static_cast<size_t>(events));
  std::vector<Clock::time_point> sent(static_cast<size_t>(events));
  std::atomic<int> sent_count{0};
  int lost = 0;  // watches the server closed early
  // One epoll thread drains all watch sockets and timestamps each event as it arrives.
  int ep = epoll_create1(0);
  for (int i = 0; i < watchers; ++i) {
    links[i]->SetNonBlocking();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, links[i]->fd(), &ev);
  }
  const std::string marker = "\"name\":\"" + prefix;
  std::thread reader([&] {
    std::vector<std::string> pending(static_cast<size_t>(watchers));
    std::vector<int> seen(static_cast<size_t>(watchers), 0);
    int done = 0;
    epoll_event ready[256];
    char buf[65536];
    while (done < watchers) {
      int n = epoll_wait(ep, ready, 256, 10000);
      if (n <= 0) break;
      auto now = Clock::now();
      for (int e = 0; e < n; ++e) {
        int i = static_cast<int>(ready[e].data.u32);
        RawHttpLink& link = *links[i];
        // One read per readiness: epoll is level-triggered, so a socket with more data left is
        // reported again (reading until EAGAIN doubles the reader's system calls, and the
        // reader shares the cores with the server it measures). TLS may hold decrypted bytes
        // the socket will not report again: those are read now.
        do {
          size_t got = link.ReadSome(buf, sizeof buf);
          if (got == 0) break;
          pending[i].append(buf, got);
        } while (link.Buffered());
        if (link.closed()) {  // the server ended this watch: count it out
          epoll_ctl(ep, EPOLL_CTL_DEL, link.fd(), nullptr);
          ++lost;
          if (seen[i] < events) ++done;
          continue;
        }
        size_t pos;
        while ((pos = pending[i].find(marker)) != std::string::npos) {
          int idx = std::atoi(pending[i].c_str() + pos + marker.size());
          pending[i].erase(0, pos + marker.size());
          if (idx >= 0 && idx < sent_count) {
            latencies.push_back(Ms(now - sent[idx]));
            per_event[static_cast<size_t>(idx)].push_back(latencies.back());
          }
          if (++seen[i] == events) ++done;
        }
      }
    }
  });
  double cpu_before = 0;
  double client_cpu_before = 0;
  {
    RawHttpLink creator(target.port, tls.ctx());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    cpu_before = CpuSeconds(target.server_pid);
    client_cpu_before = CpuSeconds(getpid());
    for (int i = 0; i < events; ++i) {
      sent[i] = Clock::now();
      sent_count = i + 1;
      creator.Roundtrip("POST", "/api/v1/namespaces/default/configmaps",
                        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + prefix +
                            std::to_string(i) + R"("}})");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  reader.join();
  WatchLatency result;
  result.server_cpu_ms_per_event = (CpuSeconds(target.server_pid) - cpu_before) * 1000 / events;
  result.client_cpu_ms_per_event = (CpuSeconds(getpid()) - client_cpu_before) * 1000 / events;
  close(ep);
  result.p50_ms = Percentile(latencies, 0.5);
  result.p99_ms = Percentile(latencies, 0.99);
  result.closed_early = lost;
  // Per event: when its first and its last watcher had it. The first arrival is the write path
  // (request, commit, cache); last minus first is the fan-out. With 50 events one slow commit is
  // 2% of all samples, so the p99 can be one event's story: the slowest event is shown apart.
  std::vector<double> firsts, lasts;
  for (auto& e : per_event) {
    if (e.empty()) continue;
    auto [lo, hi] = std::minmax_element(e.begin(), e.end());
    firsts.push_back(*lo);
    lasts.push_back(*hi);
    if (*hi > result.slowest_event_last_ms) {
      result.slowest_event_last_ms = *hi;
      result.slowest_event_first_ms = *lo;
    }
  }
  result.median_first_ms = Percentile(firsts, 0.5);
  result.median_last_ms = Percentile(lasts, 0.5);
  return result;
}

}  // namespace tinyk8s::bench
