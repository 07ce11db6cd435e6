#pragma once
// Subcommands of the tinyk8s binary. Each Register* adds its CLI11 subcommand and the callback
// that runs it; the callback stores the process exit code in *exit_code.

#include <CLI/CLI.hpp>

namespace tinyk8s::cmd {

void RegisterServerCommands(CLI::App& app, int* exit_code);
void RegisterComponentCommands(CLI::App& app, int* exit_code);

// ParseHostPort splits "HOST:PORT"; false if malformed.
bool ParseHostPort(const std::string& text, std::string* host, uint16_t* port);
// WaitForTermination blocks until SIGTERM or SIGINT arrives.
void WaitForTermination();
// WriteKubeconfig writes a kubeconfig for `server` to `path` with mode 0600.
bool WriteKubeconfig(const std::string& path, const std::string& server);

}  // namespace tinyk8s::cmd
