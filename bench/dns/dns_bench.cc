// dns_bench: queries per second and latency of the DNS server over loopback UDP with a cluster
// of 1,000 services (half ClusterIP, half headless) and 5,000 ready endpoints. Prints figures;
// never pass/fail.
//
// The server is the real DnsServer + Resolver + ClusterView, fed with Service and EndpointSlice
// objects as the informers would feed it (no API server needed). The load generator keeps a
// window of queries in flight from one or more client threads (sendmmsg/recvmmsg), over a mix
// of ClusterIP A, headless A (10 answers), SRV, endpoint A and NXDOMAIN queries.
//
// Usage: dns_bench [--seconds N] [--clients N] [--window N] [--workers N]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "api/json.h"
#include "dns/server.h"

namespace tinyk8s::dns {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kServices = 1000;
constexpr int kEndpointsPerHeadless = 10;  // 500 headless x 10 = 5,000 endpoints

void FillView(ClusterView& view) {
  view.UpsertNamespace(api::ParseJson(R"({"metadata":{"name":"bench"}})").value());
  for (int i = 0; i < kServices; ++i) {
    bool headless = i % 2 == 1;
    std::string name = "svc" + std::to_string(i);
    std::string ip =
        headless ? "None" : "10.43." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 2);
    view.UpsertService(api::ParseJson(R"({"metadata":{"name":")" + name +
                                      R"(","namespace":"bench"},"spec":{"clusterIP":")" + ip +
                                      R"(","ports":[{"name":"http","port":80,"protocol":"TCP"}]}})")
                           .value());
    if (!headless) continue;
    std::string eps;
    for (int e = 0; e < kEndpointsPerHeadless; ++e) {
      int n = i * kEndpointsPerHeadless + e;
      if (!eps.empty()) eps += ",";
      eps += R"({"addresses":["10.128.)" + std::to_string(n / 250) + "." +
             std::to_string(n % 250 + 1) + R"("],"conditions":{"ready":true}})";
    }
    view.UpsertEndpointSlice(
        api::ParseJson(
            R"({"metadata":{"name":")" + name +
            R"(-x","namespace":"bench","labels":{"kubernetes.io/service-name":")" + name +
            R"("}},"addressType":"IPv4","ports":[{"name":"http","port":8080,"protocol":"TCP"}],"endpoints":[)" +
            eps + "]}")
            .value());
  }
}

// The query mix: mostly plain A lookups (what pods do), some SRV, endpoint and negative ones.
std::vector<std::vector<uint8_t>> QueryMix() {
  std::vector<std::vector<uint8_t>> out;
  for (int i = 0; i < 2000; ++i) {
    int s = (i * 7919) % kServices;
    std::string svc = "svc" + std::to_string(s) + ".bench.svc.cluster.local";
    switch (i % 10) {
      case 0:
        out.push_back(EncodeQuery(0, "_http._tcp." + svc, rrtype::kSrv, true, 1232));
        break;
      case 1:
        out.push_back(EncodeQuery(0, "nope" + std::to_string(i) + ".bench.svc.cluster.local",
                                  rrtype::kA, true, 1232));
        break;
      case 2:
        out.push_back(EncodeQuery(0, svc, rrtype::kAaaa, true, 1232));
        break;
      default:
        out.push_back(EncodeQuery(0, svc, rrtype::kA, true, 1232));
    }
  }
  return out;
}

struct ClientResult {
  uint64_t sent = 0, received = 0, lost = 0;
  std::vector<uint32_t> latencies_us;
};

