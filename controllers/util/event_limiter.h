#pragma once
// EventLimiter: upstream's EventSourceObjectSpamFilter in front of an EventRecorder. Each
// involved object (by uid) may emit a burst of 25 events, then one per 5 minutes; the rest are
// dropped. Without it a 5,000-node DaemonSet would write 5,000 SuccessfulCreate events, doubling
// the API load of a rollout, where upstream writes about 25.
// Thread-safe.

#include <rapidjson/document.h>

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "client/event_recorder.h"
#include "common/clock.h"

namespace tinyk8s::controllers {

class EventLimiter {
 public:
  // `recorder` may be null (events are then dropped: unit tests that do not check them).
  EventLimiter(client::EventRecorder* recorder, const Clock& clock, int burst = 25,
               std::chrono::seconds refill = std::chrono::minutes(5))
      : recorder_(recorder), clock_(clock), burst_(burst), refill_(refill) {}

  void Event(const rapidjson::Value& obj, std::string_view type, std::string_view reason,
             std::string_view message);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  client::EventRecorder* recorder_;
  const Clock& clock_;
  const int burst_;
  const std::chrono::seconds refill_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mu_)
};

}  // namespace tinyk8s::controllers
