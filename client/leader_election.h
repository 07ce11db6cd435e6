#pragma once
// LeaderElector: Lease-based leader election (coordination.k8s.io/v1), as upstream
// client-go tools/leaderelection with the LeaseLock. Candidates race to hold
// spec.holderIdentity of one Lease; the holder renews spec.renewTime every retry_period; others
// take over once they have seen the same record, unchanged, for lease_duration (measured on
// their own monotonic clock, so clock skew between hosts does not matter). Writes use
// resourceVersion compare-and-swap, so two candidates can never both win.
//
// Run() blocks: it acquires, calls on_started_leading (on a separate thread, as upstream runs
// it in a goroutine), renews until it fails to renew within renew_deadline or Stop() is called,
// then calls on_stopped_leading and returns. With release_on_cancel the lease is released on
// Stop (holderIdentity emptied, so the next candidate takes over at once).
//
// Thread-safe: Stop, IsLeader and GetLeader may be called from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "client/client.h"
#include "client/timer_clock.h"

namespace tinyk8s::client {

// A candidate identity unique across processes and restarts: "<hostname>_<uuid>", as
// upstream's components use.
std::string NewCandidateIdentity();

struct LeaderElectionConfig {
  std::string lease_namespace = "kube-system";
  std::string lease_name;  // e.g. "kube-scheduler"
  std::string identity;    // unique per candidate, e.g. NewCandidateIdentity()
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  bool release_on_cancel = true;
  // Called when this candidate becomes leader; runs on its own thread. Should return soon
  // after on_stopped_leading (or watch IsLeader()).
  std::function<void()> on_started_leading;
  // Called when leadership is lost or given up (also if it was never acquired and Stop()
  // was called: upstream calls OnStoppedLeading unconditionally).
  std::function<void()> on_stopped_leading;
  // Called whenever the observed leader changes (including to self).
  std::function<void(const std::string& identity)> on_new_leader;
};

class LeaderElector {
 public:
  // `client` and `clock` must outlive the elector. kInvalid if the config is inconsistent
  // (empty name/identity, lease_duration <= renew_deadline, renew_deadline <= retry_period).
  static Result<std::unique_ptr<LeaderElector>> Create(Client& client, TimerClock& clock,
                                                       LeaderElectionConfig config);
  ~LeaderElector();  // Stop() and waits for the leading callback thread
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Run blocks until leadership is lost or Stop() is called. Call once.
  void Run();
  // Stop makes Run release (if configured) and return. Idempotent; any thread.
  void Stop();

  bool IsLeader() const { return is_leader_.load(); }
  // The holder identity last observed ("" if none).
  std::string GetLeader() const;

 private:
  LeaderElector(Client& client, TimerClock& clock, LeaderElectionConfig config);
  // TryAcquireOrRenew: one attempt; true if we hold the lease afterwards.
  bool TryAcquireOrRenew();
  void Release();
  // Waits `d` on the clock or until Stop; returns false if stopped.
  bool Sleep(std::chrono::nanoseconds d);

  Client& client_;
  TimerClock& clock_;
  LeaderElectionConfig config_;

  // Shared with pending timer callbacks so a timer firing after destruction is harmless.
  struct Sync {
    std::mutex mu;
    std::condition_variable cv;
    bool stopped = false;
    uint64_t fired = 0;  // highest sleep generation whose timer fired
    uint64_t generation = 0;
  };
  std::shared_ptr<Sync> sync_ = std::make_shared<Sync>();
  mutable std::mutex observed_mu_;  // guards observed_holder_
  std::string observed_holder_;
  std::string observed_record_;  // serialised spec, to detect changes
  std::string observed_rv_;
  std::chrono::steady_clock::time_point observed_time_{};
  std::atomic<bool> is_leader_{false};
  std::thread leading_thread_;
};

}  // namespace tinyk8s::client
