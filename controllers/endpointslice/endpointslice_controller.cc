#include "controllers/endpointslice/endpointslice_controller.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "api/json.h"
#include "api/meta.h"
#include "common/logging.h"

namespace tinyk8s::controllers::endpointslice {

using rapidjson::Document;
using rapidjson::Value;

namespace {

constexpr char kServiceIndex[] = "service";  // "ns/service-name" of a slice

int64_t ResourceVersionOf(const Value& obj) {
  std::string rv = api::ResourceVersion(obj);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), v);
  return ec == std::errc() ? v : 0;
}

client::InformerOptions ManagedSlicesOnly() {
  client::InformerOptions o;
  o.label_selector = std::string(kManagedByLabel) + "=" + kControllerName;
  return o;
}

}  // namespace

EndpointSliceController::EndpointSliceController(client::Client& client,
                                                 client::SharedInformerFactory& informers,
                                                 EndpointSliceControllerOptions options)
    : client_(client),
      options_(options),
      services_(informers.ForResource(client::resources::Services())),
      pods_(informers.ForResource(client::resources::Pods())),
      nodes_(informers.ForResource(client::resources::Nodes())),
      slices_(informers.ForResource(client::resources::EndpointSlices(), ManagedSlicesOnly())),
      queue_(client::WorkQueueOptions{nullptr, std::chrono::milliseconds(5),
                                      std::chrono::seconds(100), "endpointslice"}) {
  if (options_.manage_endpoints) {
    endpoints_ = &informers.ForResource(client::resources::Endpoints());
  }
  Status s =
      slices_.AddIndexers({{kServiceIndex, [](const Value& slice) {
                              std::string svc = api::Label(slice, kServiceNameLabel);
                              if (svc.empty()) return std::vector<std::string>{};
                              return std::vector<std::string>{api::Namespace(slice) + "/" + svc};
                            }}});
  if (!s.ok() && s.code() != StatusCode::kAlreadyExists) {
    TK_LOG_ERROR << "endpointslice: cannot index slices: " << s.message();
  }
  auto enqueue = [this](const client::ObjectPtr& obj) { queue_.Add(client::ObjectKey::Of(*obj)); };
  services_.AddEventHandler(
      {enqueue, [enqueue](const client::ObjectPtr&, const client::ObjectPtr& obj) { enqueue(obj); },
       [enqueue](const client::ObjectPtr& obj, bool) { enqueue(obj); }});
  pods_.AddEventHandler(
      {[this](const client::ObjectPtr& pod) { EnqueuePodServices(pod, nullptr); },
       [this](const client::ObjectPtr& old_pod, const client::ObjectPtr& pod) {
         if (old_pod != pod && api::ResourceVersion(*old_pod) == api::ResourceVersion(*pod)) return;
         EnqueuePodServices(pod, old_pod);
       },
       [this](const client::ObjectPtr& pod, bool) { EnqueuePodServices(pod, nullptr); }});
  auto enqueue_owner = [this](const client::ObjectPtr& slice) {
    std::string svc = api::Label(*slice, kServiceNameLabel);
    if (!svc.empty()) queue_.Add({api::Namespace(*slice), svc});
  };
  slices_.AddEventHandler(
      {enqueue_owner,
       [enqueue_owner](const client::ObjectPtr&, const client::ObjectPtr& slice) {
         enqueue_owner(slice);
       },
       [enqueue_owner](const client::ObjectPtr& slice, bool) { enqueue_owner(slice); }});
  if (endpoints_) {
    // Someone else editing or deleting the Endpoints gets it repaired.
    endpoints_->AddEventHandler(
        {nullptr,
         [enqueue](const client::ObjectPtr&, const client::ObjectPtr& obj) { enqueue(obj); },
         [enqueue](const client::ObjectPtr& obj, bool) { enqueue(obj); }});
  }
}

EndpointSliceController::~EndpointSliceController() { queue_.ShutDown(); }

void EndpointSliceController::Run(int workers, std::stop_token stop) {
  RunWorkers(queue_, workers, stop, Name(),
             [this](const client::ObjectKey& key) { return Sync(key); });
}

