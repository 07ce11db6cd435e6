#pragma once
// EtcdCluster starts Debian's etcd (/usr/bin/etcd) as a cluster of N members on free loopback
// ports in a temporary directory, for the storage tests and the end-to-end tests. Each member
// runs in its own process group; members can be killed (SIGKILL) and restarted on their data
// directory, or paused (SIGSTOP) and resumed; everything is stopped and removed on destruction.
//
// Data directories live under /dev/shm when it exists (fsync is free there, so a loaded test
// machine is not bottlenecked on three members' disk syncs), otherwise under $TMPDIR or /tmp.
//
// Members get SIGKILL when the thread that started them exits (PR_SET_PDEATHSIG), so a crashed
// test leaves nothing running: start the cluster from a thread that outlives it.
//
// Not thread-safe: one test thread drives it.

#include <string>
#include <vector>

namespace tinyk8s::testing {

class EtcdCluster {
 public:
  // Starts `members` members and waits until the cluster answers /health. `base_dir` overrides
  // where the temporary directory is made (benchmarks put it on disk).
  // With `tls`, members serve clients over https with certificates from a CA made in the
  // directory (IP SAN 127.0.0.1) and require client certificates from that CA.
  explicit EtcdCluster(int members = 3, const std::string& base_dir = "", bool tls = false);
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // Whether /usr/bin/etcd is installed (scripts/install-deps.sh installs it).
  static bool Available();

  bool ok() const { return error_.empty(); }
  // Why the cluster did not start (with the tail of the members' logs).
  const std::string& error() const { return error_; }
  int size() const { return static_cast<int>(members_.size()); }
  const std::string& dir() const { return dir_; }

  // With tls: the CA, and a client certificate and key it signed (PEM files).
  std::string ca_file() const { return dir_ + "/pki/ca.crt"; }
  std::string client_cert_file() const { return dir_ + "/pki/client.crt"; }
  std::string client_key_file() const { return dir_ + "/pki/client.key"; }

  // Client URLs ("http://127.0.0.1:PORT"), one per member, and all of them comma-joined.
  std::string ClientUrl(int member) const;
  int ClientPort(int member) const { return members_[member].client_port; }
  std::string Endpoints() const;

  // Kill sends SIGKILL to member's process group and reaps it.
  void Kill(int member);
  // Pause stops member's processes (SIGSTOP): it keeps its sockets, so connections are
  // accepted by the kernel but nothing answers. Resume continues it (SIGCONT).
  void Pause(int member);
  void Resume(int member);
  // Restart starts a killed member again on its data directory and waits until it is healthy.
  bool Restart(int member, double seconds = 30);
  bool Running(int member) const;
  // Healthy asks one member's /health endpoint (true once the cluster has a leader).
  bool Healthy(int member) const;

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    int pid = -1;
  };
  bool StartMember(int member, bool initial);
  bool MakePki();
  bool WaitHealthy(int member, double seconds);
  std::string LogTail(int member) const;

  std::string dir_;
  std::string initial_cluster_;
  std::vector<Member> members_;
  std::string error_;
  bool tls_ = false;
};

}  // namespace tinyk8s::testing
