#pragma once
// SchedulingQueue: pending pods (upstream internal/queue PriorityQueue, SCH-4).
//  - activeQ: pods ready to be tried, higher spec.priority first, then earlier enqueue time;
//  - backoffQ: pods that failed, waiting 1s doubling to 10s per attempt before returning;
//  - unschedulable pool: pods that failed and wait for a cluster change (MoveAllToActiveOrBackoff)
//    or for 5 minutes at most.
// A popped pod is "in flight" until Done or AddUnschedulable; updates and deletions seen
// meanwhile are applied to it. If a cluster change happened while a pod was in flight, a
// failure sends it to backoff rather than the pool, so the change is not missed (upstream
// moveRequestCycle).
//
// Thread-safe. Time comes from the injected Clock; Flush() moves what is due (Pop calls it;
// tests call it after advancing a fake clock).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "common/clock.h"
#include "scheduler/pod_info.h"

namespace tinyk8s::scheduler {

struct SchedulingQueueOptions {
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{10000};
  // A pod stays in the unschedulable pool at most this long without a cluster change.
  std::chrono::milliseconds max_unschedulable{5 * 60 * 1000};
};

// QueuedPod: a pod handed out by Pop.
struct QueuedPod {
  PodInfoPtr pod;
  int attempts = 0;    // scheduling attempts so far, this one included
  uint64_t cycle = 0;  // scheduling cycle in which it was popped
};

class SchedulingQueue {
 public:
  explicit SchedulingQueue(const Clock& clock, SchedulingQueueOptions options = {});
  SchedulingQueue(const SchedulingQueue&) = delete;
  SchedulingQueue& operator=(const SchedulingQueue&) = delete;

  // Add queues a new pending pod in activeQ (no-op if already known: then it is an Update).
  void Add(PodInfoPtr pod);
  // Update replaces the pod's info. A pod in the unschedulable pool whose spec or labels
  // changed is moved to backoff/active (it may fit now).
  void Update(PodInfoPtr pod);
  // Delete drops the pod wherever it is (also in flight).
  void Delete(const std::string& uid);

  // Pop blocks until a pod is ready or the queue is closed (nullopt).
  std::optional<QueuedPod> Pop();
  // TryPop returns a ready pod or nullopt at once (after a Flush).
  std::optional<QueuedPod> TryPop();

  // AddUnschedulable returns an in-flight pod after a failed attempt: to backoff if a cluster
  // change happened since it was popped, else to the unschedulable pool. Ignored if the pod
  // was deleted or assigned meanwhile.
  void AddUnschedulable(const QueuedPod& pod);
  // AddBackoff returns an in-flight pod to backoff (errors, binding failures).
  void AddBackoff(const QueuedPod& pod);
  // Done ends the in-flight state of a pod that was scheduled (or given up on).
  void Done(const std::string& uid);

  // MoveAllToActiveOrBackoff: a cluster change (node added/changed, pod deleted or finished)
  // may make unschedulable pods fit: move them all to backoff (if still backing off) or active.
  void MoveAllToActiveOrBackoff();
  // Flush moves backoff pods whose time is up, and pods stuck in the pool too long.
  void Flush();
  // Close wakes Pop, which then returns nullopt.
  void Close();

  struct Counts {
    size_t active = 0, backoff = 0, unschedulable = 0, in_flight = 0;
  };
  Counts counts() const;
  // The backoff a pod with `attempts` attempts waits (1s, 2s, 4s, ... 10s).
  std::chrono::milliseconds BackoffFor(int attempts) const;

 private:
  enum class Where { kActive, kBackoff, kUnschedulable, kInFlight };
  using Mono = std::chrono::steady_clock::time_point;
  struct Entry {
    PodInfoPtr pod;
    Where where = Where::kActive;
    int attempts = 0;
    uint64_t seq = 0;      // enqueue order, for FIFO among equal priorities
    Mono enqueued{};       // when it entered the unschedulable pool
    Mono backoff_until{};  // end of its backoff
    uint64_t popped_cycle = 0;
  };
  // activeQ order: priority desc, then seq asc. backoffQ order: backoff end, then seq.
  using ActiveKey = std::tuple<int64_t, uint64_t, std::string>;
  using BackoffKey = std::tuple<Mono, uint64_t, std::string>;

  // REQUIRES: mu_ held.
  void PushActiveLocked(const std::string& uid, Entry& e);
  void PushBackoffLocked(const std::string& uid, Entry& e);
  void UnlinkLocked(const std::string& uid, Entry& e);
  void MoveToActiveOrBackoffLocked(const std::string& uid, Entry& e, Mono now);
  void FlushLocked();
  std::optional<QueuedPod> PopLocked();

  const Clock& clock_;
  SchedulingQueueOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Entry> entries_;  // by uid; GUARDED_BY(mu_)
  std::set<ActiveKey> active_;                      // GUARDED_BY(mu_)
  std::set<BackoffKey> backoff_;                    // GUARDED_BY(mu_)
  size_t num_unschedulable_ = 0;                    // GUARDED_BY(mu_)
  size_t num_in_flight_ = 0;                        // GUARDED_BY(mu_)
  uint64_t next_seq_ = 0;                           // GUARDED_BY(mu_)
  uint64_t cycle_ = 0;                              // GUARDED_BY(mu_)
  uint64_t move_request_cycle_ = 0;                 // GUARDED_BY(mu_)
  bool closed_ = false;                             // GUARDED_BY(mu_)
  Mono last_stale_scan_{};                          // GUARDED_BY(mu_)
};

}  // namespace tinyk8s::scheduler
