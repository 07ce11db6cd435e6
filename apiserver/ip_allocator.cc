#include "apiserver/ip_allocator.h"

#include <algorithm>
#include <charconv>
#include <random>
#include <set>

#include "api/json.h"
#include "api/meta.h"
#include "apiserver/api_errors.h"
#include "apiserver/field_errors.h"
#include "common/logging.h"

namespace tinyk8s::apiserver {

using rapidjson::Document;
using rapidjson::Value;

std::optional<uint32_t> ParseIpv4(std::string_view text) {
  uint32_t ip = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    // One to three digits, no leading zeros (upstream rejects "010.0.0.1" as ambiguous).
    const char* start = p;
    unsigned part = 0;
    auto [next, ec] = std::from_chars(p, end, part);
    if (ec != std::errc() || next == start || next - start > 3 || part > 255) return std::nullopt;
    if (next - start > 1 && *start == '0') return std::nullopt;
    p = next;
    ip = (ip << 8) | part;
  }
  if (p != end) return std::nullopt;
  return ip;
}

std::string FormatIpv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
         std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}

std::string ClusterDnsIp(const Ipv4Cidr& cidr) {
  return FormatIpv4(cidr.network + static_cast<uint32_t>(std::min<uint64_t>(10, cidr.Size() - 2)));
}

Result<Ipv4Cidr> Ipv4Cidr::Parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Status::Invalid("invalid CIDR " + std::string(text) + ": missing /prefix");
  }
  auto ip = ParseIpv4(text.substr(0, slash));
  int len = -1;
  std::string_view rest = text.substr(slash + 1);
  auto [next, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), len);
  if (!ip || ec != std::errc() || next != rest.data() + rest.size()) {
    return Status::Invalid("invalid CIDR " + std::string(text));
  }
  // Fewer than 4 addresses leave nothing to allocate; more than /8 makes no sense for services.
  if (len < 8 || len > 30) {
    return Status::Invalid("invalid CIDR " + std::string(text) + ": prefix must be /8 to /30");
  }
  Ipv4Cidr c;
  c.prefix_length = len;
  uint32_t mask = ~uint32_t{0} << (32 - len);
  if ((*ip & ~mask) != 0) {
    return Status::Invalid("invalid CIDR " + std::string(text) + ": host bits are set");
  }
  c.network = *ip;
  return c;
}

std::string Ipv4Cidr::ToString() const {
  return FormatIpv4(network) + "/" + std::to_string(prefix_length);
}

// --- RangeAllocator ---

RangeAllocator::RangeAllocator(uint32_t first, uint32_t last,
                               std::chrono::steady_clock::duration ttl)
    : first_(first), last_(last), ttl_(ttl) {}

RangeAllocator::Outcome RangeAllocator::Reserve(uint32_t value, const std::string& owner,
                                                TimePoint now) {
  if (value < first_ || value > last_) return Outcome::kOutOfRange;
  Entry& e = entries_[value];
  bool owned = std::find(e.owners.begin(), e.owners.end(), owner) != e.owners.end();
  if (!owned && !e.owners.empty()) return Outcome::kTaken;
  if (LiveReservation(e, now) && e.reserved_by != owner) return Outcome::kTaken;
  if (!owned) {
    e.reserved_by = owner;
    e.reserved_at = now;
  }
  return Outcome::kOk;
}

std::optional<uint32_t> RangeAllocator::AllocateNext(const std::string& owner, TimePoint now,
                                                     uint32_t seed) {
  uint64_t size = uint64_t{last_} - first_ + 1;
  uint64_t start = seed % size;
  for (uint64_t i = 0; i < size; ++i) {
    uint32_t v = static_cast<uint32_t>(first_ + (start + i) % size);
    if (skip_ && *skip_ == v) continue;
    if (!IsFree(v, now)) continue;
    Entry& e = entries_[v];
    e.reserved_by = owner;
    e.reserved_at = now;
    return v;
  }
  return std::nullopt;
}

