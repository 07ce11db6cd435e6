#include "tests/support/etcd_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

namespace tinyk8s::testing {

namespace {

constexpr const char* kEtcdBinary = "/usr/bin/etcd";

std::string TempBase() {
  if (access("/dev/shm", W_OK) == 0) return "/dev/shm";
  const char* base = getenv("TMPDIR");
  return base != nullptr ? base : "/tmp";
}

// FreePorts reserves n distinct free TCP ports on 127.0.0.1 (all sockets are held open until
// every port is chosen, so the same port is never handed out twice).
std::vector<int> FreePorts(int n) {
  std::vector<int> sockets;
  std::vector<int> ports;
  for (int i = 0; i < n; ++i) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (s >= 0) ::close(s);
      break;
    }
    sockets.push_back(s);
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int s : sockets) ::close(s);
  return ports;
}

// HttpGet sends one HTTP/1.0 GET to 127.0.0.1:port and returns the whole response ("" on
// failure). Bounded by a 2 s socket timeout.
std::string HttpGet(int port, const std::string& path) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return "";
  timeval tv{2, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string response;
  if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(s, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::recv(s, buf, sizeof buf, 0)) > 0) response.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(s);
  return response;
}

void Sleep(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

bool EtcdCluster::Available() { return access(kEtcdBinary, X_OK) == 0; }

EtcdCluster::EtcdCluster(int members, const std::string& base_dir, bool tls) : tls_(tls) {
  if (!Available()) {
    error_ = std::string(kEtcdBinary) + " is not installed (run scripts/install-deps.sh)";
    return;
  }
  std::string tmpl = (base_dir.empty() ? TempBase() : base_dir) + "/tinyk8s-etcd-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  if (tls_ && !MakePki()) {
    error_ = "cannot make test certificates with openssl (see " + dir_ + "/pki/openssl.log)";
    return;
  }
  std::vector<int> ports = FreePorts(2 * members);
  if (static_cast<int>(ports.size()) != 2 * members) {
    error_ = "no free loopback ports";
    return;
  }
  for (int i = 0; i < members; ++i) {
    Member m;
    m.name = "m" + std::to_string(i);
    m.client_port = ports[2 * i];
    m.peer_port = ports[2 * i + 1];
    if (!initial_cluster_.empty()) initial_cluster_ += ",";
    initial_cluster_ += m.name + "=http://127.0.0.1:" + std::to_string(m.peer_port);
    members_.push_back(m);
  }
  for (int i = 0; i < members; ++i) {
    if (!StartMember(i, /*initial=*/true)) {
      error_ = "cannot start etcd member " + members_[i].name;
      return;
    }
  }
  // A member answers /health only once the cluster has elected a leader.
  for (int i = 0; i < members; ++i) {
    if (!WaitHealthy(i, 60)) {
      error_ = "etcd member " + members_[i].name + " did not become healthy:\n" + LogTail(i);
      return;
    }
  }
}

