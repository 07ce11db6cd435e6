#pragma once
// WorkQueue: the controller work queue with upstream client-go semantics
// (k8s.io/client-go/util/workqueue: queue.go, delaying_queue.go, rate_limiting_queue.go and
// default_rate_limiters.go), in one class:
//  - de-duplication: a key added many times before a worker takes it is processed once
//    (the "dirty" set);
//  - a key is never handed to two workers at once (the "processing" set); a key re-added while
//    in flight is queued again when the worker calls Done;
//  - Get blocks; ShutDown wakes all waiters, after which Add is ignored and Get drains what is
//    queued, then returns false;
//  - AddAfter(key, d): a delaying heap; a key waiting twice keeps the earlier time;
//  - AddRateLimited / Forget / NumRequeues: per-key exponential backoff, base_delay * 2^n
//    capped at max_delay (upstream ItemExponentialFailureRateLimiter, 5ms .. 1000s; the
//    overall token bucket of DefaultControllerRateLimiter is omitted).
// Time comes from an injectable TimerClock (FakeClock in tests: delayed keys appear when the
// fake time is advanced).
//
// Thread-safe: any thread may call any method. Typical worker loop:
//   Key key;
//   while (queue.Get(&key)) {
//     Status s = Sync(key);
//     if (s.ok()) queue.Forget(key); else queue.AddRateLimited(key);
//     queue.Done(key);
//   }

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client/timer_clock.h"

namespace tinyk8s::client {

struct WorkQueueOptions {
  // Clock for AddAfter and backoff; not owned, must outlive the queue. nullptr: the queue owns
  // a RealTimerClock (one timer thread, started on the first delayed add).
  TimerClock* clock = nullptr;
  std::chrono::nanoseconds base_delay = std::chrono::milliseconds(5);
  std::chrono::nanoseconds max_delay = std::chrono::seconds(1000);
  std::string name;  // for logs
};

template <typename Key, typename Hash = std::hash<Key>>
class WorkQueue {
 public:
  explicit WorkQueue(WorkQueueOptions options = {}) {
    if (options.clock == nullptr) {
      owned_clock_ = std::make_unique<RealTimerClock>();
      options.clock = owned_clock_.get();
    }
    state_ = std::make_shared<State>(std::move(options));
  }
  ~WorkQueue() { ShutDown(); }
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Add queues `key` unless it is already queued (dirty). Ignored after ShutDown.
  void Add(const Key& key) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->AddLocked(key);
  }

  // AddAfter queues `key` once `delay` has passed (immediately if delay <= 0).
  void AddAfter(const Key& key, std::chrono::nanoseconds delay) {
    State::AddAfter(state_, key, delay);
  }

  // AddRateLimited queues `key` after its backoff delay and increments its failure count.
  void AddRateLimited(const Key& key) { AddAfter(key, When(key)); }

