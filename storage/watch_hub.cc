#include "storage/watch_hub.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "storage/key_range.h"

namespace tinyk8s::storage {

// Subscriber is the state of one watch, shared by the hub (producer) and the Watch (consumer).
struct WatchHub::Subscriber {
  Subscriber(std::string p, size_t cap, std::shared_ptr<HistorySource> h)
      : prefix(std::move(p)), capacity(cap), history(std::move(h)) {}

  const std::string prefix;
  const size_t capacity;
  const std::shared_ptr<HistorySource> history;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<EventPtr> buffer;                    // GUARDED_BY(mu)
  Status close_status;                            // GUARDED_BY(mu); OK while open
  bool closed = false;                            // GUARDED_BY(mu)
  std::shared_ptr<std::function<void()>> notify;  // GUARDED_BY(mu)
  // Replay window (replay_next, replay_upto]; live events <= replay_upto are duplicates.
  Revision replay_next = 0;   // GUARDED_BY(mu)
  Revision replay_upto = 0;   // GUARDED_BY(mu)
  Revision live_after = 0;    // GUARDED_BY(mu)
  bool replay_ready = false;  // GUARDED_BY(mu); false until the window is known

  bool ReplayPending() const { return replay_ready && replay_next < replay_upto; }

  // Close marks the subscriber closed (first reason wins) and returns the notify callback to
  // invoke outside the lock. REQUIRES: mu held.
  std::shared_ptr<std::function<void()>> CloseLocked(Status status) {
    if (!closed) {
      closed = true;
      close_status = std::move(status);
      buffer.clear();
    }
    cv.notify_all();
    return notify;
  }
};

namespace {

using Subscriber = WatchHub::Subscriber;
using EventPtr = std::shared_ptr<const WatchEvent>;

void CallNotify(const std::shared_ptr<std::function<void()>>& notify) {
  if (notify && *notify) (*notify)();
}

// HubWatch is the consumer side of a Subscriber. One consumer thread calls Next.
class HubWatch final : public Watch {
 public:
  HubWatch(std::shared_ptr<Subscriber> sub, int replay_page)
      : sub_(std::move(sub)), replay_page_(replay_page) {}
  // Closes without calling notify: the owner is tearing the watch down, and its callback may
  // point into the object being destroyed.
  ~HubWatch() override {
    std::lock_guard<std::mutex> lock(sub_->mu);
    sub_->CloseLocked(Status::Cancelled("watch destroyed"));
  }

  Status Next(std::vector<WatchEvent>* out, std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(sub_->mu);
    if (sub_->closed) return sub_->close_status;
    if (sub_->ReplayPending()) return ReplayStep(lock, out);
    sub_->cv.wait_for(lock, timeout, [&] { return !sub_->buffer.empty() || sub_->closed; });
    if (sub_->closed) return sub_->close_status;
    DrainLocked(out);
    return Status::OK();
  }

  void Cancel() override {
    std::shared_ptr<std::function<void()>> notify;
    {
      std::lock_guard<std::mutex> lock(sub_->mu);
      if (sub_->closed) return;
      notify = sub_->CloseLocked(Status::Cancelled("watch cancelled"));
    }
    CallNotify(notify);
  }

  void SetNotify(std::function<void()> notify) override {
    auto shared = std::make_shared<std::function<void()>>(std::move(notify));
    bool ready;
    {
      std::lock_guard<std::mutex> lock(sub_->mu);
      sub_->notify = shared;
      ready = sub_->closed || !sub_->buffer.empty() || sub_->ReplayPending();
    }
    // Events that arrived (or replay that waits) before the callback existed.
    if (ready) CallNotify(shared);
  }

 private:
  // Moves buffered live events into *out, dropping those already covered by replay.
  // REQUIRES: sub_->mu held.
  void DrainLocked(std::vector<WatchEvent>* out) {
    for (const EventPtr& event : sub_->buffer) {
      if (event->kv.mod_revision > sub_->live_after) out->push_back(*event);
    }
    sub_->buffer.clear();
  }

  // Reads one page of history outside the lock. If replay then completes, live events
  // follow in the same call; otherwise notify fires again so event-loop consumers come back.
  Status ReplayStep(std::unique_lock<std::mutex>& lock, std::vector<WatchEvent>* out) {
    Revision after = sub_->replay_next;
    Revision upto = sub_->replay_upto;
    lock.unlock();
    std::vector<WatchEvent> page;
    Status status = sub_->history->ReadHistory(sub_->prefix, after, upto, replay_page_, &page);
    lock.lock();
    if (!status.ok()) {
      sub_->CloseLocked(status);  // the consumer is here: no notify needed
      return sub_->close_status;
    }
    if (sub_->closed) return sub_->close_status;
    bool complete = static_cast<int>(page.size()) < replay_page_;
    Revision reached = complete ? upto : page.back().kv.mod_revision;
    sub_->replay_next = std::max(sub_->replay_next, reached);
    for (WatchEvent& event : page) out->push_back(std::move(event));
    if (!sub_->ReplayPending()) {
      DrainLocked(out);
      return Status::OK();
    }
    auto notify = sub_->notify;
    lock.unlock();
    CallNotify(notify);
    return Status::OK();
  }

