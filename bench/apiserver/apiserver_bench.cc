// apiserver_bench: figures for issue #3. Starts the real `tinyk8s apiserver` binary and measures
// over loopback HTTP: start-to-/readyz (empty data dir and with 10k stored pods), idle RSS,
// pod creates/s with 1 and 64 concurrent clients, LIST of 10k pods (p50/p99) and watch event
// latency with 1,000 watchers. Prints figures; never fails on time.
//
// `apiserver_bench [BINARY] --storage-compare` instead measures pod creates/s through the API
// on SQLite and on a 3-member etcd cluster (Debian's etcd, on disk like SQLite), same run.
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/apiserver/stats.h"
#include "bench/apiserver/watch_latency.h"
#include "tests/support/etcd_cluster.h"

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

using tinyk8s::bench::CpuSeconds;
using tinyk8s::bench::MeasureWatchLatency;
using tinyk8s::bench::Percentile;
using tinyk8s::bench::RssKiB;

namespace {

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Conn is one keep-alive HTTP connection.
class Conn {
 public:
  explicit Conn(int port) : stream_(ioc_) {
    stream_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                  static_cast<unsigned short>(port)));
    stream_.socket().set_option(tcp::no_delay(true));
  }
  int Request(http::verb verb, const std::string& target, const std::string& body,
              std::string* out = nullptr) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 31);
    http::read(stream_, buffer_, parser);
    if (out) *out = std::move(parser.get().body());
    return static_cast<int>(parser.get().result_int());
  }
  beast::tcp_stream& stream() { return stream_; }
  beast::flat_buffer& buffer() { return buffer_; }

 private:
  boost::asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

struct Server {
  int pid = -1;
  int port = 0;
};

// StartServer starts an API server on plain HTTP, or on TLS (its default) when `tls`.
Server StartServer(const std::string& binary, const std::string& dir, Clock::time_point* ready_at,
                   const std::vector<std::string>& extra_args = {}, bool tls = false) {
  std::string port_file = dir + "/port";
  std::filesystem::remove(port_file);
  std::vector<std::string> argv = {binary,     "apiserver",   "--data-dir",  dir + "/data",
                                   "--listen", "127.0.0.1:0", "--port-file", port_file};
  if (!tls) argv.push_back("--insecure-http");
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  Server s;
  s.pid = fork();
  if (s.pid == 0) {
    // BENCH_SERVER_LOG=FILE keeps the servers' output (appended) for looking into a figure.
    const char* log = std::getenv("BENCH_SERVER_LOG");
    int out = log ? open(log, O_WRONLY | O_CREAT | O_APPEND, 0644) : open("/dev/null", O_WRONLY);
    dup2(out, 1);
    dup2(out, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  while (s.port == 0) {
    std::ifstream in(port_file);
    if (!(in >> s.port)) {
      s.port = 0;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  // Poll /readyz until 200.
  tinyk8s::bench::WatchTarget target{s.port, s.pid, tls ? dir + "/data/pki" : ""};
  while (tinyk8s::bench::Get(target, "/readyz") != 200) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  *ready_at = Clock::now();
  return s;
}

// A lone API server runs no controller manager, so nothing makes the ServiceAccount `default`
// that pod admission looks up (as with upstream's kube-apiserver alone): make it, so that pod
// creates are measured with the admission a cluster runs.
void CreateDefaultServiceAccount(int port) {
  Conn c(port);
  int code =
      c.Request(http::verb::post, "/api/v1/namespaces/default/serviceaccounts",
                R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default"}})");
  // 404: a binary from before ServiceAccounts, in an A/B comparison.
  if (code != 201 && code != 409 && code != 404) {
    std::fprintf(stderr, "creating ServiceAccount default: HTTP %d\n", code);
    std::exit(1);
  }
}

void PrintPerEvent(const tinyk8s::bench::WatchLatency& w) {
  std::printf("  benchmark client CPU %.2f ms per event\n", w.client_cpu_ms_per_event);
  std::printf(
      "  per event: first watcher %.2f ms, last %.2f ms (medians); slowest event %.2f .. %.2f ms\n",
      w.median_first_ms, w.median_last_ms, w.slowest_event_first_ms, w.slowest_event_last_ms);
}

void StopServer(Server& s) {
  kill(s.pid, SIGTERM);
  int status;
  waitpid(s.pid, &status, 0);
}

std::string PodJson(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","namespace":"default","labels":{"app":"bench"}},"spec":{"nodeName":"node01","containers":[{"name":"c","image":"nginx:1.25","resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}]}})";
}

double CreatePods(int port, int clients, int total, const std::string& prefix) {
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Conn conn(port);
      for (int i = next++; i < total; i = next++) {
        int code = conn.Request(http::verb::post, "/api/v1/namespaces/default/pods",
                                PodJson(prefix + std::to_string(i)));
        if (code != 201) ++failures;
      }
      (void)c;
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (failures) std::printf("  (%d failed creates)\n", failures.load());
  return total / secs;
}

