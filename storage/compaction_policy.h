#pragma once
// CompactionPolicy decides how far automatic compaction may go: history is kept while it is
// younger than retain_duration OR within the last retain_revisions revisions; only what is
// outside both is compacted. It samples (time, revision) pairs as it is ticked.
//
// Thread-safety: not thread-safe; owned by the store's compaction thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <utility>

#include "storage/store.h"

namespace tinyk8s::storage {

class CompactionPolicy {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  CompactionPolicy(std::chrono::milliseconds retain_duration, int64_t retain_revisions)
      : retain_duration_(retain_duration), retain_revisions_(retain_revisions) {}

  // Target records that `current` was the revision at `now` and returns the revision to
  // compact to (0 = nothing to compact yet).
  Revision Target(TimePoint now, Revision current) {
    samples_.emplace_back(now, current);
    // Keep only the newest sample that is old enough, and the younger ones after it.
    while (samples_.size() >= 2 && now - samples_[1].first >= retain_duration_) {
      samples_.pop_front();
    }
    if (now - samples_.front().first < retain_duration_) return 0;
    Revision by_time = samples_.front().second;
    Revision by_count = current - retain_revisions_;
    Revision target = std::min(by_time, by_count);
    return target > 0 ? target : 0;
  }

 private:
  const std::chrono::milliseconds retain_duration_;
  const int64_t retain_revisions_;
  std::deque<std::pair<TimePoint, Revision>> samples_;
};

}  // namespace tinyk8s::storage
