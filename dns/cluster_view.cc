#include "dns/cluster_view.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "api/json.h"
#include "api/meta.h"

namespace tinyk8s::dns {

using rapidjson::Value;

namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string KeyOf(std::string_view ns, std::string_view name) {
  std::string k(ns);
  k.push_back('/');
  k.append(name);
  return k;
}

PortInfo ParsePort(const Value& p) {
  PortInfo out;
  out.name = Lower(api::GetString(p, {"name"}));
  out.protocol = Lower(api::GetString(p, {"protocol"}, "TCP"));
  out.port = static_cast<int32_t>(api::GetInt(p, {"port"}, -1));
  return out;
}

void RemoveKey(std::vector<std::pair<std::string, std::string>>& names, const std::string& key) {
  names.erase(
      std::remove_if(names.begin(), names.end(), [&](const auto& kv) { return kv.first == key; }),
      names.end());
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::copy(text.begin(), text.end(), buf);
  buf[text.size()] = '\0';
  IpAddress ip;
  if (inet_pton(AF_INET, buf, ip.bytes.data()) == 1) return ip;
  ip.v6 = true;
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) return ip;
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

std::string IpAddress::Dashed() const {
  std::string s = ToString();
  std::replace(s.begin(), s.end(), v6 ? ':' : '.', '-');
  return s;
}

size_t IpAddressHash::operator()(const IpAddress& ip) const noexcept {
  size_t h = ip.v6 ? 0x9e3779b97f4a7c15ULL : 0;
  for (int i = 0; i < (ip.v6 ? 16 : 4); ++i) h = h * 131 + ip.bytes[i];
  return h;
}

ClusterView::ClusterView(std::string zone) : zone_(Lower(std::move(zone))) {}

void ClusterView::Touch() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  serial_.store(
      static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count()),
      std::memory_order_relaxed);
}

void ClusterView::UpsertService(const Value& svc) {
  auto e = std::make_shared<ServiceEntry>();
  e->ns = api::Namespace(svc);
  e->name = api::Name(svc);
  e->type = api::GetString(svc, {"spec", "type"}, "ClusterIP");
  e->external_name = Lower(api::GetString(svc, {"spec", "externalName"}));
  std::string cluster_ip = api::GetString(svc, {"spec", "clusterIP"});
  e->headless = cluster_ip == "None";
  std::vector<std::string> ips;
  if (const Value* list = api::FindPath(svc, {"spec", "clusterIPs"}); list && list->IsArray()) {
    for (const auto& v : list->GetArray()) {
      if (v.IsString()) ips.emplace_back(v.GetString());
    }
  }
  if (ips.empty() && !cluster_ip.empty()) ips.push_back(cluster_ip);
  for (const auto& text : ips) {
    if (auto ip = IpAddress::Parse(text)) e->cluster_ips.push_back(*ip);
  }
  if (const Value* ports = api::FindPath(svc, {"spec", "ports"}); ports && ports->IsArray()) {
    for (const auto& p : ports->GetArray()) e->ports.push_back(ParsePort(p));
  }
  Key key = KeyOf(e->ns, e->name);
  std::unique_lock lock(mu_);
  services_[key] = std::move(e);
  RebuildLocked(key);
}

void ClusterView::DeleteService(const Value& svc) {
  Key key = KeyOf(api::Namespace(svc), api::Name(svc));
  std::unique_lock lock(mu_);
  services_.erase(key);
  RebuildLocked(key);
}

void ClusterView::UpsertEndpointSlice(const Value& slice) {
  std::string service = api::Label(slice, "kubernetes.io/service-name");
  if (service.empty()) return;
  std::string type = api::GetString(slice, {"addressType"}, "IPv4");
  SliceInfo info;
  auto ports = std::make_shared<std::vector<PortInfo>>();
  if (const Value* list = api::FindMember(slice, "ports"); list && list->IsArray()) {
    for (const auto& p : list->GetArray()) ports->push_back(ParsePort(p));
  }
  if (ports->empty()) ports->push_back(PortInfo{});  // A records only, no SRV
  info.ports = ports;
  if (const Value* eps = api::FindMember(slice, "endpoints");
      eps && eps->IsArray() && (type == "IPv4" || type == "IPv6")) {
    for (const auto& ep : eps->GetArray()) {
      // An unset ready condition means ready (discovery/v1 EndpointConditions).
      if (!api::GetBool(ep, {"conditions", "ready"}, true)) continue;
      std::string hostname = Lower(api::GetString(ep, {"hostname"}));
      const Value* addrs = api::FindMember(ep, "addresses");
      if (!addrs || !addrs->IsArray()) continue;
      for (const auto& a : addrs->GetArray()) {
        if (!a.IsString()) continue;
        auto ip = IpAddress::Parse(a.GetString());
        if (!ip) continue;
        info.ready.push_back(EndpointInfo{*ip, hostname.empty() ? ip->Dashed() : hostname, ports});
      }
    }
  }
  Key key = KeyOf(api::Namespace(slice), service);
  Key slice_key = KeyOf(api::Namespace(slice), api::Name(slice));
  std::unique_lock lock(mu_);
  // A slice can move to another service (label edit): drop it from the one it fed.
  if (auto it = slice_owner_.find(slice_key); it != slice_owner_.end() && it->second != key) {
    Key previous = it->second;
    if (auto s = slices_.find(previous); s != slices_.end()) {
      s->second.erase(api::Name(slice));
      if (s->second.empty()) slices_.erase(s);
    }
    RebuildLocked(previous);
  }
  slice_owner_[slice_key] = key;
  slices_[key][api::Name(slice)] = std::move(info);
  RebuildLocked(key);
}

