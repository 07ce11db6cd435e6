// Co-process subcommands: controller-manager, scheduler, dns and nodes. Each maps its flags onto
// its component's options and runs the component's entry point.
#include <iostream>

#include "cmd/commands.h"
#include "controllers/controller_manager.h"
#include "dns/dns_main.h"
#include "node/node_main.h"
#include "scheduler/scheduler_main.h"

namespace tinyk8s::cmd {

// controller-manager: flags map onto controllers::ControllerManagerOptions.
void RegisterControllerManagerCommand(CLI::App& app, int* exit_code) {
  struct Flags {
    controllers::ControllerManagerOptions o;
    std::string grace = "40s", monitor = "5s", quarantine = "40s";
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cm = app.add_subcommand("controller-manager", "run the controller manager");
  cm->add_option("--kubeconfig", f->o.kubeconfig, "kubeconfig of the API server")->required();
  cm->add_option("--controllers", f->o.controllers,
                 "controllers to run: * = all, -name disables one (daemonset, garbagecollector, "
                 "namespace, nodelifecycle, podgc, serviceaccount, root-ca-cert-publisher, "
                 "clusterrole-aggregation)")
      ->delimiter(',')
      ->capture_default_str();
  cm->add_option("--root-ca-file", f->o.root_ca_file,
                 "CA bundle published to every namespace as ConfigMap kube-root-ca.crt "
                 "(default: the kubeconfig's certificate authority)");
  cm->add_option("--leader-elect", f->o.leader_elect, "use leader election")->capture_default_str();
  cm->add_option("--node-monitor-grace-period", f->grace, "lease age before a node is Unknown")
      ->capture_default_str();
  cm->add_option("--node-monitor-period", f->monitor, "node health check period")
      ->capture_default_str();
  cm->add_option("--pod-gc-quarantine", f->quarantine,
                 "how long a node must be gone before its pods are force-deleted")
      ->capture_default_str();
  cm->add_option("--terminated-pod-gc-threshold", f->o.terminated_pod_gc_threshold,
                 "terminated pods kept before the oldest are deleted (0 = off)")
      ->capture_default_str();
  cm->add_option("--concurrent-daemonset-syncs", f->o.concurrent_daemonset_syncs)
      ->capture_default_str();
  cm->add_option("--daemonset-burst", f->o.ds_burst_replicas, "pod creates per DaemonSet sync")
      ->capture_default_str();
  cm->add_option("--daemonset-parallelism", f->o.ds_parallelism, "concurrent pod API calls")
      ->capture_default_str();
  cm->callback([f, exit_code] {
    if (!controllers::ParseDuration(f->grace, &f->o.node_monitor_grace_period) ||
        !controllers::ParseDuration(f->monitor, &f->o.node_monitor_period) ||
        !controllers::ParseDuration(f->quarantine, &f->o.pod_gc_quarantine)) {
      std::cerr << "tinyk8s controller-manager: bad duration\n";
      *exit_code = 2;
      return;
    }
    *exit_code = controllers::RunControllerManagerMain(f->o);
  });
}

void RegisterComponentCommands(CLI::App& app, int* exit_code) {
  RegisterControllerManagerCommand(app, exit_code);

  auto sf = std::make_shared<scheduler::SchedulerFlags>();
  CLI::App* sched = app.add_subcommand("scheduler", "run a scheduler");
  sched->add_option("--kubeconfig", sf->kubeconfig, "kubeconfig of the API server")->required();
  auto* name =
      sched->add_option("--scheduler-name", sf->scheduler_name, "profile (schedulerName) to serve");
  sched->add_option("--config", sf->config, "KubeSchedulerConfiguration-style file")
      ->excludes(name);
  sched->add_flag("--leader-elect,!--no-leader-elect", sf->leader_elect,
                  "take a Lease named after the scheduler name before scheduling");
  sched->callback([sf, exit_code] { *exit_code = scheduler::RunScheduler(*sf); });

  auto df = std::make_shared<dns::DnsFlags>();
  CLI::App* dns = app.add_subcommand("dns", "run the cluster DNS server");
  dns->add_option("--kubeconfig", df->kubeconfig, "kubeconfig of the API server")->required();
  dns->add_option("--listen", df->listen, "DNS address HOST:PORT (UDP and TCP)")
      ->capture_default_str();
  dns->add_option("--zone", df->zone, "cluster domain")->capture_default_str();
  dns->add_option("--ttl", df->ttl, "TTL of answers in seconds")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  dns->add_option("--upstream", df->upstream, "forward other names to HOST:PORT (default: refuse)");
  dns->add_option("--pods", df->pods, "pod records: insecure, verified or disabled")
      ->check(CLI::IsMember({"insecure", "verified", "disabled"}))
      ->capture_default_str();
  dns->add_option("--udp-workers", df->udp_workers, "UDP serving threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  dns->callback([df, exit_code] { *exit_code = dns::RunDns(*df); });

  auto nf = std::make_shared<node::NodeAgentFlags>();
  CLI::App* nodes = app.add_subcommand("nodes", "run simulated nodes (a kwok-style node agent)");
  nodes->add_option("--kubeconfig", nf->kubeconfig, "kubeconfig of the API server")->required();
  nodes->add_option("--count", nf->count, "number of nodes")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  nodes->add_option("--prefix", nf->prefix, "node name prefix")->capture_default_str();
  nodes->add_option("--cpu", nf->cpu, "cpu capacity per node")->capture_default_str();
  nodes
      ->add_option("--lease-renew-interval-ms", nf->lease_renew_interval_ms,
                   "how often each node renews its Lease")
      ->check(CLI::Range(50, 3600000))
      ->capture_default_str();
  nodes->add_option("--memory", nf->memory, "memory capacity per node")->capture_default_str();
  nodes->add_option("--pods", nf->pods, "pod capacity per node")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  nodes->add_option("--labels", nf->labels, "extra node labels k=v,...")->delimiter(',');
  nodes->add_option("--static-pod-dir", nf->static_pod_dir, "directory of static pod manifests");
  nodes
      ->add_option("--readiness-delay-ms", nf->readiness_delay_ms,
                   "containers become ready this long after they start")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str();
  nodes->add_option("--cluster-dns", nf->cluster_dns, "DNS server IPs of ClusterFirst pods")
      ->delimiter(',');
  nodes->add_option("--cluster-domain", nf->cluster_domain, "cluster DNS zone for pod searches")
      ->capture_default_str();
  nodes->add_option("--resolv-conf", nf->resolv_conf, "nodes' resolver (\"\" for none)")
      ->capture_default_str();
  nodes
      ->add_option("--event-qps", nf->event_qps,
                   "pod events per second, all nodes together (0: none; the kubelet's flag)")
      ->check(CLI::Range(0.0, 100000.0))
      ->capture_default_str();
  nodes->add_option("--event-burst", nf->event_burst, "pod events allowed in a burst")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  nodes->callback([nf, exit_code] { *exit_code = node::RunNodeAgent(*nf); });
}

}  // namespace tinyk8s::cmd
