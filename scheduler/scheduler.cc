#include "scheduler/scheduler.h"

#include "common/logging.h"

namespace tinyk8s::scheduler {

Scheduler::Scheduler(client::Client& client, const Clock& clock,
                     std::vector<std::unique_ptr<Profile>> profiles, SchedulerOptions options)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      queue_(clock, options_.queue),
      algorithm_(options_.seed != 0 ? options_.seed : std::random_device{}()),
      workers_(options_.api_workers) {
  for (auto& p : profiles) {
    client::EventRecorderOptions ro;
    ro.component = p->scheduler_name();
    ro.queue_size = options_.event_queue_size;
    ProfileState ps;
    ps.recorder = std::make_unique<client::EventRecorder>(client_, clock_, std::move(ro));
    std::string name = p->scheduler_name();
    ps.profile = std::move(p);
    profiles_.emplace(std::move(name), std::move(ps));
  }
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  if (stopped_ || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void Scheduler::Stop() {
  if (stopped_.exchange(true)) return;
  queue_.Close();
  if (thread_.joinable()) thread_.join();
  workers_.Stop();
  FlushEvents(std::chrono::seconds(5));
}

void Scheduler::FlushEvents(std::chrono::milliseconds timeout) {
  for (auto& [name, ps] : profiles_) ps.recorder->Flush(timeout);
}

Scheduler::Stats Scheduler::stats() const {
  return Stats{attempts_.load(), scheduled_.load(), unschedulable_.load(), preemptions_.load(),
               bind_errors_.load()};
}

bool Scheduler::Responsible(const PodInfo& pod) const {
  return profiles_.find(pod.scheduler_name) != profiles_.end();
}

const Scheduler::ProfileState* Scheduler::FindProfile(const std::string& scheduler_name) const {
  auto it = profiles_.find(scheduler_name);
  return it == profiles_.end() ? nullptr : &it->second;
}

void Scheduler::Run() {
  while (auto qp = queue_.Pop()) ScheduleOne(*qp);
}

bool Scheduler::ScheduleNext() {
  auto qp = queue_.TryPop();
  if (!qp) return false;
  ScheduleOne(*qp);
  return true;
}

void Scheduler::ScheduleOne(const QueuedPod& qp) {
  const PodInfoPtr& pod = qp.pod;
  const ProfileState* ps = FindProfile(pod->scheduler_name);
  // A pod being deleted is not worth a node; an assumed one is being bound already (a stale
  // informer event re-queued it after its binding succeeded). Upstream skipPodSchedule.
  if (!ps || pod->terminating || cache_.IsAssumed(pod->uid)) {
    queue_.Done(pod->uid);
    return;
  }
  ++attempts_;
  const Profile& profile = *ps->profile;
  Diagnosis diag;
  PodInfoPtr assumed;
  PreemptionResult preemption;
  {
    Cache::View view = cache_.Lock();
    ScheduleAlgorithm::Result r = algorithm_.Schedule(profile, *pod, view, &diag);
    if (!r.node.empty()) {
      assumed = view.Assume(pod, r.node);
    } else if (profile.config().preemption && diag.num_all_nodes > 0) {
      std::string nominated = pod->nominated_node_name;
      if (nominated.empty()) nominated = view.NominatedNodeOf(pod->uid);
      preemption = Preempt(profile, *pod, nominated, view, diag);
      if (!preemption.nominated_node.empty()) {
        view.Nominate(pod, preemption.nominated_node);
        for (const auto& p : preemption.lower_nominated) view.Nominate(p, "");
      }
    }
  }
  if (assumed) {
    workers_.Submit([this, ps, qp, assumed] { Bind(*ps, qp, assumed); });
    return;
  }
  ++unschedulable_;
  diag.post_filter_msg = preemption.message;
  std::string message = FitErrorMessage(diag);
  if (!preemption.nominated_node.empty()) {
    ++preemptions_;
    TK_LOG_INFO << "preempting " << preemption.victims.size() << " pod(s) on node "
                << preemption.nominated_node << " for " << pod->Key();
    if (options_.on_preempt) options_.on_preempt(*pod, preemption.nominated_node);
    CarryOutPreemption(*ps, pod, preemption);
  }
  TK_VLOG(2) << "unable to schedule " << pod->Key() << ": " << message;
  HandleFailure(*ps, qp, message, preemption.nominated_node, /*backoff=*/false);
}

client::ObjectReference Scheduler::PodRef(const PodInfo& pod) {
  client::ObjectReference ref = client::ObjectReference::Of(*pod.object);
  if (ref.kind.empty()) ref.kind = "Pod";
  if (ref.api_version.empty()) ref.api_version = "v1";
  return ref;
}

void Scheduler::HandleFailure(const ProfileState& ps, const QueuedPod& qp,
                              const std::string& message, const std::string& nominated_node,
                              bool backoff) {
  const PodInfoPtr& pod = qp.pod;
  if (backoff) {
    queue_.AddBackoff(qp);
  } else {
    queue_.AddUnschedulable(qp);
  }
  ps.recorder->Event(PodRef(*pod), client::kEventTypeWarning, "FailedScheduling", message);
  workers_.Submit([this, pod, message, nominated_node] {
    PatchSchedulingStatus(pod, message, nominated_node);
  });
}

}  // namespace tinyk8s::scheduler
