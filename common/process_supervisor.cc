#include "common/process_supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "common/logging.h"

namespace tinyk8s {

ProcessSupervisor::ProcessSupervisor() : ProcessSupervisor(Options{}) {}
ProcessSupervisor::ProcessSupervisor(Options options) : options_(options) {}
ProcessSupervisor::~ProcessSupervisor() { Stop(); }

void ProcessSupervisor::Add(ChildSpec spec) {
  std::lock_guard lock(mu_);
  Child c;
  c.spec = std::move(spec);
  c.backoff = options_.initial_backoff;
  c.next_start = std::chrono::steady_clock::now();
  children_.push_back(std::move(c));
  if (running_) Launch(children_.back());
  cv_.notify_all();
}

void ProcessSupervisor::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  for (auto& c : children_) Launch(c);
  monitor_ = std::thread([this] { Run(); });
}

void ProcessSupervisor::Launch(Child& child) {
  std::vector<char*> argv;
  for (auto& a : child.spec.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    // Child: die with the supervisor, get a fresh signal mask, redirect output.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!child.spec.log_path.empty()) {
      int fd = open(child.spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
      }
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (pid < 0) {
    TK_LOG_ERROR << "cannot start " << child.spec.name << ": " << std::strerror(errno);
    child.next_start = std::chrono::steady_clock::now() + child.backoff;
    return;
  }
  child.pid = pid;
  ++child.starts;
  child.started_at = std::chrono::steady_clock::now();
  TK_LOG_INFO << "started " << child.spec.name << " (pid " << pid << ")";
}

void ProcessSupervisor::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    // Reap exited children.
    for (auto& c : children_) {
      if (c.pid <= 0) continue;
      int status = 0;
      pid_t r = waitpid(c.pid, &status, WNOHANG);
      if (r != c.pid) continue;
      auto now = std::chrono::steady_clock::now();
      std::string why = WIFEXITED(status)
                            ? "exited with status " + std::to_string(WEXITSTATUS(status))
                            : std::string("was killed by signal ") + strsignal(WTERMSIG(status));
      if (now - c.started_at >= options_.healthy_after) c.backoff = options_.initial_backoff;
      TK_LOG_WARN << c.spec.name << " (pid " << c.pid << ") " << why << "; restarting in "
                  << c.backoff.count() << "ms";
      c.pid = 0;
      c.next_start = now + c.backoff;
      c.backoff = std::min(c.backoff * 2, options_.max_backoff);
    }
    auto now = std::chrono::steady_clock::now();
    for (auto& c : children_) {
      if (c.pid == 0 && now >= c.next_start) Launch(c);
    }
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

void ProcessSupervisor::Stop() {
  std::vector<int> pids;
  {
    std::lock_guard lock(mu_);
    if (!running_ || stopping_) {
      stopping_ = true;
      return;
    }
    stopping_ = true;
    cv_.notify_all();
  }
  if (monitor_.joinable()) monitor_.join();
  std::lock_guard lock(mu_);
  for (auto& c : children_) {
    if (c.pid > 0) kill(c.pid, SIGTERM);
  }
  auto deadline = std::chrono::steady_clock::now() + options_.stop_grace;
  for (auto& c : children_) {
    while (c.pid > 0) {
      int status = 0;
      if (waitpid(c.pid, &status, WNOHANG) == c.pid) {
        c.pid = 0;
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        TK_LOG_WARN << c.spec.name << " did not stop in time; killing it";
        kill(c.pid, SIGKILL);
        waitpid(c.pid, &status, 0);
        c.pid = 0;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

int ProcessSupervisor::PidOf(const std::string& name) const {
  std::lock_guard lock(mu_);
  for (const auto& c : children_) {
    if (c.spec.name == name) return c.pid;
  }
  return 0;
}

int ProcessSupervisor::StartsOf(const std::string& name) const {
  std::lock_guard lock(mu_);
  for (const auto& c : children_) {
    if (c.spec.name == name) return c.starts;
  }
  return 0;
}

}  // namespace tinyk8s