void RunClient(uint16_t port, int window, Clock::time_point end, ClientResult* result) {
  auto mix = QueryMix();
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int buf = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  std::vector<Clock::time_point> sent_at(65536);
  std::vector<bool> in_flight(65536, false);
  int outstanding = 0;
  uint16_t next_id = 0;
  size_t next_query = 0;
  constexpr int kBatch = 32;
  std::vector<std::vector<uint8_t>> out(kBatch);
  std::vector<std::array<uint8_t, 2048>> in(kBatch);
  std::vector<mmsghdr> msgs(kBatch);
  std::vector<iovec> iovs(kBatch);
  auto last_sweep = Clock::now();
  while (Clock::now() < end) {
    int n = 0;
    while (outstanding + n < window && n < kBatch) {
      while (in_flight[next_id]) ++next_id;
      out[n] = mix[next_query++ % mix.size()];
      out[n][0] = static_cast<uint8_t>(next_id >> 8);
      out[n][1] = static_cast<uint8_t>(next_id);
      sent_at[next_id] = Clock::now();
      in_flight[next_id] = true;
      ++next_id;
      iovs[n] = {out[n].data(), out[n].size()};
      msgs[n] = {};
      msgs[n].msg_hdr.msg_iov = &iovs[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      ++n;
    }
    if (n > 0) {
      int s = ::sendmmsg(fd, msgs.data(), n, 0);
      if (s < n) {  // not sent: forget them
        for (int i = std::max(s, 0); i < n; ++i) {
          in_flight[static_cast<uint16_t>(out[i][0] << 8 | out[i][1])] = false;
        }
      }
      if (s > 0) {
        outstanding += s;
        result->sent += s;
      }
    }
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 50);
    for (int i = 0; i < kBatch; ++i) {
      iovs[i] = {in[i].data(), in[i].size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int r = ::recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    auto now = Clock::now();
    for (int i = 0; i < r; ++i) {
      if (msgs[i].msg_len < 12) continue;
      uint16_t id = static_cast<uint16_t>(in[i][0] << 8 | in[i][1]);
      if (!in_flight[id]) continue;
      in_flight[id] = false;
      --outstanding;
      ++result->received;
      result->latencies_us.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at[id]).count()));
    }
    if (now - last_sweep > std::chrono::milliseconds(200)) {  // count drops as lost
      last_sweep = now;
      for (int id = 0; id < 65536; ++id) {
        if (in_flight[id] && now - sent_at[id] > std::chrono::seconds(1)) {
          in_flight[id] = false;
          --outstanding;
          ++result->lost;
        }
      }
    }
  }
  ::close(fd);
}

int Main(int argc, char** argv) {
  double seconds = 5;
  int clients = 1, window = 128, workers = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    if (flag == "--clients") clients = std::atoi(argv[i + 1]);
    if (flag == "--window") window = std::atoi(argv[i + 1]);
    if (flag == "--workers") workers = std::atoi(argv[i + 1]);
  }
  ClusterView view("cluster.local");
  auto t0 = Clock::now();
  FillView(view);
  double fill_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  Resolver resolver(view, ResolverOptions{});
  DnsServerOptions o;
  o.port = 0;
  o.udp_workers = workers;
  DnsServer server(resolver, o);
  if (!server.Start().ok()) {
    std::fprintf(stderr, "cannot start the DNS server\n");
    return 1;
  }
  std::printf("dns_bench: %d services (%d headless), %d endpoints; view built in %.1f ms\n",
              kServices, kServices / 2, kServices / 2 * kEndpointsPerHeadless, fill_ms);
  std::printf("load: %d client thread(s), window %d, %d server UDP worker(s), %.0f s\n", clients,
              window, workers, seconds);
  // Warm up, then measure.
  {
    ClientResult warm;
    RunClient(server.port(), window, Clock::now() + std::chrono::milliseconds(500), &warm);
  }
  std::vector<ClientResult> results(clients);
  std::vector<std::thread> threads;
  auto start = Clock::now();
  auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back(RunClient, server.port(), window, end, &results[c]);
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ClientResult total;
  for (auto& r : results) {
    total.sent += r.sent;
    total.received += r.received;
    total.lost += r.lost;
    total.latencies_us.insert(total.latencies_us.end(), r.latencies_us.begin(),
                              r.latencies_us.end());
  }
  std::sort(total.latencies_us.begin(), total.latencies_us.end());
  auto pct = [&](double p) -> double {
    if (total.latencies_us.empty()) return 0;
    size_t i =
        std::min(total.latencies_us.size() - 1, static_cast<size_t>(p * total.latencies_us.size()));
    return total.latencies_us[i];
  };
  std::printf("answered %llu of %llu queries (%llu lost) in %.2f s\n",
              static_cast<unsigned long long>(total.received),
              static_cast<unsigned long long>(total.sent),
              static_cast<unsigned long long>(total.lost), elapsed);
  std::printf("throughput: %.0f queries/s\n", total.received / elapsed);
  std::printf("latency (us): p50 %.0f  p99 %.0f  p99.9 %.0f  max %.0f\n", pct(0.50), pct(0.99),
              pct(0.999), pct(1.0));
  server.Stop();
  return 0;
}

}  // namespace
}  // namespace tinyk8s::dns

int main(int argc, char** argv) { return tinyk8s::dns::Main(argc, argv); }
