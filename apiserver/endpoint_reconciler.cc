#include "apiserver/endpoint_reconciler.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "api/json.h"
#include "common/logging.h"

namespace tinyk8s::apiserver {

namespace {

constexpr char kNamespace[] = "kube-system";
constexpr char kIdentityLabel[] = "apiserver.kubernetes.io/identity";
constexpr char kIdentity[] = "kube-apiserver";
constexpr char kIpAnnotation[] = "tinyk8s.io/apiserver-ip";
constexpr char kPortAnnotation[] = "tinyk8s.io/apiserver-port";
constexpr char kServiceNameLabel[] = "kubernetes.io/service-name";

using Allocator = rapidjson::Document::AllocatorType;
// The live servers: IPs by port.
using Servers = std::map<int, std::set<std::string>>;

// LeaseName is stable for an address, so that a server restarted on it takes its lease back.
std::string LeaseName(const std::string& ip, uint16_t port) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (char c : ip + ":" + std::to_string(port)) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return std::string("apiserver-") + hex;
}

rapidjson::Value Ports(int port, Allocator& a) {
  rapidjson::Value entry(rapidjson::kObjectType);
  api::SetString(entry, "name", "https", a);
  api::SetInt(entry, "port", port, a);
  api::SetString(entry, "protocol", "TCP", a);
  rapidjson::Value ports(rapidjson::kArrayType);
  ports.PushBack(entry, a);
  return ports;
}

rapidjson::Document ObjectNamed(const char* api_version, const char* kind, const std::string& name,
                                const std::map<std::string, std::string>& labels) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  api::SetString(doc, "apiVersion", api_version, a);
  api::SetString(doc, "kind", kind, a);
  rapidjson::Value& meta = api::EnsureObject(doc, {"metadata"}, a);
  api::SetString(meta, "name", name, a);
  rapidjson::Value& label_map = api::EnsureObject(meta, {"labels"}, a);
  for (const auto& [key, value] : labels) api::SetString(label_map, key, value, a);
  return doc;
}

// EndpointsFor lists every server: one subset per port, addresses in order.
rapidjson::Document EndpointsFor(const Servers& servers) {
  rapidjson::Document doc = ObjectNamed("v1", "Endpoints", "kubernetes",
                                        {{"endpointslice.kubernetes.io/skip-mirror", "true"}});
  auto& a = doc.GetAllocator();
  rapidjson::Value subsets(rapidjson::kArrayType);
  for (const auto& [port, ips] : servers) {
    rapidjson::Value addresses(rapidjson::kArrayType);
    for (const std::string& ip : ips) {
      rapidjson::Value address(rapidjson::kObjectType);
      api::SetString(address, "ip", ip, a);
      addresses.PushBack(address, a);
    }
    rapidjson::Value subset(rapidjson::kObjectType);
    api::SetValue(subset, "addresses", addresses, a);
    rapidjson::Value ports = Ports(port, a);
    api::SetValue(subset, "ports", ports, a);
    subsets.PushBack(subset, a);
  }
  api::SetValue(doc, "subsets", subsets, a);
  return doc;
}

std::string SliceName(int port, bool first) {
  return first ? "kubernetes" : "kubernetes-" + std::to_string(port);
}

rapidjson::Document SliceFor(const std::string& name, int port, const std::set<std::string>& ips) {
  rapidjson::Document doc = ObjectNamed("discovery.k8s.io/v1", "EndpointSlice", name,
                                        {{kServiceNameLabel, "kubernetes"}});
  auto& a = doc.GetAllocator();
  bool ipv6 = !ips.empty() && ips.begin()->find(':') != std::string::npos;
  api::SetString(doc, "addressType", ipv6 ? "IPv6" : "IPv4", a);
  rapidjson::Value endpoints(rapidjson::kArrayType);
  for (const std::string& ip : ips) {
    rapidjson::Value endpoint(rapidjson::kObjectType);
    rapidjson::Value addresses(rapidjson::kArrayType);
    addresses.PushBack(api::MakeString(ip, a), a);
    api::SetValue(endpoint, "addresses", addresses, a);
    api::EnsureObject(endpoint, {"conditions"}, a).AddMember("ready", true, a);
    endpoints.PushBack(endpoint, a);
  }
  api::SetValue(doc, "endpoints", endpoints, a);
  rapidjson::Value ports = Ports(port, a);
  api::SetValue(doc, "ports", ports, a);
  return doc;
}