// CompareStorage prints pod creates/s on SQLite and on a 3-member etcd, one after the other.
int CompareStorage(const std::string& binary, const std::string& dir) {
  std::printf(
      "pod creates/s through the API: SQLite (durable) vs etcd 3.4, 3 members on loopback\n");
  const char* tmpdir = std::getenv("TMPDIR");
  tinyk8s::testing::EtcdCluster etcd(3, tmpdir != nullptr ? tmpdir : "/tmp");
  if (!etcd.ok()) {
    std::printf("etcd did not start: %s\n", etcd.error().c_str());
    return 1;
  }
  struct Backend {
    const char* name;
    std::vector<std::string> args;
  };
  const Backend backends[] = {
      {"sqlite", {}},
      {"etcd", {"--storage", "etcd", "--etcd-endpoints", etcd.Endpoints(), "--etcd-prefix", "/b"}},
  };
  for (const Backend& backend : backends) {
    std::string sub = dir + "/" + backend.name;
    std::filesystem::create_directories(sub);
    Clock::time_point ready;
    Server s = StartServer(binary, sub, &ready, backend.args);
    CreateDefaultServiceAccount(s.port);
    double one = CreatePods(s.port, 1, 1000, "one-");
    double many = CreatePods(s.port, 64, 4000, "many-");
    std::printf("  %-7s 1 client: %7.0f /s   64 clients: %7.0f /s\n", backend.name, one, many);
    StopServer(s);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string binary = TINYK8S_BINARY_PATH;
  bool compare = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--storage-compare") {
      compare = true;
    } else {
      binary = argv[i];
    }
  }
  char tmpl[] = "/tmp/tinyk8s-apiserver-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  if (compare) {
    int rc = CompareStorage(binary, dir);
    std::filesystem::remove_all(dir);
    return rc;
  }
  std::printf("tinyk8s apiserver benchmark (binary %s, data in %s)\n", binary.c_str(), dir.c_str());

  auto t0 = Clock::now();
  Clock::time_point ready;
  Server s = StartServer(binary, dir, &ready);
  std::printf("start to /readyz, empty data dir:      %8.1f ms\n", Ms(ready - t0));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::printf("idle RSS:                               %8.1f MiB\n", RssKiB(s.pid) / 1024.0);
  CreateDefaultServiceAccount(s.port);

  std::printf("pod creates/s, 1 client:                %8.0f\n",
              CreatePods(s.port, 1, 2000, "one-"));
  std::printf("pod creates/s, 64 clients:              %8.0f\n",
              CreatePods(s.port, 64, 8000, "many-"));
  std::printf("RSS after 10k creates:                  %8.1f MiB\n", RssKiB(s.pid) / 1024.0);
  // Top up to 10k pods for the LIST figures.
  CreatePods(s.port, 64, 0, "none-");
  {
    Conn c(s.port);
    std::string body;
    c.Request(http::verb::get, "/api/v1/namespaces/default/pods?limit=1", "", &body);
  }
  std::vector<double> lists;
  size_t bytes = 0;
  {
    Conn c(s.port);
    for (int i = 0; i < 30; ++i) {
      std::string body;
      auto start = Clock::now();
      c.Request(http::verb::get, "/api/v1/namespaces/default/pods", "", &body);
      lists.push_back(Ms(Clock::now() - start));
      bytes = body.size();
    }
  }
  std::printf("LIST 10k pods (%.1f MB): p50 %.1f ms, p99 %.1f ms\n", bytes / 1e6,
              Percentile(lists, 0.5), Percentile(lists, 0.99));
  std::printf("RSS with 10k pods:                      %8.1f MiB\n", RssKiB(s.pid) / 1024.0);

  // Watch latency: 1,000 watchers on configmaps in namespace default; each event timestamped.
  constexpr int kWatchers = 1000;
  constexpr int kEvents = 50;
  auto plain = MeasureWatchLatency({s.port, s.pid, ""}, kWatchers, kEvents, "cm-");
  std::printf("watch latency, %d watchers x %d events: p50 %.2f ms, p99 %.2f ms\n", kWatchers,
              kEvents, plain.p50_ms, plain.p99_ms);
  // CPU per event is steadier than latency on a busy machine: it compares builds under load.
  std::printf("watch fan-out: server CPU %.2f ms per event\n", plain.server_cpu_ms_per_event);
  PrintPerEvent(plain);
  StopServer(s);

  // Restart with ~10k pods stored.
  t0 = Clock::now();
  s = StartServer(binary, dir, &ready);
  std::printf("start to /readyz with %s objects stored: %8.1f ms\n", "~10k", Ms(ready - t0));
  StopServer(s);

  // The same watch figures over TLS with client certificates, the server's default.
  s = StartServer(binary, dir, &ready, {}, /*tls=*/true);
  auto tls = MeasureWatchLatency({s.port, s.pid, dir + "/data/pki"}, kWatchers, kEvents, "tls-cm-");
  std::printf("watch latency over TLS, %d watchers x %d events: p50 %.2f ms, p99 %.2f ms\n",
              kWatchers, kEvents, tls.p50_ms, tls.p99_ms);
  std::printf("watch fan-out over TLS: server CPU %.2f ms per event\n",
              tls.server_cpu_ms_per_event);
  PrintPerEvent(tls);
  StopServer(s);
  std::filesystem::remove_all(dir);
  return 0;
}