void EndpointSliceController::EnqueuePodServices(const client::ObjectPtr& pod,
                                                 const client::ObjectPtr& old_pod) {
  for (const auto& svc : services_.lister().ListNamespace(api::Namespace(*pod))) {
    const Value* sel = api::FindPath(*svc, {"spec", "selector"});
    if (!sel || !sel->IsObject() || sel->MemberCount() == 0) continue;
    if (SelectorMatches(*sel, api::Labels(*pod)) ||
        (old_pod && SelectorMatches(*sel, api::Labels(*old_pod)))) {
      queue_.Add(client::ObjectKey::Of(*svc));
    }
  }
}

std::vector<client::ObjectPtr> EndpointSliceController::OwnedSlices(
    const client::ObjectKey& key) const {
  auto slices = slices_.lister().ByIndex(kServiceIndex, key.ns + "/" + key.name);
  std::sort(slices.begin(), slices.end(),
            [](const auto& a, const auto& b) { return api::Name(*a) < api::Name(*b); });
  return slices;
}

bool EndpointSliceController::CacheCaughtUp(const client::ObjectKey& key) {
  std::lock_guard lock(mu_);
  auto it = written_.find(key);
  if (it == written_.end()) return true;
  for (const auto& [name, rv] : it->second) {
    client::ObjectPtr obj = slices_.lister().Get(key.ns, name);
    if (rv < 0 ? obj != nullptr : (!obj || ResourceVersionOf(*obj) < rv)) return false;
  }
  written_.erase(it);
  return true;
}

void EndpointSliceController::Expect(const client::ObjectKey& key, const std::string& slice,
                                     int64_t resource_version) {
  std::lock_guard lock(mu_);
  written_[key][slice] = resource_version;
}

Status EndpointSliceController::Sync(const client::ObjectKey& key) {
  if (!CacheCaughtUp(key)) return Status::Unavailable("endpoint slice cache is behind our writes");
  client::ObjectPtr svc = services_.lister().Get(key.ns, key.name);
  if (!svc) return DeleteAll(key);
  const Value* sel = api::FindPath(*svc, {"spec", "selector"});
  // Services without a selector have user-managed endpoints (EPS-1).
  if (!sel || !sel->IsObject() || sel->MemberCount() == 0) return Status::OK();
  if (api::GetString(*svc, {"spec", "type"}) == "ExternalName") return Status::OK();
  std::vector<client::ObjectPtr> pods;
  for (const auto& pod : pods_.lister().ListNamespace(key.ns)) {
    if (SelectorMatches(*sel, api::Labels(*pod))) pods.push_back(pod);
  }
  auto zone_of = [this](const std::string& node) {
    client::ObjectPtr n = nodes_.lister().Get("", node);
    return n ? api::Label(*n, "topology.kubernetes.io/zone") : std::string();
  };
  std::vector<EndpointGroup> groups = ComputeGroups(*svc, pods, zone_of);
  TK_RETURN_IF_ERROR(SyncSlices(*svc, groups, key));
  if (endpoints_) TK_RETURN_IF_ERROR(SyncEndpoints(*svc, groups));
  return Status::OK();
}

