#include "controllers/util/event_limiter.h"

#include <algorithm>

#include "api/meta.h"

namespace tinyk8s::controllers {

void EventLimiter::Event(const rapidjson::Value& obj, std::string_view type,
                         std::string_view reason, std::string_view message) {
  if (recorder_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = clock_.Monotonic();
    auto [it, inserted] = buckets_.try_emplace(api::Uid(obj));
    Bucket& b = it->second;
    if (inserted) {
      b.tokens = burst_;
    } else {
      double secs = std::chrono::duration<double>(now - b.last).count();
      b.tokens = std::min<double>(burst_, b.tokens + secs / static_cast<double>(refill_.count()));
    }
    b.last = now;
    if (b.tokens < 1) return;
    b.tokens -= 1;
    // Keep the map bounded: forget full buckets when it grows large.
    if (buckets_.size() > 10000) {
      std::erase_if(buckets_, [&](const auto& kv) { return kv.second.tokens >= burst_ - 1; });
    }
  }
  recorder_->Event(obj, type, reason, message);
}

}  // namespace tinyk8s::controllers
