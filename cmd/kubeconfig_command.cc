// `tinyk8s kubeconfig --data-dir DIR --user NAME [--group G ...]`: prints a kubeconfig with a new
// client certificate from the cluster CA in DIR/pki (CN = user, O = groups).
#include <iostream>

#include "apiserver/auth/pki.h"
#include "cmd/commands.h"

namespace tinyk8s::cmd {

void RegisterKubeconfigCommand(CLI::App& app, int* exit_code) {
  struct Flags {
    std::string data_dir = "./tinyk8s-data";
    std::string user;
    std::vector<std::string> groups;
    std::string server;
    int days = 365;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "kubeconfig", "print a kubeconfig with a new client certificate from the cluster CA");
  cmd->add_option("--data-dir", f->data_dir, "data directory of the server (holds pki/)")
      ->capture_default_str();
  cmd->add_option("--user", f->user, "user name (certificate CN)")->required();
  cmd->add_option("--group", f->groups, "group (certificate O); repeatable");
  cmd->add_option("--server", f->server,
                  "API server URL (default: the one in DATA_DIR/kubeconfig)");
  cmd->add_option("--days", f->days, "certificate lifetime in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  cmd->callback([f, exit_code] {
    auto ca = apiserver::auth::LoadCa(f->data_dir + "/pki");
    if (!ca.ok()) {
      std::cerr << "tinyk8s kubeconfig: no cluster CA in " << f->data_dir
                << "/pki (start the server with this --data-dir first)\n";
      *exit_code = 1;
      return;
    }
    std::string server = f->server;
    if (server.empty()) {
      // The admin kubeconfig the server wrote knows its current address.
      auto admin = apiserver::auth::ReadFile(f->data_dir + "/kubeconfig");
      size_t at = admin.ok() ? admin->find("server: ") : std::string::npos;
      if (at != std::string::npos) {
        at += 8;
        server = admin->substr(at, admin->find('\n', at) - at);
      } else {
        server = "https://127.0.0.1:6443";
      }
    }
    apiserver::auth::CertRequest req;
    req.common_name = f->user;
    req.organizations = f->groups;
    req.valid_days = f->days;
    auto cert = apiserver::auth::IssueCert(*ca, req);
    if (!cert.ok()) {
      std::cerr << "tinyk8s kubeconfig: " << cert.status().message() << "\n";
      *exit_code = 1;
      return;
    }
    std::cout << KubeconfigText(server, {ca->cert_pem, f->user, cert->cert_pem, cert->key_pem});
    *exit_code = 0;
  });
}

}  // namespace tinyk8s::cmd
