#pragma once
// ProcessSupervisor runs child processes (the co-processes of `tinyk8s server`), restarts one
// that exits with exponential backoff and logs why it ended, and stops them all on Stop()
// (SIGTERM, then SIGKILL after a grace period). Children get PR_SET_PDEATHSIG so they never
// outlive a supervisor that is killed.
//
// Thread-safe. Owns one monitoring thread.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tinyk8s {

struct ChildSpec {
  std::string name;               // for logs: "scheduler"
  std::vector<std::string> argv;  // argv[0] is the executable path
  std::string log_path;           // stdout+stderr appended here; empty = inherit
};

class ProcessSupervisor {
 public:
  struct Options {
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{30000};
    // A child that ran at least this long gets its backoff reset when it exits.
    std::chrono::milliseconds healthy_after{10000};
    std::chrono::milliseconds stop_grace{5000};
  };
  ProcessSupervisor();
  explicit ProcessSupervisor(Options options);
  ~ProcessSupervisor();
  ProcessSupervisor(const ProcessSupervisor&) = delete;
  ProcessSupervisor& operator=(const ProcessSupervisor&) = delete;

  // Add registers a child; it is started by Start() (or at once if already started).
  void Add(ChildSpec spec);
  void Start();
  // Stop terminates every child and joins the monitor. Idempotent.
  void Stop();
  // Pid of a running child by name (0 if not running); for tests.
  int PidOf(const std::string& name) const;
  // Starts counts how many times a child was started; for tests.
  int StartsOf(const std::string& name) const;

 private:
  struct Child {
    ChildSpec spec;
    int pid = 0;
    int starts = 0;
    std::chrono::milliseconds backoff{0};
    std::chrono::steady_clock::time_point started_at;
    std::chrono::steady_clock::time_point next_start;
  };
  void Run();
  void Launch(Child& child);  // REQUIRES: mu_ held

  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Child> children_;  // guarded by mu_
  bool running_ = false;         // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  std::thread monitor_;
};

}  // namespace tinyk8s
