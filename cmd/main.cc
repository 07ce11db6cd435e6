// tinyk8s: a Kubernetes-compatible control plane in one binary. Thin main: subcommands live in
// cmd/*_command.cc and the components in their libraries.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "cmd/commands.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  // glibc gives busy threads their own arenas (up to 8 per core). With the API server's worker
  // pool that fragmentation tripled resident memory for the same live data (5,000 nodes: 345 MB
  // taken from the system for 110 MB in use; 185 MB with two arenas), and more arenas buy
  // nothing on the 2-core machines we target. An explicit MALLOC_ARENA_MAX still wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
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
