#pragma once
// TestCluster starts the real tinyk8s binary on a free loopback port in a temporary directory
// and drives it with the installed kubectl binaries and raw HTTP. Cleans up its processes.

#include <chrono>
#include <string>
#include <vector>

namespace tinyk8s::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// RunCommand runs argv with optional stdin, capturing stdout and stderr; kills it after
// timeout_seconds (exit_code -1).
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                         int timeout_seconds = 60);

struct HttpResult {
  int status = 0;  // -1: transport or TLS failure (body holds the error)
  std::string body;
  std::string content_type;
  std::vector<std::string> warnings;  // values of the Warning headers, in order
};

// HttpCredentials: how a raw request authenticates. Empty: anonymous.
struct HttpCredentials {
  std::string cert_pem;  // client certificate and key (PEM)
  std::string key_pem;
  std::string bearer_token;
};

class TestCluster {
 public:
  // Starts `tinyk8s <subcommand> ...extra_args` (subcommand "server" by default).
  explicit TestCluster(std::vector<std::string> extra_args = {});
  ~TestCluster();

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string kubeconfig() const { return dir_ + "/data/kubeconfig"; }

  // Kubectl runs /usr/lib/google-cloud-sdk/bin/kubectl.<version> with this cluster's
  // kubeconfig and its own discovery cache.
  CommandResult Kubectl(const std::string& version, const std::vector<std::string>& args,
                        const std::string& stdin_data = "", int timeout_seconds = 60) const;
  CommandResult Kubectl(const std::vector<std::string>& args,
                        const std::string& stdin_data = "") const {
    return Kubectl("1.32", args, stdin_data);
  }

  // Http sends one request as the cluster admin (client certificate from DIR/data/pki) over
  // TLS, or plain HTTP when the cluster runs with --insecure-http.
  HttpResult Http(const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::string& content_type = "application/json",
                  const std::string& accept = "application/json") const;
  // HttpAs is Http with other credentials (or none).
  HttpResult HttpAs(const HttpCredentials& creds, const std::string& method,
                    const std::string& target, const std::string& body = "",
                    const std::string& content_type = "application/json",
                    const std::string& accept = "application/json") const;
  HttpCredentials AdminCredentials() const;
  // CaPem: the cluster CA clients trust ("" when serving plain HTTP).
  std::string CaPem() const;

  // Stop sends SIGTERM and returns the exit status (0 expected). Also stops spawned processes.
  int Stop();
  // Restart stops the server (as Stop) and starts it again with the same arguments on the same
  // data dir; true when it serves again (on a new port: kubeconfig() is rewritten).
  bool Restart();
  // Kill sends SIGKILL to the server (a crash; its co-processes get SIGTERM from the kernel as
  // their parent dies) and reaps it. Spawned processes are left running.
  void Kill();

  // Spawn starts another `tinyk8s` process (e.g. {"nodes", "--kubeconfig", ...}) whose output
  // goes to <dir>/<log_name>.log; it is stopped with the cluster. Returns its pid.
  int Spawn(const std::vector<std::string>& args, const std::string& log_name);
  // StopSpawned sends SIGTERM to a spawned process and returns its exit status.
  int StopSpawned(int pid);

  static bool KubectlAvailable(const std::string& version);

 private:
  // Launch starts the server with argv_ and waits for its port file.
  void Launch();

  std::string dir_;
  std::vector<std::string> argv_;
  int pid_ = -1;
  int port_ = 0;
  std::vector<int> spawned_;
};

void SleepMillis(int ms);

// Testdata is the path of tests/testdata/NAME in the source tree.
std::string Testdata(const std::string& name);
// ReadFile is a file's whole content ("" when it cannot be read).
std::string ReadFile(const std::string& path);
// SplitLines is the non-empty lines of `text`.
std::vector<std::string> SplitLines(const std::string& text);

// FreeLoopbackPort finds a port free for both UDP and TCP on 127.0.0.1 (0 if none found).
int FreeLoopbackPort();

// WaitFor polls `condition` every 50 ms until it holds or `seconds` of wall time pass, then
// checks once more. The limit is a deadline, not a count of polls: a poll that runs kubectl
// several times takes far longer than 50 ms, and a failing check must still end on time.
template <typename F>
bool WaitFor(F condition, double seconds = 20) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    SleepMillis(50);
  }
  return condition();
}

}  // namespace tinyk8s::testing
