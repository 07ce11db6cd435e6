#include "tests/integration/test_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace tinyk8s::testing {

namespace {
std::string BinaryPath() {
  const char* b = std::getenv("TINYK8S_BINARY");
  return b ? b : TINYK8S_BINARY_PATH;
}
}  // namespace

void SleepMillis(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

std::string Testdata(const std::string& name) {
  return std::string(TINYK8S_SOURCE_PATH) + "/tests/testdata/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

int FreeLoopbackPort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int u = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(u, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(u);
      continue;
    }
    ::getsockname(u, reinterpret_cast<sockaddr*>(&addr), &len);
    int t = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool ok = ::bind(t, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(t);
    ::close(u);
    if (ok) return ntohs(addr.sin_port);
  }
  return 0;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data,
                         int timeout_seconds) {
  CommandResult result;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) || pipe(out_pipe) || pipe(err_pipe)) return result;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      close(fd);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (!stdin_data.empty()) {
    size_t off = 0;
    while (off < stdin_data.size()) {
      ssize_t n = write(in_pipe[1], stdin_data.data() + off, stdin_data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  close(in_pipe[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  bool killed = false;
  while (open_fds > 0) {
    int remaining = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         deadline - std::chrono::steady_clock::now())
                                         .count());
    if (remaining <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    if (poll(fds, 2, remaining) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code =
      killed ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return result;
}

TestCluster::TestCluster(std::vector<std::string> extra_args) {
  char tmpl[] = "/tmp/tinyk8s-test-XXXXXX";
  if (!mkdtemp(tmpl)) return;
  dir_ = tmpl;
  argv_ = {BinaryPath()};
  if (extra_args.empty() || extra_args[0].rfind("--", 0) == 0) argv_.push_back("server");
  for (auto& a : extra_args) argv_.push_back(a);
  // Parallel test clusters must not fight over the default DNS port.
  if (argv_[1] == "server" &&
      std::find(extra_args.begin(), extra_args.end(), "--dns-listen") == extra_args.end()) {
    argv_.push_back("--dns-listen");
    argv_.push_back("127.0.0.1:0");
  }
  for (const std::string& a :
       std::vector<std::string>{"--data-dir", dir_ + "/data", "--listen", "127.0.0.1:0",
                                "--port-file", dir_ + "/port"}) {
    argv_.push_back(a);
  }
  Launch();
}

void TestCluster::Launch() {
  std::string port_file = dir_ + "/port";
  std::filesystem::remove(port_file);
  port_ = 0;
  pid_ = fork();
  if (pid_ == 0) {
    int log = open((dir_ + "/server.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log, 1);
    dup2(log, 2);
    std::vector<char*> args;
    for (const auto& a : argv_) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  WaitFor(
      [&] {
        std::ifstream in(port_file);
        int p = 0;
        if (in >> p && p > 0) port_ = p;
        return port_ > 0;
      },
      30);  // generous: six test clusters may be starting at once on a loaded machine
}

bool TestCluster::Restart() {
  if (dir_.empty()) return false;
  Stop();
  Launch();
  return ok();
}

TestCluster::~TestCluster() {
  Stop();
  if (!dir_.empty() && !std::getenv("TINYK8S_KEEP_TEST_DIR")) std::filesystem::remove_all(dir_);
}

namespace {
// TerminateAndWait sends SIGTERM and reaps the process; after 10 s of wall time it is killed
// (result -1). Otherwise the result is its exit code (128 + signal when a signal ended it).
int TerminateAndWait(int pid) {
  kill(pid, SIGTERM);
  int status = 0;
  if (WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 10)) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}
}  // namespace

int TestCluster::Spawn(const std::vector<std::string>& args, const std::string& log_name) {
  std::vector<std::string> argv = {BinaryPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string log_path = dir_ + "/" + log_name + ".log";
  int pid = fork();
  if (pid == 0) {
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log, 1);
    dup2(log, 2);
    std::vector<char*> cargs;
    for (const auto& a : argv) cargs.push_back(const_cast<char*>(a.c_str()));
    cargs.push_back(nullptr);
    execv(cargs[0], cargs.data());
    _exit(127);
  }
  spawned_.push_back(pid);
  return pid;
}

int TestCluster::StopSpawned(int pid) {
  auto it = std::find(spawned_.begin(), spawned_.end(), pid);
  if (it == spawned_.end()) return -1;
  spawned_.erase(it);
  return TerminateAndWait(pid);
}

int TestCluster::Stop() {
  while (!spawned_.empty()) StopSpawned(spawned_.back());
  if (pid_ <= 0) return -1;
  int result = TerminateAndWait(pid_);
  pid_ = -1;
  return result;
}

void TestCluster::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool TestCluster::KubectlAvailable(const std::string& version) {
  return access(("/usr/lib/google-cloud-sdk/bin/kubectl." + version).c_str(), X_OK) == 0;
}

CommandResult TestCluster::Kubectl(const std::string& version, const std::vector<std::string>& args,
                                   const std::string& stdin_data, int timeout_seconds) const {
  std::vector<std::string> argv = {"/usr/lib/google-cloud-sdk/bin/kubectl." + version,
                                   "--kubeconfig=" + kubeconfig(),
                                   "--cache-dir=" + dir_ + "/kubectl-cache-" + version};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, stdin_data, timeout_seconds);
}

namespace {
std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <typename Stream>
HttpResult Exchange(Stream& stream, const std::string& method, const std::string& target,
                    const std::string& body, const std::string& content_type,
                    const std::string& accept, const std::string& token) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  HttpResult result;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::accept, accept);
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) req.set(http::field::content_type, content_type);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  http::read(stream, buffer, parser);
  result.status = static_cast<int>(parser.get().result_int());
  result.body = parser.get().body();
  result.content_type = std::string(parser.get()[http::field::content_type]);
  auto [first, last] = parser.get().equal_range(http::field::warning);
  for (auto it = first; it != last; ++it) result.warnings.emplace_back(it->value());
  return result;
}
}  // namespace

std::string TestCluster::CaPem() const { return ReadAll(dir_ + "/data/pki/ca.crt"); }

HttpCredentials TestCluster::AdminCredentials() const {
  return {ReadAll(dir_ + "/data/pki/admin.crt"), ReadAll(dir_ + "/data/pki/admin.key"), ""};
}

HttpResult TestCluster::Http(const std::string& method, const std::string& target,
                             const std::string& body, const std::string& content_type,
                             const std::string& accept) const {
  return HttpAs(AdminCredentials(), method, target, body, content_type, accept);
}

HttpResult TestCluster::HttpAs(const HttpCredentials& creds, const std::string& method,
                               const std::string& target, const std::string& body,
                               const std::string& content_type, const std::string& accept) const {
  namespace beast = boost::beast;
  namespace ssl = boost::asio::ssl;
  HttpResult result;
  try {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                            static_cast<unsigned short>(port_));
    std::string ca = CaPem();
    if (ca.empty()) {
      beast::tcp_stream stream(ioc);
      stream.expires_after(std::chrono::seconds(30));
      stream.connect(endpoint);
      result = Exchange(stream, method, target, body, content_type, accept, creds.bearer_token);
      beast::error_code ec;
      stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
      return result;
    }
    ssl::context ctx(ssl::context::tls_client);
    ctx.add_certificate_authority(boost::asio::buffer(ca));
    ctx.set_verify_mode(ssl::verify_peer);
    if (!creds.cert_pem.empty()) {
      ctx.use_certificate_chain(boost::asio::buffer(creds.cert_pem));
      ctx.use_private_key(boost::asio::buffer(creds.key_pem), ssl::context::pem);
    }
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(stream).connect(endpoint);
    stream.handshake(ssl::stream_base::client);
    result = Exchange(stream, method, target, body, content_type, accept, creds.bearer_token);
    beast::error_code ec;
    beast::get_lowest_layer(stream).socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both,
                                                      ec);
  } catch (const std::exception& e) {
    result.status = -1;
    result.body = e.what();
  }
  return result;
}

}  // namespace tinyk8s::testing
