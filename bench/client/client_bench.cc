// client_bench: RestClient create throughput (1 and 64 threads) and informer time-to-sync for
// 10k pods, against an in-process API server on loopback. Prints figures; never pass/fail.
//
// Usage: client_bench [pods=10000]

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "api/json.h"
#include "apiserver/server.h"
#include "client/informer.h"
#include "client/rest_client.h"
#include "common/logging.h"

using namespace tinyk8s;  // NOLINT: benchmark main
using SteadyClock = std::chrono::steady_clock;

namespace {

rapidjson::Document Pod(const std::string& name, int i) {
  std::string json =
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
      R"(","namespace":"default","labels":{"app":"bench","i":")" + std::to_string(i % 100) +
      R"("}},"spec":{"nodeName":"node)" + std::to_string(i % 50) +
      R"(","containers":[{"name":"c","image":"nginx:1.25","resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]}})";
  auto doc = api::ParseJson(json);
  return std::move(doc.value());
}

// Creates `total` pods named prefix-N over `threads` threads; returns creates/s.
double CreatePods(client::Client& c, const std::string& prefix, int total, int threads) {
  std::atomic<int> next{0}, failures{0};
  auto start = SteadyClock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      for (int i = next++; i < total; i = next++) {
        auto r = c.Create(client::resources::Pods(), "default", Pod(prefix + std::to_string(i), i));
        if (!r.ok()) {
          if (failures++ == 0)
            std::fprintf(stderr, "create failed: %s\n", r.status().ToString().c_str());
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  double secs = std::chrono::duration<double>(SteadyClock::now() - start).count();
  if (failures > 0) std::fprintf(stderr, "%d failures\n", failures.load());
  return total / secs;
}

}  // namespace

int main(int argc, char** argv) {
  int pods = argc > 1 ? std::atoi(argv[1]) : 10000;
  log::SetVerbosity(0);
  char tmpl[] = "/tmp/client_bench.XXXXXX";
  std::string dir = mkdtemp(tmpl);
  apiserver::ApiServerOptions o;
  o.data_dir = dir;
  o.durable = false;
  o.port = 0;
  o.insecure_http = true;
  o.service_account_admission = false;  // no controller manager creates "default" accounts
  auto server = apiserver::ApiServer::Start(o);
  if (!server.ok()) {
    std::fprintf(stderr, "server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  client::RestConfig config;
  config.server = (*server)->url();
  auto c = client::RestClient::Create(config);
  if (!c.ok()) return 1;
  client::RestClient& rc = **c;

  std::printf("client_bench against %s (in-process, durable=false)\n", config.server.c_str());
  double one = CreatePods(rc, "one-", 2000, 1);
  std::printf("creates/s, 1 thread:   %8.0f  (2000 pods)\n", one);
  int remaining = std::max(0, pods - 2000);
  double many = CreatePods(rc, "many-", remaining, 64);
  std::printf("creates/s, 64 threads: %8.0f  (%d pods)\n", many, remaining);

  auto gets_start = SteadyClock::now();
  int gets = 5000;
  for (int i = 0; i < gets; ++i)
    (void)rc.Get(client::resources::Pods(), "default", "one-" + std::to_string(i % 2000));
  std::printf("gets/s, 1 thread:      %8.0f\n",
              gets / std::chrono::duration<double>(SteadyClock::now() - gets_start).count());

  auto list_start = SteadyClock::now();
  auto list = rc.List(client::resources::Pods(), "", {});
  std::printf("list %zu pods (pages of 500): %.0f ms\n", list.ok() ? list->items.size() : 0,
              std::chrono::duration<double, std::milli>(SteadyClock::now() - list_start).count());

  client::ListOptions unpaged;
  unpaged.page_size = 0;
  list_start = SteadyClock::now();
  list = rc.List(client::resources::Pods(), "", unpaged);
  std::printf("list %zu pods (one request): %.0f ms\n", list.ok() ? list->items.size() : 0,
              std::chrono::duration<double, std::milli>(SteadyClock::now() - list_start).count());
  list_start = SteadyClock::now();
  auto raw = rc.Raw("GET", "/api/v1/pods");
  std::printf("raw GET of the same list (no decoding): %.0f ms, %.1f MB\n",
              std::chrono::duration<double, std::milli>(SteadyClock::now() - list_start).count(),
              raw.ok() ? raw->body.size() / 1e6 : 0.0);

  for (int round = 0; round < 2; ++round) {
    client::SharedInformerFactory factory(rc);
    auto& informer = factory.ForResource(client::resources::Pods());
    (void)informer.AddIndexers({{std::string(client::kNodeNameIndex), client::NodeNameIndexFunc}});
    auto sync_start = SteadyClock::now();
    factory.Start();
    bool ok = factory.WaitForCacheSync(std::chrono::seconds(120));
    std::printf("informer time-to-sync, %zu pods: %.0f ms%s\n", informer.indexer().size(),
                std::chrono::duration<double, std::milli>(SteadyClock::now() - sync_start).count(),
                ok ? "" : " (TIMED OUT)");
  }
  c.value().reset();
  (*server)->Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
