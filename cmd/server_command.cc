// `tinyk8s server` (API server plus supervised co-processes) and `tinyk8s apiserver`.
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "apiserver/auth/bootstrap_policy.h"
#include "apiserver/auth/node_authorizer.h"
#include "apiserver/auth/pki.h"
#include "apiserver/auth/service_account_token.h"
#include "apiserver/ip_allocator.h"
#include "apiserver/server.h"
#include "cmd/commands.h"
#include "common/logging.h"
#include "common/process_supervisor.h"
#include "common/termination_signals.h"

namespace tinyk8s::cmd {

namespace {

struct ServerFlags {
  std::string data_dir = "./tinyk8s-data";
  std::string listen = "127.0.0.1:6443";
  std::string dns_listen = "127.0.0.1:10053";
  int nodes = 0;
  std::string node_cpu = "4";
  std::string node_memory = "8Gi";
  int node_pods = 110;
  std::vector<std::string> disable;
  bool ephemeral = false;
  std::string port_file;
  std::string service_cidr = "10.43.0.0/16";
  bool insecure_http = false;
  std::vector<std::string> tls_sans;
  std::string tls_cert_file;
  std::string tls_private_key_file;
  std::string client_ca_file;
  std::string token_auth_file;
  std::string service_account_signing_key_file;
  std::string service_account_issuer = apiserver::auth::kDefaultServiceAccountIssuer;
  std::vector<std::string> api_audiences;
  std::string storage = "sqlite";
  std::vector<std::string> etcd_endpoints;
  std::string etcd_prefix;
  std::string etcd_cafile;
  std::string etcd_certfile;
  std::string etcd_keyfile;
  std::vector<std::string> disable_admission_plugins;
};

void AddApiServerFlags(CLI::App* cmd, ServerFlags& f) {
  cmd->add_option("--data-dir", f.data_dir, "directory for the database and kubeconfig")
      ->capture_default_str();
  cmd->add_option("--listen", f.listen, "API server address HOST:PORT (port 0 picks a free one)")
      ->capture_default_str();
  cmd->add_flag(
      "--ephemeral", f.ephemeral,
      "keep state in a temporary directory removed on exit, without fsync (test clusters)");
  cmd->add_option("--disable-admission-plugins", f.disable_admission_plugins,
                  "admission plugins to turn off: ServiceAccount (off anyway when the server "
                  "runs without its controller manager)")
      ->delimiter(',')
      ->check(CLI::IsMember({"ServiceAccount"}));
  cmd->add_option("--port-file", f.port_file, "write the bound API port to this file once serving");
  cmd->add_option("--service-cidr", f.service_cidr, "IPv4 range Service ClusterIPs come from")
      ->capture_default_str();
  cmd->add_flag("--insecure-http", f.insecure_http,
                "serve plain HTTP without TLS (loopback addresses only); requests without "
                "credentials are then the superuser");
  cmd->add_option("--tls-san", f.tls_sans, "extra DNS names or IPs of the serving certificate")
      ->delimiter(',');
  cmd->add_option("--tls-cert-file", f.tls_cert_file,
                  "serving certificate (PEM) to use instead of the generated one");
  cmd->add_option("--tls-private-key-file", f.tls_private_key_file,
                  "private key (PEM) of --tls-cert-file");
  cmd->add_option("--client-ca-file", f.client_ca_file,
                  "trust client certificates signed by this CA (PEM) instead of the cluster CA");
  cmd->add_option("--token-auth-file", f.token_auth_file,
                  "static bearer tokens, CSV lines token,user,uid,\"group1,group2\"");
  cmd->add_option("--service-account-signing-key-file", f.service_account_signing_key_file,
                  "ECDSA P-256 private key (PEM) service-account tokens are signed and checked "
                  "with (default: DATA_DIR/pki/sa.key, created on first start)");
  cmd->add_option("--service-account-issuer", f.service_account_issuer,
                  "issuer (iss) of service-account tokens")
      ->capture_default_str();
  cmd->add_option("--api-audiences", f.api_audiences,
                  "audiences of tokens meant for this API server, comma-separated (default: the "
                  "issuer)")
      ->delimiter(',');
  cmd->add_option("--storage", f.storage,
                  "where objects are kept: sqlite (DATA_DIR/state.db) or etcd (--etcd-endpoints; "
                  "several servers may share one etcd)")
      ->check(CLI::IsMember({"sqlite", "etcd"}))
      ->capture_default_str();
  cmd->add_option("--etcd-endpoints", f.etcd_endpoints,
                  "etcd client URLs, comma-separated (http://127.0.0.1:2379,...)")
      ->delimiter(',');
  cmd->add_option("--etcd-prefix", f.etcd_prefix,
                  "prefix of every key in etcd (servers of one cluster share it; other clusters "
                  "may use other prefixes in the same etcd)");
  cmd->add_option("--etcd-cafile", f.etcd_cafile, "CA (PEM) of the etcd members' certificates");
  cmd->add_option("--etcd-certfile", f.etcd_certfile, "client certificate (PEM) for etcd");
  cmd->add_option("--etcd-keyfile", f.etcd_keyfile, "key (PEM) of --etcd-certfile");
}

// A co-process `tinyk8s server` supervises. `built` is false until its component exists; such a
// co-process is simply not started.
struct Coprocess {
  const char* name;         // log and kubeconfig name
  const char* disable_key;  // value of --disable that skips it ("" = cannot be disabled)
  bool built;
  const char* user;   // client certificate CN: the identity the bootstrap policy grants
  const char* group;  // client certificate O ("" = none)
};
// The node agent runs every simulated node (prefix "node") as one identity the node authorizer
// confines to nodes named node<digits> (apiserver/auth/node_authorizer.h).
constexpr Coprocess kCoprocesses[] = {
    {"controller-manager", "controllers", true, apiserver::auth::kControllerManagerUser, ""},
    {"scheduler", "scheduler", true, apiserver::auth::kSchedulerUser, ""},
    {"dns", "dns", true, apiserver::auth::kDnsUser, ""},
    {"nodes", "", true, "system:node-agent:node", apiserver::auth::kNodeAgentsGroup},
};

std::vector<std::string> CoprocessArgs(const Coprocess& c, const ServerFlags& f,
                                       const std::string& kubeconfig) {
  std::vector<std::string> args = {"/proc/self/exe", c.name, "--kubeconfig", kubeconfig};
  if (std::string(c.name) == "dns") {
    args.insert(args.end(), {"--listen", f.dns_listen});
  } else if (std::string(c.name) == "nodes") {
    args.insert(args.end(),
                {"--count", std::to_string(f.nodes), "--prefix", "node", "--cpu", f.node_cpu,
                 "--memory", f.node_memory, "--pods", std::to_string(f.node_pods)});
    // Pods resolve with the kube-dns Service's ClusterIP, as on a kubeadm or k3s cluster.
    if (auto cidr = apiserver::Ipv4Cidr::Parse(f.service_cidr); cidr.ok()) {
      args.insert(args.end(), {"--cluster-dns", apiserver::ClusterDnsIp(*cidr), "--cluster-domain",
                               "cluster.local"});
    }
  }
  return args;
}

// CoprocessCredentials issues the co-process its own client certificate (a fresh one each start:
// its kubeconfig is rewritten anyway). Without TLS the kubeconfig carries no credentials.
KubeconfigCredentials CoprocessCredentials(const Coprocess& c, const std::string& data_dir,
                                           const std::string& ca_pem) {
  KubeconfigCredentials creds;
  creds.user_name = c.user;
  if (ca_pem.empty() && !std::filesystem::exists(data_dir + "/pki/ca.key")) return creds;
  auto ca = apiserver::auth::LoadCa(data_dir + "/pki");
  if (!ca.ok()) return creds;
  apiserver::auth::CertRequest req;
  req.common_name = c.user;
  if (*c.group) req.organizations = {c.group};
  auto cert = apiserver::auth::IssueCert(*ca, req);
  if (!cert.ok()) {
    TK_LOG_ERROR << "cannot issue a certificate for " << c.name << ": " << cert.status().message();
    return creds;
  }
  creds.ca_pem = ca_pem;
  creds.client_cert_pem = cert->cert_pem;
  creds.client_key_pem = cert->key_pem;
  return creds;
}

void StartCoprocesses(const ServerFlags& f, const std::string& data_dir, const std::string& url,
                      const std::string& ca_pem, ProcessSupervisor& supervisor) {
  std::filesystem::create_directories(data_dir + "/coprocesses");
  // /proc/self/exe is resolved in the child after fork, so use the real path of this binary.
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  for (const auto& c : kCoprocesses) {
    bool disabled = std::find(f.disable.begin(), f.disable.end(), std::string(c.disable_key)) !=
                    f.disable.end();
    if (!c.built || disabled) continue;
    if (std::string(c.name) == "nodes" && f.nodes == 0) continue;
    // Each co-process gets its own kubeconfig with its own credentials.
    std::string kubeconfig = data_dir + "/coprocesses/" + c.name + ".kubeconfig";
    KubeconfigCredentials creds;
    if (!f.insecure_http) creds = CoprocessCredentials(c, data_dir, ca_pem);
    if (!WriteKubeconfig(kubeconfig, url, creds)) {
      TK_LOG_ERROR << "cannot write " << kubeconfig;
      continue;
    }
    auto args = CoprocessArgs(c, f, kubeconfig);
    args[0] = self;
    supervisor.Add({c.name, args, data_dir + "/coprocesses/" + c.name + ".log"});
  }
  supervisor.Start();
}

int RunApiServer(const ServerFlags& f, const char* component, bool supervise) {
  log::SetComponent(component);
  apiserver::ApiServerOptions o;
  if (!ParseHostPort(f.listen, &o.host, &o.port)) {
    std::cerr << "invalid --listen " << f.listen << ": expected HOST:PORT\n";
    return 2;
  }
  std::string temp_dir;
  o.data_dir = f.data_dir;
  o.service_cidr = f.service_cidr;
  o.insecure_http = f.insecure_http;
  o.tls_sans = f.tls_sans;
  o.tls_cert_file = f.tls_cert_file;
  o.tls_private_key_file = f.tls_private_key_file;
  o.client_ca_file = f.client_ca_file;
  o.token_auth_file = f.token_auth_file;
  o.service_account_signing_key_file = f.service_account_signing_key_file;
  o.service_account_issuer = f.service_account_issuer;
  o.api_audiences = f.api_audiences;
  o.storage = f.storage;
  o.etcd_endpoints = f.etcd_endpoints;
  o.etcd_prefix = f.etcd_prefix;
  o.etcd_ca_file = f.etcd_cafile;
  o.etcd_cert_file = f.etcd_certfile;
  o.etcd_key_file = f.etcd_keyfile;
  // Without the controller manager no namespace gets its "default" service account, and the
  // ServiceAccount plugin would refuse every pod: a lone API server (server --disable
  // controllers, the envtest use) runs without it.
  o.service_account_admission =
      std::find(f.disable_admission_plugins.begin(), f.disable_admission_plugins.end(),
                "ServiceAccount") == f.disable_admission_plugins.end() &&
      !(supervise &&
        std::find(f.disable.begin(), f.disable.end(), "controllers") != f.disable.end());
  if (f.ephemeral) {
    char tmpl[] = "/tmp/tinyk8s-ephemeral-XXXXXX";
    if (!::mkdtemp(tmpl)) {
      std::cerr << "cannot create a temporary directory\n";
      return 1;
    }
    temp_dir = tmpl;
    o.data_dir = temp_dir;
    o.durable = false;
  }
  // Signals are taken synchronously below; blocked in every thread.
  TerminationSignals signals;
  auto server = apiserver::ApiServer::Start(o);
  if (!server.ok()) {
    TK_LOG_ERROR << "cannot start: " << server.status().message();
    if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir);
    return 1;
  }
  std::string kubeconfig = o.data_dir + "/kubeconfig";
  KubeconfigCredentials admin;
  admin.ca_pem = (*server)->ca_pem();
  if (!o.insecure_http) {
    auto cert = apiserver::auth::ReadFile(o.data_dir + "/pki/admin.crt");
    auto key = apiserver::auth::ReadFile(o.data_dir + "/pki/admin.key");
    if (cert.ok() && key.ok()) {
      admin.client_cert_pem = *cert;
      admin.client_key_pem = *key;
    }
  }
  if (!WriteKubeconfig(kubeconfig, (*server)->url(), admin)) {
    TK_LOG_ERROR << "cannot write " << kubeconfig;
  }
  ProcessSupervisor supervisor;
  if (supervise) StartCoprocesses(f, o.data_dir, (*server)->url(), admin.ca_pem, supervisor);
  // Last: whoever waits for the port file may then use every kubeconfig, the co-processes' too.
  if (!f.port_file.empty()) {
    std::ofstream(f.port_file + ".tmp") << (*server)->port() << "\n";
    std::filesystem::rename(f.port_file + ".tmp", f.port_file);
  }
  std::cout << "tinyk8s is ready. Use it with:\n  kubectl --kubeconfig "
            << std::filesystem::absolute(kubeconfig).string() << " get nodes" << std::endl;
  signals.Wait();
  TK_LOG_INFO << "shutting down";
  supervisor.Stop();
  (*server)->Stop();
  server->reset();
  if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir);
  return 0;
}

}  // namespace

