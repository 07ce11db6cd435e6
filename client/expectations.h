#pragma once
// Controller expectations (upstream pkg/controller/controller_utils.go ControllerExpectations
// and UIDTrackingControllerExpectations): a controller that issued N creates/deletes for a
// controller key waits until its informer has observed them before syncing that key again, so
// it never acts on a stale cache. Expectations older than 5 minutes count as satisfied (a lost
// watch event must not wedge the controller forever).
//
// Thread-safe (called from workers and informer handlers).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.h"

namespace tinyk8s::client {

inline constexpr std::chrono::minutes kExpectationsTimeout{5};

class Expectations {
 public:
  // `clock` must outlive this object.
  explicit Expectations(const Clock& clock, std::chrono::nanoseconds ttl = kExpectationsTimeout);

  // Set the expected counts (replacing previous ones) and restart the TTL.
  void ExpectCreations(const std::string& key, int64_t adds);
  void ExpectDeletions(const std::string& key, int64_t dels);
  void SetExpectations(const std::string& key, int64_t adds, int64_t dels);
  // Lower/raise existing counts (no-op if the key has no expectations).
  void CreationObserved(const std::string& key);
  void DeletionObserved(const std::string& key);
  void LowerExpectations(const std::string& key, int64_t adds, int64_t dels);
  void RaiseExpectations(const std::string& key, int64_t adds, int64_t dels);

  // SatisfiedExpectations: true if the key has no expectations, they are fulfilled (both
  // counts <= 0) or expired (older than the TTL). Controllers sync only when true.
  bool SatisfiedExpectations(const std::string& key) const;
  // DeleteExpectations forgets the key (its controller object was deleted).
  void DeleteExpectations(const std::string& key);

  // UID tracking for deletions (UIDTrackingControllerExpectations): ExpectDeletionsOfUids
  // records the uids to be deleted and expects that many deletions; DeletionObservedUid lowers
  // the count once per uid, so a delete seen twice (watch + re-list) is counted once.
  void ExpectDeletionsOfUids(const std::string& key, const std::vector<std::string>& uids);
  void DeletionObservedUid(const std::string& key, const std::string& uid);
  std::unordered_set<std::string> GetUids(const std::string& key) const;

  // For tests: the pending counts (false if the key has none).
  bool GetExpectations(const std::string& key, int64_t* adds, int64_t* dels) const;

 private:
  struct Entry {
    int64_t adds = 0;
    int64_t dels = 0;
    std::chrono::steady_clock::time_point timestamp;
  };
  const Clock& clock_;
  std::chrono::nanoseconds ttl_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, std::unordered_set<std::string>> uids_;
};

}  // namespace tinyk8s::client
