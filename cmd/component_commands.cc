// Co-process subcommands. Their components are built by later issues; until then each accepts its
// documented flags and reports that it is not available yet.
#include <iostream>

#include "cmd/commands.h"

namespace tinyk8s::cmd {

namespace {
struct ComponentFlags {
  std::string kubeconfig;
  std::string scheduler_name = "default-scheduler";
  std::string config;
  std::string listen = "127.0.0.1:10053";
  int count = 1;
  std::string prefix = "node";
  std::string cpu = "4";
  std::string memory = "8Gi";
  int pods = 110;
  std::vector<std::string> labels;
  std::string static_pod_dir;
};

void NotBuilt(const char* what, int* exit_code) {
  std::cerr << "tinyk8s " << what << ": this component is not built yet\n";
  *exit_code = 1;
}
}  // namespace

void RegisterComponentCommands(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ComponentFlags>();
  CLI::App* cm = app.add_subcommand("controller-manager", "run the controller manager");
  cm->add_option("--kubeconfig", f->kubeconfig, "kubeconfig of the API server")->required();
  cm->callback([exit_code] { NotBuilt("controller-manager", exit_code); });

  CLI::App* sched = app.add_subcommand("scheduler", "run a scheduler");
  sched->add_option("--kubeconfig", f->kubeconfig, "kubeconfig of the API server")->required();
  auto* name =
      sched->add_option("--scheduler-name", f->scheduler_name, "profile (schedulerName) to serve");
  sched->add_option("--config", f->config, "KubeSchedulerConfiguration-style file")->excludes(name);
  sched->callback([exit_code] { NotBuilt("scheduler", exit_code); });

  CLI::App* dns = app.add_subcommand("dns", "run the cluster DNS server");
  dns->add_option("--kubeconfig", f->kubeconfig, "kubeconfig of the API server")->required();
  dns->add_option("--listen", f->listen, "DNS address HOST:PORT")->capture_default_str();
  dns->callback([exit_code] { NotBuilt("dns", exit_code); });

  CLI::App* nodes = app.add_subcommand("nodes", "run simulated nodes (a kwok-style node agent)");
  nodes->add_option("--kubeconfig", f->kubeconfig, "kubeconfig of the API server")->required();
  nodes->add_option("--count", f->count, "number of nodes")->check(CLI::Range(1, 100000));
  nodes->add_option("--prefix", f->prefix, "node name prefix")->capture_default_str();
  nodes->add_option("--cpu", f->cpu, "cpu capacity per node")->capture_default_str();
  nodes->add_option("--memory", f->memory, "memory capacity per node")->capture_default_str();
  nodes->add_option("--pods", f->pods, "pod capacity per node")->capture_default_str();
  nodes->add_option("--labels", f->labels, "extra node labels k=v,...")->delimiter(',');
  nodes->add_option("--static-pod-dir", f->static_pod_dir, "directory of static pod manifests");
  nodes->callback([exit_code] { NotBuilt("nodes", exit_code); });
}

}  // namespace tinyk8s::cmd
