// scheduler_bench [NODES [PODS]]: prints figures for the scheduler (default 5,000 nodes and
// 50,000 pending pods):
//   1. algorithm only: cycles/s of filter + score + assume over the typed cache, no API;
//   2. end to end against an in-process API server: pods created pending first, then the
//      scheduler starts; pods bound per second from start (cache sync included) to the last
//      successful binding, and the same from the first binding;
//   3. preemption: time from the preemption decision to the preemptor bound, with this program
//      playing the node agent (it deletes terminating victims at once with grace 0).
// Figures only; nothing here passes or fails.

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/json.h"
#include "apiserver/server.h"
#include "client/informer.h"
#include "client/rest_client.h"
#include "common/logging.h"
#include "scheduler/algorithm.h"
#include "scheduler/scheduler.h"

namespace {

using namespace tinyk8s;  // NOLINT: a benchmark's main file
using SteadyClock = std::chrono::steady_clock;
namespace res = client::resources;

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

// prefix + i. (Spelled out: g++ 12 warns falsely on `Numbered("literal", i)`.)
std::string Numbered(const char* prefix, int i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

std::string NodeJson(const std::string& name, const std::string& extra_label = "") {
  return R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")" + name +
         R"(","labels":{"kubernetes.io/hostname":")" + name + "\"" + extra_label +
         R"(}},"status":{"allocatable":{"cpu":"32","memory":"256Gi","pods":"110"},)" +
         R"("capacity":{"cpu":"32","memory":"256Gi","pods":"110"},)" +
         R"("conditions":[{"type":"Ready","status":"True"}]}})";
}

std::string PodJson(const std::string& name, const std::string& cpu,
                    const std::string& extra_spec = "") {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","namespace":"bench"},"spec":{)" + extra_spec +
         R"("containers":[{"name":"c","image":"registry.local/app:1","resources":{"requests":{"cpu":")" +
         cpu + R"(","memory":"64Mi"}}}]}})";
}

// Creates objects with `threads` concurrent clients.
void CreateMany(client::Client& c, const client::Resource& r, int count, int threads,
                const std::function<std::string(int)>& make) {
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        auto doc = api::ParseJson(make(i));
        auto res = c.Create(r, r.namespaced ? "bench" : "", *doc);
        if (!res.ok()) ++failed;
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed) std::printf("  (%d creates failed)\n", failed.load());
}

void AlgorithmOnly(int nodes, int pods) {
  std::printf("1. algorithm only (filter + score + assume, no API), %d nodes, %d pods\n", nodes,
              pods);
  scheduler::Cache cache;
  for (int i = 0; i < nodes; ++i) {
    cache.AddOrUpdateNode(scheduler::ParseNodeSpecJson(NodeJson(Numbered("node-", i))));
  }
  std::vector<scheduler::PodInfoPtr> infos;
  for (int i = 0; i < pods; ++i) {
    std::string json = PodJson(Numbered("p", i), "100m");
    json.insert(json.find("\"namespace\""), "\"uid\":\"" + Numbered("u", i) + "\",");
    infos.push_back(scheduler::ParsePodInfoJson(json));
  }
  auto profile = scheduler::Profile::Create({}).value();
  scheduler::ScheduleAlgorithm algo(1);
  auto start = SteadyClock::now();
  int placed = 0;
  for (const auto& p : infos) {
    auto view = cache.Lock();
    scheduler::Diagnosis d;
    auto r = algo.Schedule(*profile, *p, view, &d);
    if (!r.node.empty()) {
      view.Assume(p, r.node);
      ++placed;
    }
  }
  double s = Seconds(SteadyClock::now() - start);
  std::printf("   %d placed in %.2f s: %.0f pods/s (%.1f us per pod)\n\n", placed, s, placed / s,
              s * 1e6 / placed);
}