void ClusterView::DeleteEndpointSlice(const Value& slice) {
  Key slice_key = KeyOf(api::Namespace(slice), api::Name(slice));
  std::unique_lock lock(mu_);
  auto owner = slice_owner_.find(slice_key);
  if (owner == slice_owner_.end()) return;
  Key key = owner->second;
  slice_owner_.erase(owner);
  auto it = slices_.find(key);
  if (it == slices_.end()) return;
  it->second.erase(api::Name(slice));
  if (it->second.empty()) slices_.erase(it);
  RebuildLocked(key);
}

void ClusterView::UpsertNamespace(const Value& ns) {
  std::unique_lock lock(mu_);
  namespaces_.insert(api::Name(ns));
  Touch();
}

void ClusterView::DeleteNamespace(const Value& ns) {
  std::unique_lock lock(mu_);
  namespaces_.erase(api::Name(ns));
  Touch();
}

void ClusterView::UpsertPod(const Value& pod) {
  Key key = KeyOf(api::Namespace(pod), api::Name(pod));
  auto ip = IpAddress::Parse(api::GetString(pod, {"status", "podIP"}));
  std::unique_lock lock(mu_);
  auto it = pod_ips_.find(key);
  if (it != pod_ips_.end()) {
    if (--pod_ip_count_[it->second] <= 0) pod_ip_count_.erase(it->second);
    pod_ips_.erase(it);
  }
  if (ip) {
    std::string entry = KeyOf(api::Namespace(pod), ip->ToString());
    ++pod_ip_count_[entry];
    pod_ips_[key] = std::move(entry);
  }
}

void ClusterView::DeletePod(const Value& pod) {
  Key key = KeyOf(api::Namespace(pod), api::Name(pod));
  std::unique_lock lock(mu_);
  auto it = pod_ips_.find(key);
  if (it == pod_ips_.end()) return;
  if (--pod_ip_count_[it->second] <= 0) pod_ip_count_.erase(it->second);
  pod_ips_.erase(it);
}

void ClusterView::RebuildLocked(const Key& key) {
  ServiceEntryPtr old;
  if (auto it = entries_.find(key); it != entries_.end()) old = it->second;
  ServiceEntryPtr fresh;
  if (auto it = services_.find(key); it != services_.end()) {
    auto e = std::make_shared<ServiceEntry>(*it->second);
    if (auto s = slices_.find(key); s != slices_.end()) {
      for (const auto& [name, slice] : s->second) {
        e->endpoints.insert(e->endpoints.end(), slice.ready.begin(), slice.ready.end());
      }
    }
    fresh = std::move(e);
  }
  SetReverseLocked(key, old.get(), fresh.get());
  if (fresh) {
    entries_[key] = std::move(fresh);
  } else {
    entries_.erase(key);
  }
  Touch();
}

void ClusterView::SetReverseLocked(const Key& key, const ServiceEntry* old_entry,
                                   const ServiceEntry* new_entry) {
  auto drop = [&](auto& index, const IpAddress& ip) {
    auto it = index.find(ip);
    if (it == index.end()) return;
    RemoveKey(it->second, key);
    if (it->second.empty()) index.erase(it);
  };
  if (old_entry) {
    for (const auto& ip : old_entry->cluster_ips) drop(cluster_ip_names_, ip);
    for (const auto& ep : old_entry->endpoints) drop(endpoint_ip_names_, ep.ip);
  }
  if (!new_entry) return;
  std::string base = new_entry->name + "." + new_entry->ns + ".svc." + zone_;
  for (const auto& ip : new_entry->cluster_ips) cluster_ip_names_[ip].emplace_back(key, base);
  for (const auto& ep : new_entry->endpoints) {
    auto& names = endpoint_ip_names_[ep.ip];
    std::string name = ep.label + "." + base;
    bool dup =
        std::any_of(names.begin(), names.end(), [&](const auto& kv) { return kv.second == name; });
    if (!dup) names.emplace_back(key, std::move(name));
  }
}

ServiceEntryPtr ClusterView::FindService(std::string_view ns, std::string_view name) const {
  Key key = KeyOf(ns, name);
  std::shared_lock lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second;
}

bool ClusterView::HasNamespace(std::string_view ns) const {
  std::shared_lock lock(mu_);
  return namespaces_.count(std::string(ns)) > 0;
}

bool ClusterView::PodIpExists(std::string_view ns, const IpAddress& ip) const {
  std::string entry = KeyOf(ns, ip.ToString());
  std::shared_lock lock(mu_);
  return pod_ip_count_.count(entry) > 0;
}

std::vector<std::string> ClusterView::ReverseNames(const IpAddress& ip) const {
  std::vector<std::string> out;
  std::shared_lock lock(mu_);
  if (auto it = cluster_ip_names_.find(ip); it != cluster_ip_names_.end()) {
    out.push_back(it->second.front().second);
    return out;
  }
  if (auto it = endpoint_ip_names_.find(ip); it != endpoint_ip_names_.end()) {
    for (const auto& kv : it->second) out.push_back(kv.second);
  }
  return out;
}

size_t ClusterView::ServiceCount() const {
  std::shared_lock lock(mu_);
  return entries_.size();
}

}  // namespace tinyk8s::dns
