#pragma once
// Service address allocation (upstream pkg/registry/core/service/ipallocator and portallocator,
// kept in memory): ClusterIPs from the service CIDR and NodePorts from their range.
//
// The truth is the set of Services in storage. ServiceAllocator follows the watch cache (it is a
// CacheWatcher on the services prefix), so its state is rebuilt at every start from the stored
// Services and a restart never hands out an IP a live Service holds; deletes release addresses
// as soon as the cache applies them (before DELETE returns). Admission reserves addresses for a
// create or update in flight under the allocator's lock, so concurrent creates never get the same
// address; a reservation becomes an allocation when the cache sees the Service, and one whose
// write never happened (failed validation, conflict, dry run) expires after `reservation_ttl`.
// A reservation is owned by the object key, so a client retrying a failed create of the same
// Service with the same address is not refused by its own earlier attempt.
//
// Several API servers on one store (etcd): with `shared_store` set, every newly allocated value
// is also claimed in the store with a compare-and-swap (allocation_claims.h), so two servers
// admitting Services at once never hand out the same address.

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "apiserver/allocation_claims.h"
#include "apiserver/resource.h"
#include "apiserver/watch_cache.h"
#include "common/clock.h"
#include "common/status.h"

namespace tinyk8s::apiserver {

// ParseIpv4 parses dotted-quad text ("10.43.0.1"); nullopt if malformed.
std::optional<uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(uint32_t ip);

// Ipv4Cidr is an IPv4 prefix such as 10.43.0.0/16. Value type.
struct Ipv4Cidr {
  uint32_t network = 0;
  int prefix_length = 0;
  // Parse accepts "a.b.c.d/n" with 8 <= n <= 30 and host bits zero. kInvalid otherwise.
  static Result<Ipv4Cidr> Parse(std::string_view text);
  uint64_t Size() const { return uint64_t{1} << (32 - prefix_length); }
  bool Contains(uint32_t ip) const { return ip - network < Size(); }
  std::string ToString() const;
};

// ClusterDnsIp is the cluster DNS Service's ClusterIP: the range's 10th address, as kubeadm and
// k3s choose it (10.43.0.10 in 10.43.0.0/16), or the last usable one of a range too small.
std::string ClusterDnsIp(const Ipv4Cidr& cidr);

// RangeAllocator hands out integers of [first, last] to owners (object keys). Values are
// committed (held by stored objects; several owners are tolerated so that bad data never frees a
// value still in use) or reserved (an admission in flight). Not thread-safe: ServiceAllocator
// serialises access.
class RangeAllocator {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  enum class Outcome { kOk, kOutOfRange, kTaken };

  RangeAllocator(uint32_t first, uint32_t last, std::chrono::steady_clock::duration ttl);

  // Reserve claims `value` for `owner`; kTaken if another owner holds or reserves it.
  Outcome Reserve(uint32_t value, const std::string& owner, TimePoint now);
  // AllocateNext reserves a free value, scanning from a random start; nullopt if full.
  // `skip` values are never handed out dynamically (e.g. the kubernetes Service's .1).
  std::optional<uint32_t> AllocateNext(const std::string& owner, TimePoint now, uint32_t seed);
  // Unreserve drops a reservation `owner` made (undo of a failed admission).
  void Unreserve(uint32_t value, const std::string& owner);
  // SetCommitted records that stored object `owner` now holds exactly `values`.
  void SetCommitted(const std::string& owner, const std::vector<uint32_t>& values);
  // ClearCommitted forgets every commitment (before a rebuild); reservations stay.
  void ClearCommitted();
  bool IsFree(uint32_t value, TimePoint now) const;
  size_t UsedForTest(TimePoint now) const;
  void SetSkip(uint32_t value) { skip_ = value; }

 private:
  struct Entry {
    std::vector<std::string> owners;  // stored objects holding the value
    std::string reserved_by;          // admission in flight ("" = none)
    TimePoint reserved_at{};
  };
  bool LiveReservation(const Entry& e, TimePoint now) const {
    return !e.reserved_by.empty() && now - e.reserved_at < ttl_;
  }
  void EraseIfFree(uint32_t value, TimePoint now);

  uint32_t first_;
  uint32_t last_;
  std::chrono::steady_clock::duration ttl_;
  std::optional<uint32_t> skip_;
  std::unordered_map<uint32_t, Entry> entries_;
  std::unordered_map<std::string, std::vector<uint32_t>> committed_by_owner_;
};

struct ServiceAllocatorOptions {
  std::string service_cidr = "10.43.0.0/16";
  uint32_t node_port_first = 30000;
  uint32_t node_port_last = 32767;
  std::chrono::steady_clock::duration reservation_ttl = std::chrono::minutes(2);
  // The store other API servers share (nullptr: this server is the only one).
  storage::Store* shared_store = nullptr;
};

// ServiceAllocator allocates ClusterIPs and NodePorts for Services. Thread-safe.
class ServiceAllocator {
 public:
  // Create validates the options (kInvalid for a bad CIDR or port range).
  static Result<std::unique_ptr<ServiceAllocator>> Create(const ServiceAllocatorOptions& options,
                                                          const Clock& clock);
  ~ServiceAllocator();
  ServiceAllocator(const ServiceAllocator&) = delete;
  ServiceAllocator& operator=(const ServiceAllocator&) = delete;

  // Follow loads every Service under `services_prefix` from the cache and follows its changes.
  // REQUIRES: called once, before the API is served. `cache` must outlive the watch (the cache
  // closes it when it stops).
  Status Follow(WatchCache& cache, const std::string& services_prefix);

  // AdmitCreate fills in spec.clusterIP(s) and nodePorts of a defaulted Service being created
  // (`services` is the Service resource, for error messages) and reserves them; a requested
  // address must be in range and free. On failure (kInvalid, or kInternal when a range is full)
  // nothing stays reserved.
  Status AdmitCreate(rapidjson::Document& svc, const ResourceInfo& services);
  // AdmitUpdate keeps the old Service's addresses when the new one omits them (upstream
  // patchAllocatedValues), drops them when the type no longer needs them, and allocates what a
  // type change newly needs.
  Status AdmitUpdate(rapidjson::Document& svc, const rapidjson::Value& old,
                     const ResourceInfo& services);

  // The range's first usable address (network + 1), the kubernetes Service's ClusterIP.
  std::string FirstIp() const;
  const Ipv4Cidr& cidr() const { return cidr_; }

  // State shared with the cache watcher; public only so the .cc can define it.
  struct State;

 private:
  ServiceAllocator(const Ipv4Cidr& cidr, const ServiceAllocatorOptions& options,
                   const Clock& clock);
  Status AllocateAddresses(rapidjson::Document& svc, const ResourceInfo& services,
                           const rapidjson::Value* old);
  // AllocateClaimed picks a free value and claims it across servers (skipping values another
  // server claimed). REQUIRES: state_->mu held.
  Result<uint32_t> AllocateClaimed(RangeAllocator& range, const char* kind,
                                   const std::string& owner,
                                   std::chrono::steady_clock::time_point now);
  // ClaimShared claims a requested value across servers (true without a shared store).
  Result<bool> ClaimShared(const char* kind, uint32_t value, const std::string& owner);

  Ipv4Cidr cidr_;
  ServiceAllocatorOptions options_;
  const Clock& clock_;
  std::shared_ptr<State> state_;
  std::unique_ptr<AllocationClaims> claims_;  // with a shared store only
};

}  // namespace tinyk8s::apiserver