Status EndpointSliceController::SyncSlices(const Value& service,
                                           const std::vector<EndpointGroup>& groups,
                                           const client::ObjectKey& key) {
  const auto& resource = client::resources::EndpointSlices();
  struct Want {
    const EndpointGroup* group;
    size_t begin, end;
    client::ObjectPtr existing;
  };
  std::vector<Want> wants;
  for (const auto& g : groups) {
    for (size_t i = 0; i < g.endpoints.size(); i += kMaxEndpointsPerSlice) {
      wants.push_back({&g, i, std::min(i + kMaxEndpointsPerSlice, g.endpoints.size()), nullptr});
    }
  }
  // A service without endpoints keeps one empty slice (upstream's placeholder).
  EndpointGroup placeholder;
  if (wants.empty()) {
    placeholder.address_type = groups.empty() ? "IPv4" : groups.front().address_type;
    if (const Value* f = api::FindPath(service, {"spec", "ipFamilies"});
        groups.empty() && f && f->IsArray() && !f->Empty() && (*f)[0].IsString()) {
      placeholder.address_type = (*f)[0].GetString();
    }
    wants.push_back({&placeholder, 0, 0, nullptr});
  }
  // Reuse existing slices: same address type and ports first, then any of the same address
  // type (addressType is immutable); the rest are deleted.
  std::vector<client::ObjectPtr> existing = OwnedSlices(key);
  std::vector<bool> used(existing.size(), false);
  auto slice_key = [](const Value& slice) {
    EndpointGroup g;
    g.address_type = api::GetString(slice, {"addressType"});
    if (const Value* ports = api::FindMember(slice, "ports"); ports && ports->IsArray()) {
      for (const auto& p : ports->GetArray()) {
        g.ports.push_back({api::GetString(p, {"name"}), api::GetString(p, {"protocol"}, "TCP"),
                           static_cast<int32_t>(api::GetInt(p, {"port"})),
                           api::GetString(p, {"appProtocol"})});
      }
    }
    return g.Key();
  };
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& w : wants) {
      if (w.existing) continue;
      for (size_t i = 0; i < existing.size(); ++i) {
        if (used[i]) continue;
        bool match = pass == 0
                         ? slice_key(*existing[i]) == w.group->Key()
                         : api::GetString(*existing[i], {"addressType"}) == w.group->address_type;
        if (!match) continue;
        used[i] = true;
        w.existing = existing[i];
        break;
      }
    }
  }
  for (const auto& w : wants) {
    Document doc;
    if (w.existing) {
      doc = api::CloneDocument(*w.existing);
      FillSlice(service, *w.group, w.begin, w.end, doc);
      if (api::JsonEqual(doc, *w.existing)) continue;
      auto updated = client_.Update(resource, doc);
      if (!updated.ok()) return updated.status();
      Expect(key, api::Name(**updated), ResourceVersionOf(**updated));
    } else {
      doc.SetObject();
      FillSlice(service, *w.group, w.begin, w.end, doc);
      auto created = client_.Create(resource, key.ns, doc);
      if (!created.ok()) return created.status();
      Expect(key, api::Name(**created), ResourceVersionOf(**created));
    }
  }
  for (size_t i = 0; i < existing.size(); ++i) {
    if (used[i]) continue;
    auto deleted = client_.Delete(resource, key.ns, api::Name(*existing[i]));
    if (!deleted.ok() && !deleted.status().IsNotFound()) return deleted.status();
    Expect(key, api::Name(*existing[i]), -1);
  }
  return Status::OK();
}

Status EndpointSliceController::SyncEndpoints(const Value& service,
                                              const std::vector<EndpointGroup>& groups) {
  const auto& resource = client::resources::Endpoints();
  Document want = BuildEndpoints(service, groups);
  client::ObjectPtr current = endpoints_->lister().Get(api::Namespace(service), api::Name(service));
  if (!current) {
    auto created = client_.Create(resource, api::Namespace(service), want);
    // AlreadyExists: our cache lags; the update event will bring us back.
    if (!created.ok() && !created.status().IsAlreadyExists()) return created.status();
    return Status::OK();
  }
  Document doc = api::CloneDocument(*current);
  auto& a = doc.GetAllocator();
  api::RemoveMember(doc, "subsets");
  if (Value* subsets = api::FindMemberMutable(want, "subsets")) {
    Value copy(*subsets, a);
    api::SetValue(doc, "subsets", copy, a);
  }
  Value labels(*api::FindPath(want, {"metadata", "labels"}), a);
  api::SetValue(api::EnsureObject(doc, {"metadata"}, a), "labels", labels, a);
  if (api::JsonEqual(doc, *current)) return Status::OK();
  auto updated = client_.Update(resource, doc);
  return updated.ok() ? Status::OK() : updated.status();
}

Status EndpointSliceController::DeleteAll(const client::ObjectKey& key) {
  // The garbage collector would remove the slices through their ownerReference; doing it here
  // keeps DNS fresh without waiting for it.
  for (const auto& slice : OwnedSlices(key)) {
    auto deleted = client_.Delete(client::resources::EndpointSlices(), key.ns, api::Name(*slice));
    if (!deleted.ok() && !deleted.status().IsNotFound()) return deleted.status();
    Expect(key, api::Name(*slice), -1);
  }
  if (endpoints_ && endpoints_->lister().Get(key.ns, key.name)) {
    auto deleted = client_.Delete(client::resources::Endpoints(), key.ns, key.name);
    if (!deleted.ok() && !deleted.status().IsNotFound()) return deleted.status();
  }
  return Status::OK();
}

}  // namespace tinyk8s::controllers::endpointslice
