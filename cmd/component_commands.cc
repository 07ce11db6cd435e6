// Co-process subcommands. Their components are built by later issues; until
// then each accepts its documented flags and reports that it is not available
// yet.
#include <iostream>

#include "cmd/commands.h"
#include "node/node_main.h"

namespace tinyk8s::cmd {

namespace {
struct ComponentFlags {
  std::string kubeconfig;
  std::string scheduler_name = "default-scheduler";
  std::string config;
  std::string listen = "127.0.0.1:10053";
};

void NotBuilt(const char *what, int *exit_code) {
  std::cerr << "tinyk8s " << what << ": this component is not built yet\n";
  *exit_code = 1;
}
} // namespace

void RegisterComponentCommands(CLI::App &app, int *exit_code) {
  auto f = std::make_shared<ComponentFlags>();
  CLI::App *cm =
      app.add_subcommand("controller-manager", "run the controller manager");
  cm->add_option("--kubeconfig", f->kubeconfig, "kubeconfig of the API server")
      ->required();
  cm->callback([exit_code] { NotBuilt("controller-manager", exit_code); });

  CLI::App *sched = app.add_subcommand("scheduler", "run a scheduler");
  sched
      ->add_option("--kubeconfig", f->kubeconfig,
                   "kubeconfig of the API server")
      ->required();
  auto *name = sched->add_option("--scheduler-name", f->scheduler_name,
                                 "profile (schedulerName) to serve");
  sched
      ->add_option("--config", f->config,
                   "KubeSchedulerConfiguration-style file")
      ->excludes(name);
  sched->callback([exit_code] { NotBuilt("scheduler", exit_code); });

  CLI::App *dns = app.add_subcommand("dns", "run the cluster DNS server");
  dns->add_option("--kubeconfig", f->kubeconfig, "kubeconfig of the API server")
      ->required();
  dns->add_option("--listen", f->listen, "DNS address HOST:PORT")
      ->capture_default_str();
  dns->callback([exit_code] { NotBuilt("dns", exit_code); });

  auto nf = std::make_shared<node::NodeAgentFlags>();
  CLI::App *nodes = app.add_subcommand(
      "nodes", "run simulated nodes (a kwok-style node agent)");
  nodes
      ->add_option("--kubeconfig", nf->kubeconfig,
                   "kubeconfig of the API server")
      ->required();
  nodes->add_option("--count", nf->count, "number of nodes")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  nodes->add_option("--prefix", nf->prefix, "node name prefix")
      ->capture_default_str();
  nodes->add_option("--cpu", nf->cpu, "cpu capacity per node")
      ->capture_default_str();
  nodes->add_option("--memory", nf->memory, "memory capacity per node")
      ->capture_default_str();
  nodes->add_option("--pods", nf->pods, "pod capacity per node")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  nodes->add_option("--labels", nf->labels, "extra node labels k=v,...")
      ->delimiter(',');
  nodes->add_option("--static-pod-dir", nf->static_pod_dir,
                    "directory of static pod manifests");
  nodes
      ->add_option("--readiness-delay-ms", nf->readiness_delay_ms,
                   "containers become ready this long after they start")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str();
  nodes->callback([nf, exit_code] { *exit_code = node::RunNodeAgent(*nf); });
}

} // namespace tinyk8s::cmd