// Converge creates `want` in default, or replaces `fields` of the existing object when they
// differ (an unchanged object is not written: every server does this every interval).
Status Converge(ObjectService& objects, const ResourceInfo& r, rapidjson::Document want,
                std::initializer_list<const char*> fields) {
  const std::string name = api::GetString(want, {"metadata", "name"});
  auto current = objects.Get(r, "default", name);
  if (!current.ok()) {
    if (!current.status().IsNotFound()) return current.status();
    auto created = objects.Create(r, "default", api::CloneDocument(want), WriteOptions{});
    if (created.ok() || !created.status().IsAlreadyExists()) return created.status();
    current = objects.Get(r, "default", name);
    if (!current.ok()) return current.status();
  }
  auto same = [&](const rapidjson::Value& obj) {
    for (const char* f : fields) {
      const rapidjson::Value* have = api::FindMember(obj, f);
      const rapidjson::Value* wanted = api::FindMember(want, f);
      if ((have == nullptr) != (wanted == nullptr)) return false;
      if (have != nullptr && !api::JsonEqual(*have, *wanted)) return false;
    }
    return true;
  };
  if (same(*(*current)->Doc())) return Status::OK();
  return objects
      .Mutate(
          r, "default", name, "",
          [&](rapidjson::Document& obj) {
            auto& a = obj.GetAllocator();
            for (const char* f : fields) {
              api::RemoveMember(obj, f);
              if (const auto* v = api::FindMember(want, f)) {
                rapidjson::Value copy(*v, a);
                api::SetValue(obj, f, copy, a);
              }
            }
            return Status::OK();
          },
          WriteOptions{})
      .status();
}

}  // namespace

EndpointReconciler::EndpointReconciler(ObjectService& objects, EndpointReconcilerOptions options)
    : objects_(objects),
      options_(std::move(options)),
      lease_name_(LeaseName(options_.ip, options_.port)),
      leases_(objects.registry().FindByGroupResource("coordination.k8s.io", "leases")),
      endpoints_(objects.registry().FindByGroupResource("", "endpoints")),
      slices_(objects.registry().FindByGroupResource("discovery.k8s.io", "endpointslices")) {}

EndpointReconciler::~EndpointReconciler() { Stop(); }

Status EndpointReconciler::Start() {
  if (leases_ == nullptr || endpoints_ == nullptr || slices_ == nullptr) {
    return Status::Internal("endpoint reconciler: leases, endpoints or endpointslices missing");
  }
  TK_RETURN_IF_ERROR(Reconcile());
  loop_ = std::thread([this] { Loop(); });
  return Status::OK();
}

void EndpointReconciler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  if (!options_.shared_store || leases_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    withdrawn_ = true;
  }
  // Withdraw at once rather than after the lease expires (upstream's RemoveEndpoints).
  auto deleted = objects_.Delete(*leases_, kNamespace, lease_name_, DeleteOptions{});
  if (!deleted.ok() && !deleted.status().IsNotFound()) {
    TK_LOG_WARN << "cannot remove this API server's lease: " << deleted.status().message();
    return;
  }
  if (Status s = Reconcile(); !s.ok()) {
    TK_LOG_WARN << "cannot withdraw from the kubernetes Service endpoints: " << s.message();
  }
}

void EndpointReconciler::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, options_.interval, [&] { return stopping_; })) {
    lock.unlock();
    if (Status s = Reconcile(); !s.ok()) {
      TK_LOG_WARN << "kubernetes Service endpoints: " << s.message();
    }
    lock.lock();
  }
}