  std::shared_ptr<Subscriber> sub_;
  const int replay_page_;
};

}  // namespace

WatchHub::WatchHub(WatchHubOptions options, std::shared_ptr<HistorySource> history)
    : options_(options), history_(std::move(history)) {
  fan_out_ = std::thread([this] { FanOutLoop(); });
}

WatchHub::~WatchHub() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  fan_out_.join();
  std::vector<std::shared_ptr<Subscriber>> subscribers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    subscribers.swap(subscribers_);
  }
  for (auto& sub : subscribers) {
    std::shared_ptr<std::function<void()>> notify;
    {
      std::lock_guard<std::mutex> lock(sub->mu);
      if (sub->closed) continue;
      notify = sub->CloseLocked(Status::Unavailable("storage is shutting down"));
    }
    CallNotify(notify);
  }
}

Result<std::unique_ptr<Watch>> WatchHub::StartWatch(const std::string& prefix,
                                                    Revision after_revision) {
  auto sub = std::make_shared<Subscriber>(prefix, options_.buffer_events, history_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::Unavailable("storage is shutting down");
    subscribers_.push_back(sub);
  }
  // Registered before the snapshot: every commit not in the snapshot reaches the buffer.
  auto revisions = history_->SnapshotRevisions();
  Status status = revisions.ok() ? Status::OK() : revisions.status();
  if (status.ok() && after_revision < revisions->compacted) {
    status = Status::Gone("revision " + std::to_string(after_revision) +
                          " has been compacted (compacted revision " +
                          std::to_string(revisions->compacted) + ")");
  }
  std::unique_lock<std::mutex> lock(sub->mu);
  if (!status.ok()) {
    sub->CloseLocked(status);  // the hub drops closed subscribers on its next delivery
    return status;
  }
  sub->replay_next = after_revision;
  sub->replay_upto = revisions->current;
  sub->live_after = std::max(after_revision, revisions->current);
  sub->replay_ready = true;
  lock.unlock();
  return std::unique_ptr<Watch>(new HubWatch(std::move(sub), options_.replay_page));
}

void WatchHub::Publish(std::vector<WatchEvent> events) {
  if (events.empty()) return;
  std::vector<EventPtr> shared;
  shared.reserve(events.size());
  for (WatchEvent& event : events) {
    shared.push_back(std::make_shared<const WatchEvent>(std::move(event)));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(std::move(shared));
  }
  cv_.notify_one();
}

void WatchHub::CloseAll(const Status& status) {
  std::vector<std::shared_ptr<Subscriber>> subscribers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    subscribers = subscribers_;
  }
  for (auto& sub : subscribers) {
    std::shared_ptr<std::function<void()>> notify;
    {
      std::lock_guard<std::mutex> lock(sub->mu);
      if (sub->closed) continue;
      notify = sub->CloseLocked(status);
    }
    CallNotify(notify);
  }
}

size_t WatchHub::WatchCount() {
  std::lock_guard<std::mutex> lock(mu_);
  return subscribers_.size();
}

void WatchHub::FanOutLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty() && stopping_) return;
    std::vector<EventPtr> events;
    while (!pending_.empty()) {
      auto& batch = pending_.front();
      events.insert(events.end(), batch.begin(), batch.end());
      pending_.pop_front();
    }
    lock.unlock();
    Deliver(events);
    lock.lock();
  }
}

void WatchHub::Deliver(const std::vector<EventPtr>& events) {
  std::vector<std::shared_ptr<Subscriber>> subscribers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Drop watches that were cancelled, destroyed or closed since the last delivery.
    std::erase_if(subscribers_, [](const std::shared_ptr<Subscriber>& sub) {
      std::lock_guard<std::mutex> sub_lock(sub->mu);
      return sub->closed;
    });
    subscribers = subscribers_;
  }
  for (const auto& sub : subscribers) {
    std::shared_ptr<std::function<void()>> notify;
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(sub->mu);
      if (sub->closed) continue;
      for (const EventPtr& event : events) {
        if (!HasPrefix(event->kv.key, sub->prefix)) continue;
        if (sub->buffer.size() >= sub->capacity) {
          notify = sub->CloseLocked(Status::Gone("watch is too slow: more than " +
                                                 std::to_string(sub->capacity) +
                                                 " events buffered; re-list and watch again"));
          wake = true;
          break;
        }
        sub->buffer.push_back(event);
        wake = true;
      }
      if (!wake) continue;
      sub->cv.notify_all();
      notify = sub->notify;
    }
    CallNotify(notify);
  }
}

}  // namespace tinyk8s::storage
