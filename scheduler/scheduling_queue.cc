#include "scheduler/scheduling_queue.h"

#include <algorithm>
#include <vector>

namespace tinyk8s::scheduler {

SchedulingQueue::SchedulingQueue(const Clock& clock, SchedulingQueueOptions options)
    : clock_(clock), options_(options) {}

std::chrono::milliseconds SchedulingQueue::BackoffFor(int attempts) const {
  auto d = options_.initial_backoff;
  for (int i = 1; i < attempts && d < options_.max_backoff; ++i) d *= 2;
  return std::min(d, options_.max_backoff);
}

void SchedulingQueue::Add(PodInfoPtr pod) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  std::string uid = pod->uid;
  auto it = entries_.find(uid);
  if (it != entries_.end()) {
    it->second.pod = std::move(pod);
    return;
  }
  Entry& e = entries_[uid];
  e.pod = std::move(pod);
  e.seq = next_seq_++;
  PushActiveLocked(uid, e);
}

void SchedulingQueue::Update(PodInfoPtr pod) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  auto it = entries_.find(pod->uid);
  if (it == entries_.end()) {
    std::string uid = pod->uid;
    Entry& e = entries_[uid];
    e.pod = std::move(pod);
    e.seq = next_seq_++;
    PushActiveLocked(uid, e);
    return;
  }
  Entry& e = it->second;
  bool spec_changed = e.pod->spec_hash != pod->spec_hash;
  if (e.where == Where::kActive && e.pod->priority != pod->priority) {
    // The active set is keyed by priority: re-insert under the new key.
    UnlinkLocked(it->first, e);
    e.pod = std::move(pod);
    PushActiveLocked(it->first, e);
    return;
  }
  e.pod = std::move(pod);
  if (e.where == Where::kUnschedulable && spec_changed) {
    MoveToActiveOrBackoffLocked(it->first, e, clock_.Monotonic());
  }
}

void SchedulingQueue::Delete(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(uid);
  if (it == entries_.end()) return;
  UnlinkLocked(uid, it->second);
  entries_.erase(it);
}

std::optional<QueuedPod> SchedulingQueue::Pop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (closed_) return std::nullopt;
    FlushLocked();
    if (auto p = PopLocked()) return p;
    // Wake for the next backoff expiry, and at least every second for the pool's timeout.
    auto wait = std::chrono::steady_clock::duration(std::chrono::seconds(1));
    if (!backoff_.empty()) {
      wait = std::min(wait, std::get<0>(*backoff_.begin()) - clock_.Monotonic());
    }
    if (wait > std::chrono::steady_clock::duration::zero()) cv_.wait_for(lock, wait);
  }
}

std::optional<QueuedPod> SchedulingQueue::TryPop() {
  std::lock_guard<std::mutex> lock(mu_);
  FlushLocked();
  return PopLocked();
}

std::optional<QueuedPod> SchedulingQueue::PopLocked() {
  if (active_.empty()) return std::nullopt;
  std::string uid = std::get<2>(*active_.begin());
  active_.erase(active_.begin());
  Entry& e = entries_[uid];
  e.where = Where::kInFlight;
  ++num_in_flight_;
  ++e.attempts;
  e.popped_cycle = ++cycle_;
  return QueuedPod{e.pod, e.attempts, e.popped_cycle};
}

void SchedulingQueue::AddUnschedulable(const QueuedPod& pod) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(pod.pod->uid);
  if (it == entries_.end() || it->second.where != Where::kInFlight) return;
  Entry& e = it->second;
  --num_in_flight_;
  Mono now = clock_.Monotonic();
  e.backoff_until = now + BackoffFor(e.attempts);
  if (move_request_cycle_ >= e.popped_cycle) {
    PushBackoffLocked(it->first, e);
  } else {
    e.where = Where::kUnschedulable;
    e.enqueued = now;
    ++num_unschedulable_;
  }
}

void SchedulingQueue::AddBackoff(const QueuedPod& pod) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(pod.pod->uid);
  if (it == entries_.end() || it->second.where != Where::kInFlight) return;
  --num_in_flight_;
  it->second.backoff_until = clock_.Monotonic() + BackoffFor(it->second.attempts);
  PushBackoffLocked(it->first, it->second);
}

void SchedulingQueue::Done(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(uid);
  if (it == entries_.end() || it->second.where != Where::kInFlight) return;
  --num_in_flight_;
  entries_.erase(it);
}

void SchedulingQueue::MoveAllToActiveOrBackoff() {
  std::lock_guard<std::mutex> lock(mu_);
  move_request_cycle_ = cycle_;
  if (num_unschedulable_ == 0) return;
  Mono now = clock_.Monotonic();
  for (auto& [uid, e] : entries_) {
    if (e.where == Where::kUnschedulable) MoveToActiveOrBackoffLocked(uid, e, now);
  }
}

void SchedulingQueue::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  FlushLocked();
}

void SchedulingQueue::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

SchedulingQueue::Counts SchedulingQueue::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Counts{active_.size(), backoff_.size(), num_unschedulable_, num_in_flight_};
}

void SchedulingQueue::PushActiveLocked(const std::string& uid, Entry& e) {
  e.where = Where::kActive;
  active_.emplace(-static_cast<int64_t>(e.pod->priority), e.seq, uid);
  cv_.notify_one();
}

void SchedulingQueue::PushBackoffLocked(const std::string& uid, Entry& e) {
  e.where = Where::kBackoff;
  backoff_.emplace(e.backoff_until, e.seq, uid);
  cv_.notify_one();  // Pop recomputes its wake-up time
}

void SchedulingQueue::UnlinkLocked(const std::string& uid, Entry& e) {
  switch (e.where) {
    case Where::kActive:
      active_.erase({-static_cast<int64_t>(e.pod->priority), e.seq, uid});
      break;
    case Where::kBackoff:
      backoff_.erase({e.backoff_until, e.seq, uid});
      break;
    case Where::kUnschedulable:
      --num_unschedulable_;
      break;
    case Where::kInFlight:
      --num_in_flight_;
      break;
  }
}

void SchedulingQueue::MoveToActiveOrBackoffLocked(const std::string& uid, Entry& e, Mono now) {
  UnlinkLocked(uid, e);
  if (e.backoff_until > now) {
    PushBackoffLocked(uid, e);
  } else {
    PushActiveLocked(uid, e);
  }
}

void SchedulingQueue::FlushLocked() {
  Mono now = clock_.Monotonic();
  while (!backoff_.empty() && std::get<0>(*backoff_.begin()) <= now) {
    std::string uid = std::get<2>(*backoff_.begin());
    backoff_.erase(backoff_.begin());
    PushActiveLocked(uid, entries_[uid]);
  }
  // Scanning the pool is O(pods): do it at most once a second.
  if (num_unschedulable_ == 0 || now - last_stale_scan_ < std::chrono::seconds(1)) return;
  last_stale_scan_ = now;
  std::vector<std::string> stale;
  for (auto& [uid, e] : entries_) {
    if (e.where == Where::kUnschedulable && now - e.enqueued >= options_.max_unschedulable) {
      stale.push_back(uid);
    }
  }
  for (const auto& uid : stale) MoveToActiveOrBackoffLocked(uid, entries_[uid], now);
}

}  // namespace tinyk8s::scheduler
