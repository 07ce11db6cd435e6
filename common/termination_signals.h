#pragma once
// TerminationSignals: how every tinyk8s process (server and co-processes) learns it should
// stop. SIGTERM and SIGINT are blocked and taken synchronously (sigwait) instead of through an
// asynchronous handler, so shutdown runs as ordinary code; SIGPIPE is ignored so that a peer
// closing a socket never kills the process.

#include <signal.h>

#include <chrono>

namespace tinyk8s {

class TerminationSignals {
 public:
  // Blocks SIGTERM and SIGINT in the calling thread and ignores SIGPIPE. Construct it before
  // starting any thread: threads inherit the signal mask of the thread that starts them.
  TerminationSignals();

  // Blocks until SIGTERM or SIGINT arrives; returns the signal number.
  int Wait() const;
  // Waits up to `timeout` (zero: just looks); true when SIGTERM or SIGINT arrived.
  bool WaitFor(std::chrono::milliseconds timeout) const;

 private:
  sigset_t set_;
};

}  // namespace tinyk8s