void RangeAllocator::Unreserve(uint32_t value, const std::string& owner) {
  auto it = entries_.find(value);
  if (it == entries_.end() || it->second.reserved_by != owner) return;
  it->second.reserved_by.clear();
  if (it->second.owners.empty()) entries_.erase(it);
}

void RangeAllocator::SetCommitted(const std::string& owner, const std::vector<uint32_t>& values) {
  auto& held = committed_by_owner_[owner];
  for (uint32_t v : held) {
    if (std::find(values.begin(), values.end(), v) != values.end()) continue;
    auto it = entries_.find(v);
    if (it == entries_.end()) continue;
    auto& owners = it->second.owners;
    owners.erase(std::remove(owners.begin(), owners.end(), owner), owners.end());
    if (owners.empty() && it->second.reserved_by.empty()) entries_.erase(it);
  }
  for (uint32_t v : values) {
    if (v < first_ || v > last_) continue;
    Entry& e = entries_[v];
    if (std::find(e.owners.begin(), e.owners.end(), owner) == e.owners.end()) {
      if (!e.owners.empty()) {
        TK_LOG_WARN << "address " << v << " is held by both " << e.owners.front() << " and "
                    << owner;
      }
      e.owners.push_back(owner);
    }
    // The write this reservation was made for has landed (possibly under a generated name).
    e.reserved_by.clear();
  }
  held.clear();
  for (uint32_t v : values) {
    if (v >= first_ && v <= last_) held.push_back(v);
  }
  if (held.empty()) committed_by_owner_.erase(owner);
}

void RangeAllocator::ClearCommitted() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it->second.owners.clear();
    if (it->second.reserved_by.empty()) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  committed_by_owner_.clear();
}

bool RangeAllocator::IsFree(uint32_t value, TimePoint now) const {
  auto it = entries_.find(value);
  if (it == entries_.end()) return true;
  return it->second.owners.empty() && !LiveReservation(it->second, now);
}

size_t RangeAllocator::UsedForTest(TimePoint now) const {
  size_t n = 0;
  for (const auto& [v, e] : entries_) {
    if (!e.owners.empty() || LiveReservation(e, now)) ++n;
  }
  return n;
}

// --- ServiceAllocator ---

namespace {

// Addresses a stored Service holds.
void HeldAddresses(const Value& svc, const Ipv4Cidr& cidr, std::vector<uint32_t>* ips,
                   std::vector<uint32_t>* ports) {
  std::set<std::string> texts;
  if (const Value* list = api::FindPath(svc, {"spec", "clusterIPs"}); list && list->IsArray()) {
    for (const auto& v : list->GetArray()) {
      if (v.IsString()) texts.insert(v.GetString());
    }
  }
  texts.insert(api::GetString(svc, {"spec", "clusterIP"}));
  for (const auto& t : texts) {
    if (auto ip = ParseIpv4(t); ip && cidr.Contains(*ip)) ips->push_back(*ip);
  }
  if (const Value* list = api::FindPath(svc, {"spec", "ports"}); list && list->IsArray()) {
    for (const auto& p : list->GetArray()) {
      if (int64_t np = api::GetInt(p, {"nodePort"}); np > 0 && np < 65536) {
        ports->push_back(static_cast<uint32_t>(np));
      }
    }
  }
  if (int64_t hc = api::GetInt(svc, {"spec", "healthCheckNodePort"}); hc > 0 && hc < 65536) {
    ports->push_back(static_cast<uint32_t>(hc));
  }
}

bool NeedsClusterIp(const Value& svc) {
  return api::GetString(svc, {"spec", "type"}, "ClusterIP") != "ExternalName";
}

bool NeedsNodePorts(const Value& svc) {
  std::string type = api::GetString(svc, {"spec", "type"}, "ClusterIP");
  if (type == "NodePort") return true;
  return type == "LoadBalancer" &&
         api::GetBool(svc, {"spec", "allocateLoadBalancerNodePorts"}, true);
}

uint32_t RandomSeed() {
  thread_local std::mt19937 rng(std::random_device{}());
  return static_cast<uint32_t>(rng());
}

// GoStrings renders a []string the way upstream's %#v prints it in allocation errors.
std::string GoStrings(const Value* list, const std::string& fallback) {
  std::vector<std::string> items;
  if (list && list->IsArray()) {
    for (const auto& v : list->GetArray()) items.push_back(v.IsString() ? v.GetString() : "");
  }
  if (items.empty()) items.push_back(fallback);
  std::string out = "[]string{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += "\"" + items[i] + "\"";
  }
  return out + "}";
}