  // Forget clears the failure count of `key` (call after a successful sync).
  void Forget(const Key& key) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->failures.erase(key);
  }

  // NumRequeues is the failure count of `key` since the last Forget.
  int NumRequeues(const Key& key) const {
    std::lock_guard<std::mutex> lock(state_->mu);
    auto it = state_->failures.find(key);
    return it == state_->failures.end() ? 0 : it->second;
  }

  // When returns the next backoff delay of `key` and counts one more failure (exposed for
  // callers that schedule retries themselves).
  std::chrono::nanoseconds When(const Key& key) {
    std::lock_guard<std::mutex> lock(state_->mu);
    int exp = state_->failures[key]++;
    const auto& o = state_->options;
    if (exp >= 62) return o.max_delay;
    // Compute in double to avoid overflowing before the cap.
    double d = static_cast<double>(o.base_delay.count()) * static_cast<double>(1ULL << exp);
    if (d >= static_cast<double>(o.max_delay.count())) return o.max_delay;
    return std::chrono::nanoseconds(static_cast<int64_t>(d));
  }

  // Get blocks until a key is available and marks it as processing (the caller must call
  // Done(key) when finished). Returns false once the queue is shut down and empty.
  bool Get(Key* out) {
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->cv.wait(lock, [&] { return !state_->queue.empty() || state_->shutting_down; });
    if (state_->queue.empty()) return false;
    *out = std::move(state_->queue.front());
    state_->queue.pop_front();
    state_->processing.insert(*out);
    state_->dirty.erase(*out);
    return true;
  }

  // Done ends the processing of `key`; if it was re-added meanwhile it is queued again.
  void Done(const Key& key) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->processing.erase(key);
    if (state_->dirty.count(key) > 0) {
      state_->queue.push_back(key);
      state_->cv.notify_one();
    }
    if (state_->shutting_down) state_->cv.notify_all();  // ShutDownWithDrain waits for this
  }

  // ShutDown makes Add a no-op, drops delayed keys and wakes every Get. Idempotent.
  void ShutDown() { state_->ShutDown(/*drain=*/false); }
  // ShutDownWithDrain is ShutDown, then waits until every key taken by Get is Done.
  // REQUIRES: not called from a worker holding a key.
  void ShutDownWithDrain() { state_->ShutDown(/*drain=*/true); }
  bool ShuttingDown() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->shutting_down;
  }

  // Len is the number of queued keys (not counting processing or delayed ones).
  size_t Len() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->queue.size();
  }
  // NumWaiting is the number of keys waiting for their AddAfter time (for tests and metrics).
  size_t NumWaiting() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->waiting.size();
  }

 private:
  using MonoTime = std::chrono::steady_clock::time_point;

  // State is shared with pending timer callbacks (which hold a weak_ptr) so that a timer firing
  // during or after destruction is harmless.
  struct State {
    explicit State(WorkQueueOptions o) : options(std::move(o)), clock(options.clock) {}

    WorkQueueOptions options;
    TimerClock* clock;
    mutable std::mutex mu;
    std::condition_variable cv;
    std::deque<Key> queue;
    std::unordered_set<Key, Hash> dirty;
    std::unordered_set<Key, Hash> processing;
    bool shutting_down = false;
    std::unordered_map<Key, int, Hash> failures;
    // Delayed keys: earliest ready time per key, plus a min-heap with lazy deletion (an entry
    // is stale when its time no longer equals waiting[key]).
    std::unordered_map<Key, MonoTime, Hash> waiting;
    struct HeapEntry {
      MonoTime ready;
      uint64_t seq;
      Key key;
      bool operator>(const HeapEntry& o) const {
        return ready != o.ready ? ready > o.ready : seq > o.seq;
      }
    };
    std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<HeapEntry>> heap;
    uint64_t next_seq = 0;
    std::shared_ptr<TimerClock::Timer> timer;
    MonoTime timer_deadline{};

    void AddLocked(const Key& key) {
      if (shutting_down || dirty.count(key) > 0) return;
      dirty.insert(key);
      if (processing.count(key) > 0) return;  // queued again by Done
      queue.push_back(key);
      cv.notify_one();
    }

    static void AddAfter(const std::shared_ptr<State>& self, const Key& key,
                         std::chrono::nanoseconds delay) {
      std::lock_guard<std::mutex> lock(self->mu);
      if (self->shutting_down) return;
      if (delay <= std::chrono::nanoseconds::zero()) {
        self->AddLocked(key);
        return;
      }
      MonoTime ready = self->clock->Monotonic() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay);
      auto it = self->waiting.find(key);
      if (it != self->waiting.end() && it->second <= ready) return;  // keep the earlier time
      self->waiting[key] = ready;
      self->heap.push(HeapEntry{ready, self->next_seq++, key});
      ArmLocked(self);
    }

    // ArmLocked makes sure a timer fires at the earliest waiting time.
    static void ArmLocked(const std::shared_ptr<State>& self) {
      while (!self->heap.empty()) {  // drop stale heap entries at the top
        const HeapEntry& top = self->heap.top();
        auto it = self->waiting.find(top.key);
        if (it != self->waiting.end() && it->second == top.ready) break;
        self->heap.pop();
      }
      if (self->heap.empty()) return;
      MonoTime next = self->heap.top().ready;
      if (self->timer && self->timer_deadline <= next) return;
      if (self->timer) self->timer->Cancel();
      self->timer_deadline = next;
      std::weak_ptr<State> weak = self;
      self->timer = self->clock->AfterFunc(next - self->clock->Monotonic(), [weak] {
        if (auto s = weak.lock()) s->OnTimer(s);
      });
    }

    void OnTimer(const std::shared_ptr<State>& self) {
      std::lock_guard<std::mutex> lock(mu);
      timer.reset();
      if (shutting_down) return;
      MonoTime now = clock->Monotonic();
      while (!heap.empty() && heap.top().ready <= now) {
        HeapEntry e = heap.top();
        heap.pop();
        auto it = waiting.find(e.key);
        if (it == waiting.end() || it->second != e.ready) continue;  // stale
        waiting.erase(it);
        AddLocked(e.key);
      }
      ArmLocked(self);
    }

    void ShutDown(bool drain) {
      std::unique_lock<std::mutex> lock(mu);
      shutting_down = true;
      if (timer) timer->Cancel();
      timer.reset();
      waiting.clear();
      heap = {};
      cv.notify_all();
      if (drain) cv.wait(lock, [&] { return processing.empty(); });
    }
  };

  std::unique_ptr<RealTimerClock> owned_clock_;  // destroyed last: joins the timer thread
  std::shared_ptr<State> state_;
};

}  // namespace tinyk8s::client
