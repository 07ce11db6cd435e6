// tinyk8s: a Kubernetes-compatible control plane in one binary. Thin main: subcommands live in
// cmd/*_command.cc and the components in their libraries.
#include <CLI/CLI.hpp>

#include "cmd/commands.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  CLI::App app{"tinyk8s: a Kubernetes-compatible control plane in one binary"};
  app.require_subcommand(1);
  int verbosity = 0;
  app.add_option("-v,--v", verbosity, "log verbosity (klog-style levels)")
      ->check(CLI::Range(0, 10));
  app.parse_complete_callback([&] { tinyk8s::log::SetVerbosity(verbosity); });
  int exit_code = 0;
  tinyk8s::cmd::RegisterServerCommands(app, &exit_code);
  tinyk8s::cmd::RegisterComponentCommands(app, &exit_code);
  tinyk8s::cmd::RegisterKubeconfigCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Unknown flags and bad values: a clear message and exit code 2.
    app.exit(e);
    return e.get_exit_code() == 0 ? 0 : 2;
  }
  return exit_code;
}
