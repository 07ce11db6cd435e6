#include "controllers/namespace/namespace_controller.h"

#include <algorithm>

#include "api/json.h"
#include "api/meta.h"

namespace tinyk8s::controllers::ns {

namespace {
using client::ObjectPtr;
constexpr const char* kFinalizer = "kubernetes";

bool HasSpecFinalizer(const rapidjson::Value& ns) {
  const rapidjson::Value* f = api::FindPath(ns, {"spec", "finalizers"});
  if (f == nullptr || !f->IsArray()) return false;
  for (const auto& v : f->GetArray()) {
    if (v.IsString() && api::AsStringView(v) == kFinalizer) return true;
  }
  return false;
}
}  // namespace

std::vector<client::Resource> NamespaceController::DefaultResources() {
  namespace r = client::resources;
  // Workloads first so their controllers stop recreating pods; events last (deleting pods
  // writes more of them).
  return {r::DaemonSets(), r::ControllerRevisions(), r::Pods(),
          r::Services(),   r::Endpoints(),           r::EndpointSlices(),
          r::ConfigMaps(), r::ServiceAccounts(),     r::Leases(),
          r::Events()};
}

NamespaceController::NamespaceController(client::Client& client,
                                         client::SharedInformerFactory& informers,
                                         client::TimerClock& clock,
                                         std::vector<client::Resource> resources)
    : client_(client),
      clock_(clock),
      resources_(resources.empty() ? DefaultResources() : std::move(resources)),
      ns_informer_(informers.ForResource(client::resources::Namespaces())),
      queue_(client::WorkQueueOptions{&clock, std::chrono::milliseconds(100),
                                      std::chrono::seconds(60), "namespace"}) {
  auto enqueue = [this](const ObjectPtr& ns) {
    if (api::HasDeletionTimestamp(*ns)) queue_.Add(api::Name(*ns));
  };
  ns_informer_.AddEventHandler(
      {enqueue, [enqueue](const ObjectPtr&, const ObjectPtr& n) { enqueue(n); }, nullptr});
}

NamespaceController::~NamespaceController() { queue_.ShutDown(); }

void NamespaceController::Run(int workers, std::stop_token stop) {
  RunWorkers(queue_, workers, stop, "namespace", [this](const std::string& n) { return Sync(n); });
}

Result<int64_t> NamespaceController::DeleteContent(const std::string& ns) {
  int64_t remaining = 0;
  for (const client::Resource& r : resources_) {
    auto list = client_.List(r, ns);
    if (!list.ok()) {
      if (list.status().IsNotFound()) continue;  // kind not served
      return list.status();
    }
    for (const ObjectPtr& obj : list->items) {
      ++remaining;
      if (api::HasDeletionTimestamp(*obj)) continue;
      client::DeleteOptions opts;
      opts.precondition_uid = api::Uid(*obj);
      auto res = client_.Delete(r, ns, api::Name(*obj), opts);
      if (!res.ok() && !res.status().IsNotFound() && !res.status().IsConflict()) {
        return res.status();
      }
      // A Success Status (not the object) means it is already gone.
      if (res.ok() && api::Kind(**res) == "Status") --remaining;
    }
  }
  return remaining;
}

Status NamespaceController::SetContentRemaining(const ObjectPtr& ns, int64_t remaining) {
  std::string msg = "Some resources are remaining: " + std::to_string(remaining) + " objects";
  const rapidjson::Value* conds = api::FindPath(*ns, {"status", "conditions"});
  if (conds != nullptr && conds->IsArray()) {
    for (const auto& c : conds->GetArray()) {
      if (api::GetString(c, {"type"}) == "NamespaceContentRemaining" &&
          api::GetString(c, {"message"}) == msg) {
        return Status::OK();
      }
    }
  }
  rapidjson::Document obj = api::CloneDocument(*ns);
  auto& a = obj.GetAllocator();
  rapidjson::Value& status = api::EnsureObject(obj, {"status"}, a);
  rapidjson::Value list(rapidjson::kArrayType);
  rapidjson::Value c(rapidjson::kObjectType);
  api::SetString(c, "type", "NamespaceContentRemaining", a);
  api::SetString(c, "status", "True", a);
  api::SetString(c, "lastTransitionTime", FormatRfc3339(clock_.Now()), a);
  api::SetString(c, "reason", "SomeResourcesRemain", a);
  api::SetString(c, "message", msg, a);
  list.PushBack(c, a);
  api::SetValue(status, "conditions", list, a);
  auto res = client_.Update(client::resources::Namespaces(), obj, "status");
  if (!res.ok() && !res.status().IsNotFound() && !res.status().IsConflict()) return res.status();
  return Status::OK();
}

Status NamespaceController::Sync(const std::string& name) {
  // Live read: the decision to finalize must not rest on a stale cache.
  auto ns = client_.Get(client::resources::Namespaces(), "", name);
  if (!ns.ok()) return ns.status().IsNotFound() ? Status::OK() : ns.status();
  if (!api::HasDeletionTimestamp(**ns) || !HasSpecFinalizer(**ns)) return Status::OK();
  TK_ASSIGN_OR_RETURN(int64_t remaining, DeleteContent(name));
  if (remaining > 0) {
    TK_RETURN_IF_ERROR(SetContentRemaining(*ns, remaining));
    queue_.AddAfter(name, std::chrono::seconds(1));
    return Status::OK();
  }
  rapidjson::Document obj = api::CloneDocument(**ns);
  rapidjson::Value* finalizers = api::FindPathMutable(obj, {"spec", "finalizers"});
  rapidjson::Value kept(rapidjson::kArrayType);
  for (const auto& v : finalizers->GetArray()) {
    if (!(v.IsString() && api::AsStringView(v) == kFinalizer)) {
      kept.PushBack(rapidjson::Value(v, obj.GetAllocator()), obj.GetAllocator());
    }
  }
  *finalizers = kept;
  auto res = client_.Update(client::resources::Namespaces(), obj, "finalize");
  if (!res.ok() && !res.status().IsNotFound()) return res.status();
  TK_LOG_INFO << "namespace controller: namespace " << name << " finalized";
  return Status::OK();
}

}  // namespace tinyk8s::controllers::ns