void EndToEnd(int nodes, int pods) {
  std::printf("2. end to end, in-process API server, %d nodes, %d pending pods\n", nodes, pods);
  apiserver::ApiServerOptions o;
  char tmpl[] = "/tmp/scheduler-bench-XXXXXX";
  o.data_dir = ::mkdtemp(tmpl);
  o.durable = false;
  o.port = 0;
  o.insecure_http = true;
  o.service_account_admission = false;  // no controller manager creates "default" accounts
  auto server = apiserver::ApiServer::Start(o);
  if (!server.ok()) {
    std::printf("cannot start the API server: %s\n", server.status().message().c_str());
    return;
  }
  client::RestConfig rc;
  rc.server = (*server)->url();
  auto c = client::RestClient::Create(rc);
  auto ns = api::ParseJson(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}})");
  (void)(*c)->Create(res::Namespaces(), "", *ns);

  auto t0 = SteadyClock::now();
  CreateMany(**c, res::Nodes(), nodes, 8, [](int i) { return NodeJson(Numbered("node-", i)); });
  auto t1 = SteadyClock::now();
  CreateMany(**c, res::Pods(), pods, 8, [](int i) { return PodJson(Numbered("p", i), "100m"); });
  auto t2 = SteadyClock::now();
  std::printf("   setup: %d nodes in %.1f s, %d pods in %.1f s (%.0f creates/s)\n", nodes,
              Seconds(t1 - t0), pods, Seconds(t2 - t1), pods / Seconds(t2 - t1));

  RealClock clock;
  std::atomic<int64_t> preempt_ns{0};
  scheduler::SchedulerOptions so;
  so.on_preempt = [&](const scheduler::PodInfo&, const std::string&) {
    preempt_ns = SteadyClock::now().time_since_epoch().count();
  };
  std::vector<std::unique_ptr<scheduler::Profile>> profiles;
  profiles.push_back(scheduler::Profile::Create({}).value());
  client::SharedInformerFactory factory(**c);
  auto sched = std::make_unique<scheduler::Scheduler>(**c, clock, std::move(profiles), so);
  sched->AddEventHandlers(factory);
  auto start = SteadyClock::now();
  factory.Start();
  factory.WaitForCacheSync(std::chrono::minutes(5));
  auto synced = SteadyClock::now();
  sched->Start();
  SteadyClock::time_point first{};
  while (sched->stats().scheduled < pods) {
    if (first == SteadyClock::time_point{} && sched->stats().scheduled > 0)
      first = SteadyClock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (SteadyClock::now() - start > std::chrono::minutes(10)) break;
  }
  auto done = SteadyClock::now();
  auto st = sched->stats();
  std::printf("   cache sync (list %d pods + %d nodes): %.2f s\n", pods, nodes,
              Seconds(synced - start));
  std::printf("   bound %lld pods in %.2f s from start: %.0f pods/s\n",
              static_cast<long long>(st.scheduled), Seconds(done - start),
              st.scheduled / Seconds(done - start));
  std::printf(
      "   from first binding to last: %.2f s: %.0f pods/s (attempts %lld, bind errors %lld)\n\n",
      Seconds(done - first), st.scheduled / Seconds(done - first),
      static_cast<long long>(st.attempts), static_cast<long long>(st.bind_errors));

  // 3. Preemption latency. Each round: a fresh 1-cpu node with a low-priority filler bound to
  // it, then a high-priority pod pinned to that node.
  std::printf(
      "3. preemption: decision -> preemptor bound (this program deletes victims at once)\n");
  auto pc = api::ParseJson(R"({"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass",)"
                           R"("metadata":{"name":"bench-high"},"value":1000})");
  (void)(*c)->Create(res::PriorityClasses(), "", *pc);
  std::vector<double> ms;
  for (int round = 0; round < 20; ++round) {
    std::string node = Numbered("small-", round);
    std::string label = ",\"bench/small\":\"" + node + "\"";
    std::string nj = NodeJson(node, label);
    nj.replace(nj.find("\"cpu\":\"32\""), 10, "\"cpu\":\"1\"");
    (void)(*c)->Create(res::Nodes(), "", *api::ParseJson(nj));
    (void)(*c)->Create(
        res::Pods(), "bench",
        *api::ParseJson(PodJson("filler-" + node, "800m", "\"nodeName\":\"" + node + "\",")));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // informers see the filler
    preempt_ns = 0;
    std::string vip = "vip-" + node;
    (void)(*c)->Create(res::Pods(), "bench",
                       *api::ParseJson(PodJson(vip, "500m",
                                               "\"priorityClassName\":\"bench-high\","
                                               "\"nodeSelector\":{\"bench/small\":\"" +
                                                   node + "\"},")));
    auto deadline = SteadyClock::now() + std::chrono::seconds(60);
    bool victim_gone = false;
    while (SteadyClock::now() < deadline) {
      // Play the node agent: a terminating victim is deleted at once with grace 0.
      if (!victim_gone) {
        auto f = (*c)->Get(res::Pods(), "bench", "filler-" + node);
        if (!f.ok()) {
          victim_gone = true;
        } else if (api::FindPath(**f, {"metadata", "deletionTimestamp"}) != nullptr) {
          client::DeleteOptions d;
          d.grace_period_seconds = 0;
          victim_gone = (*c)->Delete(res::Pods(), "bench", "filler-" + node, d).ok();
        }
      }
      auto p = (*c)->Get(res::Pods(), "bench", vip);
      if (p.ok() && !api::GetString(**p, {"spec", "nodeName"}).empty()) {
        int64_t decided = preempt_ns.load();
        if (decided != 0) {
          ms.push_back((SteadyClock::now().time_since_epoch().count() - decided) / 1e6);
        }
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  std::sort(ms.begin(), ms.end());
  if (!ms.empty()) {
    std::printf("   %zu rounds: p50 %.0f ms, p90 %.0f ms, max %.0f ms\n", ms.size(),
                ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.back());
    std::printf(
        "   (includes the victim's graceful delete, the forced delete, the watch event,\n"
        "    re-queueing after the victim's 1 s backoff and the binding)\n");
  }
  sched->Stop();
  factory.Shutdown();
  (*server)->Stop();
  std::filesystem::remove_all(o.data_dir);
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = argc > 1 ? std::atoi(argv[1]) : 5000;
  int pods = argc > 2 ? std::atoi(argv[2]) : 50000;
  tinyk8s::log::SetVerbosity(0);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  AlgorithmOnly(nodes, pods);
  EndToEnd(nodes, pods);
  return 0;
}
