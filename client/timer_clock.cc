#include "client/timer_clock.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace tinyk8s::client {

struct RealTimerClock::Impl {
  struct Entry;
  class Handle final : public Timer {
   public:
    Handle(Impl* impl, std::chrono::steady_clock::time_point when, uint64_t id)
        : impl_(impl), when_(when), id_(id) {}
    bool Cancel() override { return impl_->Cancel(when_, id_); }

   private:
    Impl* impl_;  // the clock outlives its timers' use by contract
    std::chrono::steady_clock::time_point when_;
    uint64_t id_;
  };

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  uint64_t next_id = 0;
  std::map<std::pair<std::chrono::steady_clock::time_point, uint64_t>, std::function<void()>>
      timers;
  std::thread thread;

  bool Cancel(std::chrono::steady_clock::time_point when, uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    return timers.erase({when, id}) > 0;
  }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      if (timers.empty()) {
        cv.wait(lock);
        continue;
      }
      auto it = timers.begin();
      auto now = std::chrono::steady_clock::now();
      if (it->first.first > now) {
        cv.wait_until(lock, it->first.first);
        continue;
      }
      std::function<void()> fn = std::move(it->second);
      timers.erase(it);
      lock.unlock();
      fn();  // without the lock: callbacks may schedule timers
      lock.lock();
    }
  }
};

RealTimerClock::RealTimerClock() : impl_(std::make_unique<Impl>()) {}

RealTimerClock::~RealTimerClock() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
    impl_->timers.clear();
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::shared_ptr<TimerClock::Timer> RealTimerClock::AfterFunc(std::chrono::nanoseconds delay,
                                                             std::function<void()> fn) {
  auto when = std::chrono::steady_clock::now() +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay);
  std::lock_guard<std::mutex> lock(impl_->mu);
  uint64_t id = impl_->next_id++;
  if (!impl_->stopping) {
    impl_->timers.emplace(std::make_pair(when, id), std::move(fn));
    // Started lazily so that the many queues which never delay anything cost no thread.
    if (!impl_->thread.joinable()) impl_->thread = std::thread([this] { impl_->Loop(); });
    impl_->cv.notify_all();
  }
  return std::make_shared<Impl::Handle>(impl_.get(), when, id);
}

}  // namespace tinyk8s::client