void SetClusterIps(Value& spec, const std::string& ip, api::Allocator& a) {
  api::SetString(spec, "clusterIP", ip, a);
  Value list(rapidjson::kArrayType);
  if (!ip.empty()) list.PushBack(api::MakeString(ip, a), a);
  api::SetValue(spec, "clusterIPs", list, a);
}

const Value* FindOldPort(const Value& old, int64_t port, const std::string& protocol) {
  const Value* list = api::FindPath(old, {"spec", "ports"});
  if (!list || !list->IsArray()) return nullptr;
  for (const auto& p : list->GetArray()) {
    if (api::GetInt(p, {"port"}) == port && api::GetString(p, {"protocol"}, "TCP") == protocol) {
      return &p;
    }
  }
  return nullptr;
}

// PatchAllocatedValues carries addresses over from the old Service (upstream
// pkg/registry/core/service/storage: patchAllocatedValues and dropTypeDependentFields), so
// `kubectl replace` of a manifest without clusterIP keeps the address.
void PatchAllocatedValues(Document& svc, const Value& old) {
  auto& a = svc.GetAllocator();
  Value& spec = api::EnsureObject(svc, {"spec"}, a);
  std::string old_ip = api::GetString(old, {"spec", "clusterIP"});
  std::string ip = api::GetString(spec, {"clusterIP"});
  if (NeedsClusterIp(old) && NeedsClusterIp(svc) && ip.empty() && !old_ip.empty()) {
    Value copy(rapidjson::kArrayType);
    if (const Value* v = api::FindPath(old, {"spec", "clusterIPs"})) copy.CopyFrom(*v, a);
    api::SetString(spec, "clusterIP", old_ip, a);
    api::SetValue(spec, "clusterIPs", copy, a);
  } else if (NeedsClusterIp(old) && !NeedsClusterIp(svc) && ip == old_ip) {
    api::RemoveMember(spec, "clusterIP");
    api::RemoveMember(spec, "clusterIPs");
  }
  Value* ports = api::FindMemberMutable(spec, "ports");
  if (!ports || !ports->IsArray()) return;
  bool old_needs = NeedsNodePorts(old);
  bool new_needs = NeedsNodePorts(svc);
  for (auto& p : ports->GetArray()) {
    if (!p.IsObject()) continue;
    const Value* op = FindOldPort(old, api::GetInt(p, {"port"}), api::GetString(p, {"protocol"}));
    int64_t old_np = op ? api::GetInt(*op, {"nodePort"}) : 0;
    int64_t np = api::GetInt(p, {"nodePort"});
    if (old_needs && new_needs && np == 0 && old_np > 0) api::SetInt(p, "nodePort", old_np, a);
    if (old_needs && !new_needs && np == old_np) api::RemoveMember(p, "nodePort");
  }
}

}  // namespace

struct ServiceAllocator::State {
  State(const Ipv4Cidr& cidr, const ServiceAllocatorOptions& o)
      : cidr(cidr),
        ips(cidr.network + 1, static_cast<uint32_t>(cidr.network + cidr.Size() - 2),
            o.reservation_ttl),
        ports(o.node_port_first, o.node_port_last, o.reservation_ttl) {
    ips.SetSkip(cidr.network + 1);  // kept for the kubernetes Service
  }
  void Apply(const std::string& key, const Value* svc) {
    std::vector<uint32_t> held_ips, held_ports;
    if (svc) HeldAddresses(*svc, cidr, &held_ips, &held_ports);
    ips.SetCommitted(key, held_ips);
    ports.SetCommitted(key, held_ports);
  }

