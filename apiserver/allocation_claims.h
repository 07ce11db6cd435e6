#pragma once
// AllocationClaims keeps ClusterIP and NodePort allocation collision-free across API servers
// that share one store (etcd). ServiceAllocator's in-memory state follows the stored Services,
// but two servers admitting Services at the same moment could both pick the same free value:
// so each newly allocated value is also claimed with a create-if-absent key in the store
// (compare-and-swap, as upstream guards its allocation bitmap and IPAddress objects), and only
// the server whose create wins hands it out.
//
// Claims are never deleted: a claim is live while it is younger than `stale_after`, or while
// a stored Service holds its value (then no server's allocator offers the value). An older
// claim whose value no Service holds (its Service was deleted or its write never happened) is
// taken over by a compare-and-swap update. So at most one claim key exists per value.
//
// Thread-safe (the store is).

#include <chrono>
#include <string>

#include "common/status.h"
#include "storage/store.h"

namespace tinyk8s::apiserver {

class AllocationClaims {
 public:
  AllocationClaims(storage::Store& store, std::chrono::seconds stale_after)
      : store_(store), stale_after_(stale_after) {}

  // Claim makes `value` of `kind` ("clusterips", "nodeports") belong to `owner` (a Service
  // key). true: claimed (or already this owner's); false: another owner's live claim.
  Result<bool> Claim(const std::string& kind, const std::string& value, const std::string& owner);

  static std::string Key(const std::string& kind, const std::string& value) {
    return "/registry/tinyk8s.io/allocations/" + kind + "/" + value;
  }

 private:
  storage::Store& store_;
  const std::chrono::seconds stale_after_;
};

}  // namespace tinyk8s::apiserver
