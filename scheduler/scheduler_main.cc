#include "scheduler/scheduler_main.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "client/informer.h"
#include "client/leader_election.h"
#include "client/rest_client.h"
#include "common/logging.h"
#include "common/termination_signals.h"
#include "common/version.h"
#include "scheduler/config.h"
#include "scheduler/scheduler.h"

namespace tinyk8s::scheduler {

namespace {

Result<SchedulerConfig> LoadConfig(const SchedulerFlags& flags) {
  if (flags.config.empty()) {
    SchedulerConfig config;
    config.profiles.emplace_back();
    config.profiles.back().scheduler_name = flags.scheduler_name;
    config.leader_elect = flags.leader_elect;
    return config;
  }
  std::ifstream in(flags.config);
  if (!in) return Status::NotFound("cannot read " + flags.config);
  std::stringstream text;
  text << in.rdbuf();
  auto config = ParseSchedulerConfig(text.str());
  if (config.ok() && !flags.leader_elect) config->leader_elect = false;
  return config;
}

// StopSignal: set once by the signal thread or by a lost lease; waited on by main.
class StopSignal {
 public:
  void Set() {
    std::lock_guard<std::mutex> lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

}  // namespace

int RunScheduler(const SchedulerFlags& flags) {
  log::SetComponent("scheduler");
  auto config = LoadConfig(flags);
  if (!config.ok()) {
    std::cerr << "invalid scheduler configuration: " << config.status().message() << "\n";
    return 2;
  }
  std::vector<std::unique_ptr<Profile>> profiles;
  std::string names;
  for (const auto& pc : config->profiles) {
    auto p = Profile::Create(pc);
    if (!p.ok()) {
      std::cerr << "invalid profile " << pc.scheduler_name << ": " << p.status().message() << "\n";
      return 2;
    }
    names += (names.empty() ? "" : ",") + pc.scheduler_name;
    profiles.push_back(std::move(*p));
  }

  // Signals are taken synchronously by one thread; blocked everywhere else.
  TerminationSignals signals;
  // kube-scheduler's User-Agent (with the "/scheduler" its clientset adds), so status writes are
  // recorded under manager kube-scheduler as upstream's.
  auto client = client::RestClient::FromKubeconfig(
      flags.kubeconfig, KubernetesUserAgent("kube-scheduler", "scheduler"));
  if (!client.ok()) {
    TK_LOG_ERROR << client.status().message();
    return 1;
  }
  RealClock clock;
  client::SharedInformerFactory factory(**client);
  Scheduler scheduler(**client, clock, std::move(profiles));
  scheduler.AddEventHandlers(factory);
  factory.Start();

  StopSignal stop;
  std::atomic<bool> signalled{false};
  std::mutex elector_mu;  // guards `elector` between main and the signal thread
  std::unique_ptr<client::LeaderElector> elector;
  std::thread signal_thread([&] {
    signals.Wait();
    std::lock_guard<std::mutex> lock(elector_mu);
    signalled = true;
    if (elector) elector->Stop();
    stop.Set();
  });

  std::atomic<bool> started{false};
  auto start_scheduling = [&] {
    // Bounded waits so that a stop request is noticed while the caches fill.
    while (!signalled && !factory.WaitForCacheSync(std::chrono::milliseconds(200))) {
    }
    if (signalled || started.exchange(true)) return;
    scheduler.Start();
    TK_LOG_INFO << "scheduling pods for " << names;
  };

  client::RealTimerClock timer_clock;
  int exit_code = 0;
  if (config->leader_elect) {
    client::LeaderElectionConfig le;
    le.lease_namespace = config->lease_namespace;
    le.lease_name = config->LeaseName();
    le.identity = client::NewCandidateIdentity();
    le.on_started_leading = start_scheduling;
    le.on_new_leader = [&](const std::string& id) {
      if (id != le.identity) TK_LOG_INFO << "leader of " << le.lease_name << " is " << id;
    };
    auto created = client::LeaderElector::Create(**client, timer_clock, le);
    if (!created.ok()) {
      TK_LOG_ERROR << "leader election: " << created.status().message();
      exit_code = 1;
    } else {
      {
        std::lock_guard<std::mutex> lock(elector_mu);
        elector = std::move(*created);
        if (signalled) elector->Stop();  // a signal that arrived before the elector existed
      }
      elector->Run();
      if (!signalled) {
        TK_LOG_ERROR << "leader election lost";
        exit_code = 1;
      }
    }
  } else {
    start_scheduling();
    stop.Wait();
  }
  if (!signalled) pthread_kill(signal_thread.native_handle(), SIGTERM);  // end sigwait
  signal_thread.join();
  TK_LOG_INFO << "stopping";
  elector.reset();  // joins the on_started_leading thread before the scheduler stops
  scheduler.Stop();
  factory.Shutdown();
  return exit_code;
}

}  // namespace tinyk8s::scheduler