  const Ipv4Cidr cidr;
  std::mutex mu;
  RangeAllocator ips;    // guarded by mu
  RangeAllocator ports;  // guarded by mu
};

namespace {
// ServiceWatcher feeds stored Services into the allocator state. It shares the state, so it may
// outlive the allocator harmlessly.
class ServiceWatcher final : public CacheWatcher,
                             public std::enable_shared_from_this<ServiceWatcher> {
 public:
  ServiceWatcher(std::shared_ptr<ServiceAllocator::State> state, WatchCache& cache,
                 std::string prefix)
      : state_(std::move(state)), cache_(cache), prefix_(std::move(prefix)) {}

  Status Start() {
    auto r = cache_.Watch(prefix_, std::nullopt, shared_from_this());
    return r.ok() ? Status::OK() : r.status();
  }

  bool Deliver(const std::vector<const CacheEvent*>& events) override {
    std::lock_guard lock(state_->mu);
    for (const CacheEvent* ev : events) {
      bool deleted = ev->type == CacheEvent::Type::kDeleted;
      auto doc = deleted ? nullptr : ev->object->Doc();
      state_->Apply(ev->object->key, doc.get());
    }
    return true;
  }

  void Closed(const Status& reason) override {
    if (!reason.IsGone()) return;  // the cache is stopping
    // The cache re-listed storage: rebuild from its new content. Called outside the cache lock.
    {
      std::lock_guard lock(state_->mu);
      state_->ips.ClearCommitted();
      state_->ports.ClearCommitted();
    }
    Status s = Start();
    if (!s.ok()) TK_LOG_ERROR << "service allocator cannot re-follow services: " << s.message();
  }

 private:
  std::shared_ptr<ServiceAllocator::State> state_;
  WatchCache& cache_;
  std::string prefix_;
};
}  // namespace

ServiceAllocator::ServiceAllocator(const Ipv4Cidr& cidr, const ServiceAllocatorOptions& options,
                                   const Clock& clock)
    : cidr_(cidr),
      options_(options),
      clock_(clock),
      state_(std::make_shared<State>(cidr, options)) {
  if (options.shared_store != nullptr) {
    claims_ = std::make_unique<AllocationClaims>(
        *options.shared_store,
        std::chrono::duration_cast<std::chrono::seconds>(options.reservation_ttl));
  }
}

ServiceAllocator::~ServiceAllocator() = default;

Result<std::unique_ptr<ServiceAllocator>> ServiceAllocator::Create(
    const ServiceAllocatorOptions& options, const Clock& clock) {
  TK_ASSIGN_OR_RETURN(Ipv4Cidr cidr, Ipv4Cidr::Parse(options.service_cidr));
  if (options.node_port_first < 1 || options.node_port_last > 65535 ||
      options.node_port_first > options.node_port_last) {
    return Status::Invalid("invalid node port range");
  }
  return std::unique_ptr<ServiceAllocator>(new ServiceAllocator(cidr, options, clock));
}

Status ServiceAllocator::Follow(WatchCache& cache, const std::string& services_prefix) {
  auto watcher = std::make_shared<ServiceWatcher>(state_, cache, services_prefix);
  return watcher->Start();
}

std::string ServiceAllocator::FirstIp() const { return FormatIpv4(cidr_.network + 1); }

Status ServiceAllocator::AdmitCreate(Document& svc, const ResourceInfo& services) {
  return AllocateAddresses(svc, services, nullptr);
}

