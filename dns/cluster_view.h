#pragma once
// ClusterView: what the DNS server knows about the cluster, distilled from Services,
// EndpointSlices, Namespaces and (optionally) Pods into small typed records indexed for lookups
// by name and by IP. Informer handlers feed it JSON objects; queries read immutable per-Service
// snapshots, so a query holds the lock only for a hash lookup and a shared_ptr copy.
//
// Thread-safe: any number of readers and writers.

#include <rapidjson/document.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tinyk8s::dns {

// IpAddress is an IPv4 (4 bytes used) or IPv6 address. Value type.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  // Parse accepts dotted IPv4 or textual IPv6; nullopt otherwise.
  static std::optional<IpAddress> Parse(std::string_view text);
  std::string ToString() const;
  // Dashed form used in DNS names: 10-42-1-7, or for IPv6 the full form with '-' for ':'
  // (CoreDNS endpointHostname).
  std::string Dashed() const;
  bool operator==(const IpAddress&) const = default;
};

struct IpAddressHash {
  size_t operator()(const IpAddress& ip) const noexcept;
};

struct PortInfo {
  std::string name;      // lower case; "" for an unnamed port
  std::string protocol;  // lower case: tcp, udp, sctp
  int32_t port = -1;     // -1: the placeholder of a slice without ports (A records only)
};

struct EndpointInfo {
  IpAddress ip;
  std::string label;  // hostname if set, else the dashed IP (the endpoint's DNS label)
  std::shared_ptr<const std::vector<PortInfo>> ports;  // the slice's ports
};

// ServiceEntry is an immutable snapshot of one Service and its ready endpoints.
struct ServiceEntry {
  std::string ns, name;
  std::string type;  // ClusterIP, NodePort, LoadBalancer, ExternalName
  bool headless = false;
  std::string external_name;
  std::vector<IpAddress> cluster_ips;
  std::vector<PortInfo> ports;
  std::vector<EndpointInfo> endpoints;  // ready endpoints from every slice of the service
};
using ServiceEntryPtr = std::shared_ptr<const ServiceEntry>;

class ClusterView {
 public:
  // `zone` (e.g. "cluster.local") is used to build reverse (PTR) names.
  explicit ClusterView(std::string zone);
  ClusterView(const ClusterView&) = delete;
  ClusterView& operator=(const ClusterView&) = delete;

  // Writers: feed the current state of an object, or its deletion.
  void UpsertService(const rapidjson::Value& svc);
  void DeleteService(const rapidjson::Value& svc);
  void UpsertEndpointSlice(const rapidjson::Value& slice);
  void DeleteEndpointSlice(const rapidjson::Value& slice);
  void UpsertNamespace(const rapidjson::Value& ns);
  void DeleteNamespace(const rapidjson::Value& ns);
  void UpsertPod(const rapidjson::Value& pod);
  void DeletePod(const rapidjson::Value& pod);

  // Readers.
  ServiceEntryPtr FindService(std::string_view ns, std::string_view name) const;
  bool HasNamespace(std::string_view ns) const;
  // PodIpExists: a pod in `ns` has this IP (verified pod records).
  bool PodIpExists(std::string_view ns, const IpAddress& ip) const;
  // ReverseNames: names for PTR answers. Services whose ClusterIP it is win (CoreDNS
  // serviceRecordForIP); otherwise one name per ready endpoint holding the IP.
  std::vector<std::string> ReverseNames(const IpAddress& ip) const;
  // Serial changes whenever the view does (seconds since the epoch of the last change).
  uint32_t Serial() const { return serial_.load(std::memory_order_relaxed); }
  size_t ServiceCount() const;

 private:
  struct SliceInfo {
    std::shared_ptr<const std::vector<PortInfo>> ports;
    std::vector<EndpointInfo> ready;
  };
  using Key = std::string;  // "ns/name"

  // REQUIRES: mu_ held exclusively.
  void RebuildLocked(const Key& service_key);
  void SetReverseLocked(const Key& service_key, const ServiceEntry* old_entry,
                        const ServiceEntry* new_entry);
  void Touch();

  const std::string zone_;
  mutable std::shared_mutex mu_;
  // Raw inputs, by key.
  std::unordered_map<Key, std::shared_ptr<ServiceEntry>> services_;  // endpoints not filled
  // service key -> slice name -> slice
  std::unordered_map<Key, std::map<std::string, SliceInfo>> slices_;
  std::unordered_map<Key, Key> slice_owner_;  // "ns/slice" -> service key it feeds
  // Published snapshots.
  std::unordered_map<Key, ServiceEntryPtr> entries_;
  std::unordered_map<IpAddress, std::vector<std::pair<Key, std::string>>, IpAddressHash>
      cluster_ip_names_;
  std::unordered_map<IpAddress, std::vector<std::pair<Key, std::string>>, IpAddressHash>
      endpoint_ip_names_;
  std::unordered_set<std::string> namespaces_;
  // Pods by key -> "ns/ip", and a count per "ns/ip", for verified pod records.
  std::unordered_map<Key, std::string> pod_ips_;
  std::unordered_map<std::string, int> pod_ip_count_;
  std::atomic<uint32_t> serial_{0};
};

}  // namespace tinyk8s::dns
