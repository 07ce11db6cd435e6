#pragma once
// Subcommands of the tinyk8s binary. Each Register* adds its CLI11 subcommand and the callback
// that runs it; the callback stores the process exit code in *exit_code.

#include <CLI/CLI.hpp>

namespace tinyk8s::cmd {

void RegisterServerCommands(CLI::App& app, int* exit_code);
void RegisterComponentCommands(CLI::App& app, int* exit_code);
void RegisterKubeconfigCommand(CLI::App& app, int* exit_code);

// ParseHostPort splits "HOST:PORT"; false if malformed.
bool ParseHostPort(const std::string& text, std::string* host, uint16_t* port);
// KubeconfigCredentials: what a kubeconfig embeds besides the server URL (PEM; empty = none).
struct KubeconfigCredentials {
  std::string ca_pem;
  std::string user_name;  // kubeconfig user entry name (default "admin")
  std::string client_cert_pem;
  std::string client_key_pem;
};
// KubeconfigText renders a kubeconfig with one cluster, user and context named tinyk8s.
std::string KubeconfigText(const std::string& server, const KubeconfigCredentials& creds);
// WriteKubeconfig writes it to `path` with mode 0600 (it may hold a private key).
bool WriteKubeconfig(const std::string& path, const std::string& server,
                     const KubeconfigCredentials& creds);

}  // namespace tinyk8s::cmd