Status ServiceAllocator::AdmitUpdate(Document& svc, const Value& old,
                                     const ResourceInfo& services) {
  PatchAllocatedValues(svc, old);
  return AllocateAddresses(svc, services, &old);
}

namespace {
constexpr const char* kClusterIps = "clusterips";
constexpr const char* kNodePorts = "nodeports";
// Owner of values another API server claimed: they stay out of this server's offers for the
// reservation TTL, by when that server's Service is in the cache (or its claim went stale).
constexpr const char* kClaimedElsewhere = "(claimed by another API server)";
}  // namespace

Result<bool> ServiceAllocator::ClaimShared(const char* kind, uint32_t value,
                                           const std::string& owner) {
  if (!claims_) return true;
  return claims_->Claim(
      kind, std::string_view(kind) == kClusterIps ? FormatIpv4(value) : std::to_string(value),
      owner);
}

Result<uint32_t> ServiceAllocator::AllocateClaimed(RangeAllocator& range, const char* kind,
                                                   const std::string& owner,
                                                   std::chrono::steady_clock::time_point now) {
  for (int attempt = 0; attempt < 32; ++attempt) {
    auto v = range.AllocateNext(owner, now, RandomSeed());
    if (!v) break;
    auto claimed = ClaimShared(kind, *v, owner);
    if (claimed.ok() && *claimed) return *v;
    range.Unreserve(*v, owner);
    if (!claimed.ok()) return claimed.status();
    range.Reserve(*v, kClaimedElsewhere, now);
  }
  return Status::Internal(std::string("failed to allocate a ") +
                          (std::string_view(kind) == kClusterIps ? "serviceIP" : "nodePort") +
                          ": range is full");
}