void RegisterServerCommands(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ServerFlags>();
  CLI::App* server =
      app.add_subcommand("server", "run the API server and supervise the co-processes");
  AddApiServerFlags(server, *flags);
  server->add_option("--dns-listen", flags->dns_listen, "cluster DNS address HOST:PORT")
      ->capture_default_str();
  server->add_option("--nodes", flags->nodes, "number of simulated nodes")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  server->add_option("--node-cpu", flags->node_cpu, "cpu capacity of each simulated node")
      ->capture_default_str();
  server->add_option("--node-memory", flags->node_memory, "memory capacity of each simulated node")
      ->capture_default_str();
  server->add_option("--node-pods", flags->node_pods, "pod capacity of each simulated node")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  server
      ->add_option("--disable", flags->disable,
                   "co-processes not to start: controllers,scheduler,dns")
      ->delimiter(',')
      ->check(CLI::IsMember({"controllers", "scheduler", "dns"}));
  server->callback([flags, exit_code] {
    std::string host;
    uint16_t port;
    if (!ParseHostPort(flags->dns_listen, &host, &port)) {
      std::cerr << "invalid --dns-listen " << flags->dns_listen << ": expected HOST:PORT\n";
      *exit_code = 2;
      return;
    }
    *exit_code = RunApiServer(*flags, "server", /*supervise=*/true);
  });

  auto api_flags = std::make_shared<ServerFlags>();
  CLI::App* apiserver = app.add_subcommand("apiserver", "run only the API server");
  AddApiServerFlags(apiserver, *api_flags);
  apiserver->callback([api_flags, exit_code] {
    *exit_code = RunApiServer(*api_flags, "apiserver", /*supervise=*/false);
  });
}

}  // namespace tinyk8s::cmd
