#include "controllers/controller_manager.h"

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "api/names.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/kubeconfig.h"
#include "client/leader_election.h"
#include "client/rest_client.h"
#include "client/timer_clock.h"
#include "common/logging.h"
#include "common/termination_signals.h"
#include "common/version.h"
#include "controllers/cache_trimming.h"
#include "controllers/clusterroleaggregation/cluster_role_aggregation_controller.h"
#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/endpointslice/endpointslice_controller.h"
#include "controllers/garbagecollector/garbage_collector.h"
#include "controllers/namespace/namespace_controller.h"
#include "controllers/nodelifecycle/node_lifecycle_controller.h"
#include "controllers/podgc/pod_gc_controller.h"
#include "controllers/rootcacertpublisher/publisher.h"
#include "controllers/serviceaccount/serviceaccounts_controller.h"

namespace tinyk8s::controllers {

namespace {

// Blocks until `stop` is requested.
void WaitForStop(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock<std::mutex> lock(m);
  cv.wait(lock, stop, [] { return false; });
}

// RunControllers builds every enabled controller, starts the shared informers and runs the
// controllers until `stop`. Called while this process holds the leader lease.
void RunControllers(const ControllerManagerOptions& o, const std::string& root_ca_pem,
                    client::Client& client, client::TimerClock& clock, std::stop_token stop) {
  client::SharedInformerFactory factory(client);
  // Recorders write on their own threads; declared after the factory so they outlive nothing
  // they need, and before the controllers that use them.
  client::EventRecorder ds_events(client, clock, {"daemonset-controller"});
  client::EventRecorder node_events(client, clock, {"node-controller"});
  struct Entry {
    std::unique_ptr<Controller> controller;
    int workers;
  };
  std::vector<Entry> entries;
  if (ControllerEnabled(o.controllers, "daemonset")) {
    daemonset::DaemonSetControllerOptions dso;
    dso.burst_replicas = o.ds_burst_replicas;
    dso.parallelism = o.ds_parallelism;
    entries.push_back(
        {std::make_unique<daemonset::DaemonSetController>(client, factory, &ds_events, clock, dso),
         o.concurrent_daemonset_syncs});
  }
  if (ControllerEnabled(o.controllers, "endpointslice")) {
    entries.push_back(
        {std::make_unique<endpointslice::EndpointSliceController>(client, factory), 4});
  }
  if (ControllerEnabled(o.controllers, "garbagecollector")) {
    entries.push_back({std::make_unique<garbagecollector::GarbageCollector>(client, factory, clock),
                       o.concurrent_gc_syncs});
  }
  if (ControllerEnabled(o.controllers, "namespace")) {
    entries.push_back({std::make_unique<ns::NamespaceController>(client, factory, clock),
                       o.concurrent_namespace_syncs});
  }
  if (ControllerEnabled(o.controllers, "nodelifecycle")) {
    nodelifecycle::NodeLifecycleOptions nlo;
    nlo.grace_period = o.node_monitor_grace_period;
    nlo.monitor_period = o.node_monitor_period;
    entries.push_back({std::make_unique<nodelifecycle::NodeLifecycleController>(
                           client, factory, &node_events, clock, nlo),
                       o.concurrent_node_syncs});
  }
  if (ControllerEnabled(o.controllers, "podgc")) {
    podgc::PodGcOptions po;
    po.quarantine = o.pod_gc_quarantine;
    po.terminated_pod_threshold = o.terminated_pod_gc_threshold;
    entries.push_back({std::make_unique<podgc::PodGcController>(client, factory, clock, po), 1});
  }

  if (ControllerEnabled(o.controllers, "serviceaccount")) {
    entries.push_back(
        {std::make_unique<serviceaccount::ServiceAccountsController>(client, factory, clock),
         o.concurrent_serviceaccount_syncs});
  }
  if (ControllerEnabled(o.controllers, "root-ca-cert-publisher")) {
    if (root_ca_pem.empty()) {
      // Upstream needs a root CA too; a cluster served over plain HTTP has none to publish.
      TK_LOG_WARN << "root-ca-cert-publisher: no root CA (--root-ca-file, or the kubeconfig's "
                     "certificate-authority); not publishing kube-root-ca.crt";
    } else {
      entries.push_back({std::make_unique<rootcacertpublisher::RootCaCertPublisher>(
                             client, factory, clock, root_ca_pem),
                         o.concurrent_rootca_syncs});
    }
  }
  if (ControllerEnabled(o.controllers, "clusterrole-aggregation")) {
    entries.push_back({std::make_unique<clusterroleaggregation::ClusterRoleAggregationController>(
                           client, factory, clock),
                       1});
  }

  // Shared by several controllers: keep what any of them reads (cache_trimming.h).
  if (client::Informer* nodes = factory.Existing(client::resources::Nodes())) {
    nodes->SetTransform(TrimNodeForControllers);
  }
  if (client::Informer* pods = factory.Existing(client::resources::Pods())) {
    pods->SetTransform(TrimPodForControllers);
  }
  // Events and service accounts: only the collector and existence checks read them; a rollout
  // writes one Scheduled event per pod.
  for (const client::Resource* r :
       {&client::resources::Events(), &client::resources::ServiceAccounts()}) {
    if (client::Informer* informer = factory.Existing(*r)) informer->SetTransform(KeepMetadataOnly);
  }
  if (client::Informer* cms = factory.Existing(client::resources::ConfigMaps())) {
    cms->SetTransform(TrimConfigMapForControllers);
  }
  factory.Start();
  while (!stop.stop_requested() && !factory.WaitForCacheSync(std::chrono::milliseconds(500))) {
  }
  if (!stop.stop_requested()) {
    TK_LOG_INFO << "caches synced; starting " << entries.size() << " controllers";
    std::vector<std::jthread> threads;
    for (auto& e : entries) {
      threads.emplace_back([&e, stop] { e.controller->Run(e.workers, stop); });
    }
    WaitForStop(stop);
    threads.clear();  // controllers see `stop`, shut their queues down and return
  }
  // Informer threads call into the controllers: stop them before the controllers go.
  factory.Shutdown();
  entries.clear();
}

// RootCaPem reads the CA bundle to publish: --root-ca-file, else the kubeconfig's CA (as
// upstream, which falls back to its client configuration's CA data). False: unreadable file.
bool RootCaPem(const ControllerManagerOptions& o, std::string* pem) {
  if (o.root_ca_file.empty()) {
    auto config = client::LoadKubeconfig(o.kubeconfig);
    if (config.ok()) *pem = config->ca_data;
    return true;
  }
  std::ifstream in(o.root_ca_file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    TK_LOG_ERROR << "cannot read --root-ca-file " << o.root_ca_file;
    return false;
  }
  *pem = text.str();
  return true;
}

}  // namespace

bool ParseDuration(const std::string& text, std::chrono::milliseconds* out) {
  if (text.empty()) return false;
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (start == i) return false;
    double value = std::strtod(text.substr(start, i - start).c_str(), nullptr);
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    if (unit == "ms") {
      total_ms += value;
    } else if (unit == "s") {
      total_ms += value * 1000;
    } else if (unit == "m") {
      total_ms += value * 60000;
    } else if (unit == "h") {
      total_ms += value * 3600000;
    } else {
      return false;
    }
  }
  *out = std::chrono::milliseconds(static_cast<int64_t>(total_ms));
  return true;
}