Status ServiceAllocator::AllocateAddresses(Document& svc, const ResourceInfo& services,
                                           const Value* old) {
  auto& a = svc.GetAllocator();
  Value& spec = api::EnsureObject(svc, {"spec"}, a);
  const std::string name = api::Name(svc);
  const std::string key = services.Key(api::Namespace(svc), name);
  const std::string type = api::GetString(spec, {"type"}, "ClusterIP");
  const auto now = clock_.Monotonic();
  std::vector<FieldError> errs;
  std::vector<uint32_t> new_ips, new_ports;  // reserved by this call, undone on failure
  std::lock_guard lock(state_->mu);
  auto undo = [&] {
    for (uint32_t v : new_ips) state_->ips.Unreserve(v, key);
    for (uint32_t v : new_ports) state_->ports.Unreserve(v, key);
  };

  if (NeedsClusterIp(svc)) {
    std::string ip = api::GetString(spec, {"clusterIP"});
    const Value* ips = api::FindMember(spec, "clusterIPs");
    std::string first =
        ips && ips->IsArray() && !ips->Empty() && (*ips)[0].IsString() ? (*ips)[0].GetString() : "";
    if (ip.empty() && !first.empty()) ip = first;
    if (!first.empty() && first != ip) {
      errs.push_back(
          FieldInvalid("spec.clusterIPs", GoStrings(ips, ""), "element [0] must match clusterIP"));
    } else if (ip == "None") {
      if (type == "NodePort" || type == "LoadBalancer") {
        errs.push_back(FieldInvalid("spec.clusterIPs[0]", ip,
                                    "may not be set to 'None' for " + type + " services"));
      }
      SetClusterIps(spec, ip, a);
    } else if (ip.empty()) {
      auto v = AllocateClaimed(state_->ips, kClusterIps, key, now);
      if (!v.ok()) return v.status();
      new_ips.push_back(*v);
      SetClusterIps(spec, FormatIpv4(*v), a);
    } else if (auto parsed = ParseIpv4(ip); !parsed) {
      errs.push_back(FieldInvalid("spec.clusterIPs[0]", ip,
                                  "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
    } else if (!old || api::GetString(*old, {"spec", "clusterIP"}) != ip) {
      std::string prefix = "failed to allocate IP " + ip + ": ";
      bool was_free = state_->ips.IsFree(*parsed, now);
      switch (state_->ips.Reserve(*parsed, key, now)) {
        case RangeAllocator::Outcome::kOk: {
          if (!was_free) break;
          new_ips.push_back(*parsed);
          auto claimed = ClaimShared(kClusterIps, *parsed, key);
          if (!claimed.ok()) {
            undo();
            return claimed.status();
          }
          if (!*claimed) {
            errs.push_back({"FieldValueInvalid", "spec.clusterIPs",
                            "Invalid value: " + GoStrings(ips, ip) + ": " + prefix +
                                "provided IP is already allocated"});
          }
          break;
        }
        case RangeAllocator::Outcome::kOutOfRange:
          errs.push_back({"FieldValueInvalid", "spec.clusterIPs",
                          "Invalid value: " + GoStrings(ips, ip) + ": " + prefix +
                              "provided IP is not in the valid range. The range of valid IPs is " +
                              cidr_.ToString()});
          break;
        case RangeAllocator::Outcome::kTaken:
          errs.push_back({"FieldValueInvalid", "spec.clusterIPs",
                          "Invalid value: " + GoStrings(ips, ip) + ": " + prefix +
                              "provided IP is already allocated"});
          break;
      }
      if (errs.empty()) SetClusterIps(spec, ip, a);
    }
  }

  Value* ports = api::FindMemberMutable(spec, "ports");
  if (ports && ports->IsArray()) {
    std::set<std::pair<int64_t, std::string>> seen;
    const std::string range =
        std::to_string(options_.node_port_first) + "-" + std::to_string(options_.node_port_last);
    bool needs = NeedsNodePorts(svc);
    for (rapidjson::SizeType i = 0; i < ports->Size(); ++i) {
      Value& p = (*ports)[i];
      if (!p.IsObject()) continue;
      std::string field = "spec.ports[" + std::to_string(i) + "].nodePort";
      int64_t np = api::GetInt(p, {"nodePort"});
      if (!needs) {
        if (np != 0 && type == "ClusterIP") {
          errs.push_back(FieldForbidden(field, "may not be used when `type` is 'ClusterIP'"));
        }
        continue;
      }
      if (np == 0) {
        auto v = AllocateClaimed(state_->ports, kNodePorts, key, now);
        if (!v.ok()) {
          undo();
          return v.status();
        }
        new_ports.push_back(*v);
        api::SetInt(p, "nodePort", *v, a);
        np = *v;
      } else if (np < 0 || np > 65535) {
        errs.push_back(FieldInvalidInt(field, np, "must be between 1 and 65535, inclusive"));
        continue;
      } else {
        auto v = static_cast<uint32_t>(np);
        bool was_free = state_->ports.IsFree(v, now);
        switch (state_->ports.Reserve(v, key, now)) {
          case RangeAllocator::Outcome::kOk: {
            if (!was_free) break;
            new_ports.push_back(v);
            auto claimed = ClaimShared(kNodePorts, v, key);
            if (!claimed.ok()) {
              undo();
              return claimed.status();
            }
            if (!*claimed) {
              errs.push_back(FieldInvalidInt(field, np, "provided port is already allocated"));
            }
            break;
          }
          case RangeAllocator::Outcome::kOutOfRange:
            errs.push_back(FieldInvalidInt(
                field, np,
                "provided port is not in the valid range. The range of valid ports is " + range));
            break;
          case RangeAllocator::Outcome::kTaken:
            errs.push_back(FieldInvalidInt(field, np, "provided port is already allocated"));
            break;
        }
      }
      if (!seen.insert({np, api::GetString(p, {"protocol"}, "TCP")}).second) {
        errs.push_back(FieldDuplicate(field, std::to_string(np)));
      }
    }
  }
  if (!errs.empty()) {
    undo();
    return InvalidError(services, name, std::move(errs));
  }
  return Status::OK();
}

}  // namespace tinyk8s::apiserver
