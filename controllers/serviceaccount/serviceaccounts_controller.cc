#include "controllers/serviceaccount/serviceaccounts_controller.h"

#include <algorithm>

#include "api/json.h"
#include "api/meta.h"
#include "client/api_status.h"

namespace tinyk8s::controllers::serviceaccount {

using client::ObjectPtr;

namespace {
// Upstream creates accounts only in namespaces whose phase is Active; a namespace the API
// server has not given a phase yet is treated the same (it is new, not terminating).
bool IsActive(const rapidjson::Value& ns) {
  if (api::HasDeletionTimestamp(ns)) return false;
  std::string phase = api::GetString(ns, {"status", "phase"});
  return phase.empty() || phase == "Active";
}
}  // namespace

ServiceAccountsController::ServiceAccountsController(client::Client& client,
                                                     client::SharedInformerFactory& informers,
                                                     client::TimerClock& clock,
                                                     std::vector<std::string> names)
    : client_(client),
      names_(std::move(names)),
      ns_informer_(informers.ForResource(client::resources::Namespaces())),
      sa_informer_(informers.ForResource(client::resources::ServiceAccounts())),
      queue_(client::WorkQueueOptions{&clock, std::chrono::milliseconds(5),
                                      std::chrono::seconds(300), "serviceaccount"}) {
  auto enqueue_ns = [this](const ObjectPtr& ns) {
    if (IsActive(*ns)) queue_.Add(api::Name(*ns));
  };
  ns_informer_.AddEventHandler(
      {enqueue_ns, [enqueue_ns](const ObjectPtr&, const ObjectPtr& n) { enqueue_ns(n); }, nullptr});
  sa_informer_.AddEventHandler({nullptr, nullptr, [this](const ObjectPtr& sa, bool) {
                                  if (std::find(names_.begin(), names_.end(), api::Name(*sa)) !=
                                      names_.end()) {
                                    queue_.Add(api::Namespace(*sa));
                                  }
                                }});
}

ServiceAccountsController::~ServiceAccountsController() { queue_.ShutDown(); }

void ServiceAccountsController::Run(int workers, std::stop_token stop) {
  RunWorkers(queue_, workers, stop, "serviceaccount",
             [this](const std::string& ns) { return Sync(ns); });
}

Status ServiceAccountsController::Sync(const std::string& ns) {
  ObjectPtr namespace_obj = ns_informer_.lister().Get("", ns);
  if (namespace_obj == nullptr || !IsActive(*namespace_obj)) return Status::OK();
  for (const std::string& name : names_) {
    if (sa_informer_.lister().Get(ns, name) != nullptr) continue;
    rapidjson::Document sa(rapidjson::kObjectType);
    auto& a = sa.GetAllocator();
    api::SetString(sa, "apiVersion", "v1", a);
    api::SetString(sa, "kind", "ServiceAccount", a);
    api::SetString(api::EnsureObject(sa, {"metadata"}, a), "name", name, a);
    auto res = client_.Create(client::resources::ServiceAccounts(), ns, sa);
    if (res.ok() || res.status().IsAlreadyExists() || res.status().IsNotFound() ||
        client::HasCause(res.status(), "NamespaceTerminating")) {
      continue;  // there now, or the namespace is gone or going
    }
    return res.status();
  }
  return Status::OK();
}

}  // namespace tinyk8s::controllers::serviceaccount