Status EndpointReconciler::RenewLease() {
  const std::string renew_time = FormatRfc3339Micro(objects_.clock().Now());
  auto fill = [&](rapidjson::Document& obj) {
    auto& a = obj.GetAllocator();
    rapidjson::Value& meta = api::EnsureObject(obj, {"metadata"}, a);
    api::SetString(api::EnsureObject(meta, {"labels"}, a), kIdentityLabel, kIdentity, a);
    rapidjson::Value& annotations = api::EnsureObject(meta, {"annotations"}, a);
    api::SetString(annotations, kIpAnnotation, options_.ip, a);
    api::SetString(annotations, kPortAnnotation, std::to_string(options_.port), a);
    rapidjson::Value& spec = api::EnsureObject(obj, {"spec"}, a);
    api::SetString(spec, "holderIdentity", lease_name_, a);
    api::SetInt(spec, "leaseDurationSeconds", options_.lease_duration.count(), a);
    api::SetString(spec, "renewTime", renew_time, a);
    return Status::OK();
  };
  auto renewed = objects_.Mutate(*leases_, kNamespace, lease_name_, "", fill, WriteOptions{});
  if (renewed.ok() || !renewed.status().IsNotFound()) return renewed.status();
  rapidjson::Document lease =
      ObjectNamed("coordination.k8s.io/v1", "Lease", lease_name_, {{kIdentityLabel, kIdentity}});
  TK_RETURN_IF_ERROR(fill(lease));
  return objects_.Create(*leases_, kNamespace, std::move(lease), WriteOptions{}).status();
}

Status EndpointReconciler::Reconcile() {
  bool withdrawn;
  {
    std::lock_guard<std::mutex> lock(mu_);
    withdrawn = withdrawn_;
  }
  Servers servers;
  if (!withdrawn) {
    TK_RETURN_IF_ERROR(RenewLease());
    servers[options_.port].insert(options_.ip);  // whether or not the cache shows it yet
  }
  const auto now = objects_.clock().Now();
  objects_.cache().WaitFresh();  // the lists below read the cache: see every write up to now
  for (const auto& lease : objects_.FindAll(*leases_, kNamespace)) {
    if (api::GetString(*lease, {"metadata", "labels", kIdentityLabel}) != kIdentity) continue;
    const std::string name = api::GetString(*lease, {"metadata", "name"});
    if (name == lease_name_) continue;
    const std::string ip = api::GetString(*lease, {"metadata", "annotations", kIpAnnotation});
    const std::string port = api::GetString(*lease, {"metadata", "annotations", kPortAnnotation});
    if (ip.empty() || port.empty()) continue;  // an apiserver identity lease of someone else
    Clock::TimePoint renewed;
    bool live =
        options_.shared_store &&
        ParseRfc3339(api::GetString(*lease, {"spec", "renewTime"}), &renewed) &&
        renewed + std::chrono::seconds(api::GetInt(*lease, {"spec", "leaseDurationSeconds"})) > now;
    int port_number = std::atoi(port.c_str());
    if (live && port_number > 0 && port_number < 65536) {
      servers[port_number].insert(ip);
      continue;
    }
    // Expired: delete it unless its server renewed it meanwhile.
    DeleteOptions only_this;
    only_this.precondition_resource_version =
        api::GetString(*lease, {"metadata", "resourceVersion"});
    auto deleted = objects_.Delete(*leases_, kNamespace, name, only_this);
    if (deleted.ok()) {
      TK_LOG_INFO << "API server " << ip << ":" << port << " left (lease " << name << " expired)";
    }
  }
  // No live server at all (only when this one withdraws): leave the endpoints as they are
  // rather than erase them, as upstream does.
  if (servers.empty()) return Status::OK();

  TK_RETURN_IF_ERROR(Converge(objects_, *endpoints_, EndpointsFor(servers), {"subsets"}));
  std::set<std::string> wanted;
  for (const auto& [port, ips] : servers) {
    std::string name = SliceName(port, wanted.empty());
    wanted.insert(name);
    TK_RETURN_IF_ERROR(Converge(objects_, *slices_, SliceFor(name, port, ips),
                                {"addressType", "endpoints", "ports"}));
  }
  // Slices of ports no live server serves on any more.
  for (const auto& slice : objects_.FindAll(*slices_, "default")) {
    const std::string name = api::GetString(*slice, {"metadata", "name"});
    if (api::GetString(*slice, {"metadata", "labels", kServiceNameLabel}) != "kubernetes" ||
        name.rfind("kubernetes-", 0) != 0 || wanted.count(name) > 0) {
      continue;
    }
    auto deleted = objects_.Delete(*slices_, "default", name, DeleteOptions{});
    if (!deleted.ok() && !deleted.status().IsNotFound()) return deleted.status();
  }
  return Status::OK();
}

}  // namespace tinyk8s::apiserver