EtcdCluster::~EtcdCluster() {
  // The data is thrown away: no graceful shutdown needed (SIGTERM costs etcd seconds).
  for (int i = 0; i < size(); ++i) Kill(i);
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool EtcdCluster::StartMember(int member, bool initial) {
  Member& m = members_[member];
  const std::string client = ClientUrl(member);
  const std::string peer = "http://127.0.0.1:" + std::to_string(m.peer_port);
  std::vector<std::string> argv = {
      kEtcdBinary,
      "--name=" + m.name,
      "--data-dir=" + dir_ + "/" + m.name,
      "--listen-client-urls=" + client,
      "--advertise-client-urls=" + client,
      "--listen-peer-urls=" + peer,
      "--initial-advertise-peer-urls=" + peer,
      "--initial-cluster=" + initial_cluster_,
      "--initial-cluster-token=tinyk8s-test",
      std::string("--initial-cluster-state=") + (initial ? "new" : "existing"),
      "--logger=zap",
      "--log-outputs=stderr",
      "--log-level=warn",
      // Idle watches hear from their member now and then (the default is every 10 minutes).
      "--experimental-watch-progress-notify-interval=5s",
  };
  if (tls_) {
    const std::string pki = dir_ + "/pki/";
    argv.insert(argv.end(),
                {"--cert-file=" + pki + "member.crt", "--key-file=" + pki + "member.key",
                 "--trusted-ca-file=" + pki + "ca.crt", "--client-cert-auth"});
  }
  std::string log_path = dir_ + "/" + m.name + ".log";
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::setpgid(0, 0);
    // A test that crashes (or exits without destructors) must not leave members running.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent: no window where Kill misses the group
  m.pid = pid;
  return true;
}

std::string EtcdCluster::ClientUrl(int member) const {
  return std::string(tls_ ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(members_[member].client_port);
}

// MakePki creates a CA, a member certificate for 127.0.0.1 and a client certificate with the
// openssl command line tool.
bool EtcdCluster::MakePki() {
  const std::string pki = dir_ + "/pki";
  std::filesystem::create_directories(pki);
  const std::string script =
      "cd '" + pki + "' && { " +
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=etcd-test-ca "
      "-keyout ca.key -out ca.crt && "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=etcd-member -keyout member.key "
      "-out member.csr && "
      "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > "
      "member.ext && "
      "openssl x509 -req -in member.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile member.ext -out member.crt && "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=tinyk8s -keyout client.key -out client.csr "
      "&& printf 'extendedKeyUsage=clientAuth\\n' > client.ext && "
      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile client.ext -out client.crt; } > openssl.log 2>&1";
  return std::system(script.c_str()) == 0;
}

std::string EtcdCluster::Endpoints() const {
  std::string out;
  for (int i = 0; i < size(); ++i) {
    if (!out.empty()) out += ",";
    out += ClientUrl(i);
  }
  return out;
}

void EtcdCluster::Kill(int member) {
  Member& m = members_[member];
  if (m.pid <= 0) return;
  ::kill(-m.pid, SIGKILL);
  int status = 0;
  ::waitpid(m.pid, &status, 0);
  m.pid = -1;
}

void EtcdCluster::Pause(int member) {
  if (members_[member].pid > 0) ::kill(-members_[member].pid, SIGSTOP);
}

void EtcdCluster::Resume(int member) {
  if (members_[member].pid > 0) ::kill(-members_[member].pid, SIGCONT);
}

bool EtcdCluster::Restart(int member, double seconds) {
  if (Running(member)) return true;
  // The data directory holds the membership: initial-cluster-state is ignored when it exists.
  if (!StartMember(member, /*initial=*/false)) return false;
  return WaitHealthy(member, seconds);
}

bool EtcdCluster::Running(int member) const { return members_[member].pid > 0; }

bool EtcdCluster::Healthy(int member) const {
  if (!Running(member)) return false;
  std::string response;
  if (tls_) {
    // curl speaks TLS with the client certificate; plain HTTP needs nothing but a socket.
    const std::string pki = dir_ + "/pki/";
    const std::string command = "curl -s -m 2 --cacert '" + pki + "ca.crt' --cert '" + pki +
                                "client.crt' --key '" + pki + "client.key' " + ClientUrl(member) +
                                "/health";
    if (FILE* out = ::popen(command.c_str(), "r")) {
      char buf[512];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, out)) > 0) response.append(buf, n);
      ::pclose(out);
    }
  } else {
    response = HttpGet(members_[member].client_port, "/health");
  }
  return response.find("\"health\":\"true\"") != std::string::npos;
}

bool EtcdCluster::WaitHealthy(int member, double seconds) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  while (std::chrono::steady_clock::now() < deadline) {
    if (Healthy(member)) return true;
    int status = 0;
    if (::waitpid(members_[member].pid, &status, WNOHANG) == members_[member].pid) {
      members_[member].pid = -1;  // exited (see its log)
      return false;
    }
    Sleep(50);
  }
  return Healthy(member);
}

std::string EtcdCluster::LogTail(int member) const {
  std::ifstream in(dir_ + "/" + members_[member].name + ".log");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace tinyk8s::testing