bool ControllerEnabled(const std::vector<std::string>& list, const std::string& name) {
  bool enabled = false;
  for (const std::string& item : list) {
    if (item == "*" || item == name) enabled = true;
    if (item == "-" + name) return false;
  }
  return enabled;
}

int RunControllerManager(const ControllerManagerOptions& o, std::stop_token stop) {
  log::SetComponent("controller-manager");
  client::RestClientOptions rest_options;
  rest_options.max_idle_connections = 256;
  // kube-controller-manager's User-Agent, so writes are recorded under its manager name (upstream
  // appends each controller's name to it; one client serves all controllers here).
  auto client = client::RestClient::FromKubeconfig(
      o.kubeconfig, KubernetesUserAgent("kube-controller-manager"), rest_options);
  if (!client.ok()) {
    TK_LOG_ERROR << client.status().ToString();
    return 1;
  }
  std::string root_ca_pem;
  if (!RootCaPem(o, &root_ca_pem)) return 1;
  client::RealTimerClock clock;
  if (!o.leader_elect) {
    RunControllers(o, root_ca_pem, **client, clock, stop);
    return 0;
  }

  client::LeaderElectionConfig le;
  le.lease_namespace = "kube-system";
  le.lease_name = "kube-controller-manager";
  le.identity = client::NewCandidateIdentity();
  le.lease_duration = o.leader_lease_duration;
  le.renew_deadline = o.leader_renew_deadline;
  le.retry_period = o.leader_retry_period;
  le.release_on_cancel = true;
  std::stop_source leading;
  le.on_started_leading = [&] {
    TK_LOG_INFO << "became leader (" << le.identity << ")";
    RunControllers(o, root_ca_pem, **client, clock, leading.get_token());
  };
  le.on_stopped_leading = [&] { leading.request_stop(); };
  le.on_new_leader = [&](const std::string& id) {
    if (id != le.identity) TK_LOG_INFO << "the leader is " << id << "; standing by";
  };
  auto elector = client::LeaderElector::Create(**client, clock, le);
  if (!elector.ok()) {
    TK_LOG_ERROR << "leader election: " << elector.status().ToString();
    return 1;
  }
  std::stop_callback on_stop(stop, [&] { (*elector)->Stop(); });
  (*elector)->Run();
  leading.request_stop();
  elector->reset();  // joins the leading thread (controllers stopped)
  if (stop.stop_requested()) return 0;
  TK_LOG_ERROR << "leader election lost";
  return 1;
}

int RunControllerManagerMain(const ControllerManagerOptions& options) {
  TerminationSignals signals;  // before any thread: they inherit the blocked signals
  std::stop_source stop;
  std::atomic<bool> done{false};
  int rc = 0;
  std::thread manager([&] {
    rc = RunControllerManager(options, stop.get_token());
    done = true;
  });
  bool signalled = false;
  while (!done) {
    if (signals.WaitFor(std::chrono::milliseconds(200))) {
      signalled = true;
      TK_LOG_INFO << "shutting down";
      stop.request_stop();
      break;
    }
  }
  manager.join();
  return signalled ? 0 : rc;
}

}  // namespace tinyk8s::controllers
