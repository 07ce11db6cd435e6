#pragma once
// Scheduler: places pending pods on nodes (behavior-spec §4). Informer events feed a typed
// Cache and the SchedulingQueue; one scheduling thread pops pods in priority order and runs a
// cycle (filter, score, assume, or preempt) under the cache lock; a WorkerPool binds through
// pods/binding, patches PodScheduled=False / nominatedNodeName and deletes preemption victims,
// so the scheduling thread never waits on the API.
//
// Profiles: the scheduler handles only pending pods whose spec.schedulerName is one of its
// profiles (SCH-1); events are recorded with the profile name as component (SCH-2).
//
// Thread-safety: the On* handlers may be called from informer threads; ScheduleNext/ScheduleOne
// from one scheduling thread at a time (Start runs it); Stop from any thread.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "common/clock.h"
#include "scheduler/algorithm.h"
#include "scheduler/cache.h"
#include "scheduler/preemption.h"
#include "scheduler/profile.h"
#include "scheduler/scheduling_queue.h"
#include "scheduler/worker_pool.h"

namespace tinyk8s::scheduler {

struct SchedulerOptions {
  // Threads for bindings, status patches and victim deletions; 0 runs them inline (tests).
  int api_workers = 16;
  SchedulingQueueOptions queue;
  uint32_t seed = 0;  // tie-break randomness; 0 = random
  // Pending Events before the recorder drops some (a burst of 50k Scheduled events must fit).
  size_t event_queue_size = 200000;
  // Called when a preemption decision is taken (benchmarks, logs). On the scheduling thread.
  std::function<void(const PodInfo& preemptor, const std::string& node)> on_preempt;
};

class Scheduler {
 public:
  // `client` and `clock` must outlive the scheduler. REQUIRES: profiles non-empty, names unique.
  Scheduler(client::Client& client, const Clock& clock,
            std::vector<std::unique_ptr<Profile>> profiles, SchedulerOptions options = {});
  ~Scheduler();  // Stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // AddEventHandlers wires the pods and nodes informers of `factory` to the On* handlers and
  // sets their transforms (the caches keep only the fields the scheduler reads). Call before
  // the factory starts.
  void AddEventHandlers(client::SharedInformerFactory& factory);
  // Start launches the scheduling thread. Call after the informers synced.
  void Start();
  // Stop ends scheduling, finishes queued API writes and flushes events. Idempotent.
  void Stop();

  // Informer handlers (public for tests, which feed objects directly).
  void OnPodAdd(const client::ObjectPtr& obj);
  void OnPodUpdate(const client::ObjectPtr& old_obj, const client::ObjectPtr& new_obj);
  void OnPodDelete(const client::ObjectPtr& obj);
  void OnNodeAdd(const client::ObjectPtr& obj);
  void OnNodeUpdate(const client::ObjectPtr& old_obj, const client::ObjectPtr& new_obj);
  void OnNodeDelete(const client::ObjectPtr& obj);

  // ScheduleNext runs one cycle for the next ready pod; false if none is ready.
  bool ScheduleNext();
  void ScheduleOne(const QueuedPod& qp);

  // Flush waits for pending events to be written (tests).
  void FlushEvents(std::chrono::milliseconds timeout);

  struct Stats {
    int64_t attempts = 0, scheduled = 0, unschedulable = 0, preemptions = 0, bind_errors = 0;
  };
  Stats stats() const;
  SchedulingQueue& queue() { return queue_; }
  Cache& cache() { return cache_; }
  bool Responsible(const PodInfo& pod) const;

 private:
  struct ProfileState {
    std::unique_ptr<Profile> profile;
    std::unique_ptr<client::EventRecorder> recorder;
  };
  const ProfileState* FindProfile(const std::string& scheduler_name) const;
  void Run();
  void Bind(const ProfileState& ps, const QueuedPod& qp, const PodInfoPtr& assumed);
  // HandleFailure records FailedScheduling, patches PodScheduled=False (and the nomination
  // when `nominated_node` is set) and returns the pod to the queue.
  void HandleFailure(const ProfileState& ps, const QueuedPod& qp, const std::string& message,
                     const std::string& nominated_node, bool backoff);
  void CarryOutPreemption(const ProfileState& ps, const PodInfoPtr& preemptor,
                          const PreemptionResult& result);
  void PatchSchedulingStatus(const PodInfoPtr& pod, const std::string& message,
                             const std::string& nominated_node);
  void ClearNomination(const PodInfoPtr& pod);
  // The involvedObject of an event about `pod` (list items may lack kind/apiVersion).
  static client::ObjectReference PodRef(const PodInfo& pod);

  client::Client& client_;
  const Clock& clock_;
  SchedulerOptions options_;
  std::map<std::string, ProfileState, std::less<>> profiles_;
  Cache cache_;
  SchedulingQueue queue_;
  ScheduleAlgorithm algorithm_;  // scheduling thread only
  WorkerPool workers_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};

  std::atomic<int64_t> attempts_{0}, scheduled_{0}, unschedulable_{0}, preemptions_{0},
      bind_errors_{0};
};

}  // namespace tinyk8s::scheduler
