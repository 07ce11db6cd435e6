#include "controllers/rootcacertpublisher/publisher.h"

#include "api/json.h"
#include "api/meta.h"
#include "client/api_status.h"

namespace tinyk8s::controllers::rootcacertpublisher {

using client::ObjectPtr;

namespace {
// Whether `cm` holds exactly {ca.crt: pem} and a non-empty description (what upstream checks).
bool UpToDate(const rapidjson::Value& cm, const std::string& pem) {
  const rapidjson::Value* data = api::FindMember(cm, "data");
  if (data == nullptr || !data->IsObject() || data->MemberCount() != 1) return false;
  if (api::GetString(*data, {"ca.crt"}) != pem) return false;
  return !api::GetString(cm, {"metadata", "annotations", kDescriptionAnnotation}).empty();
}
}  // namespace

RootCaCertPublisher::RootCaCertPublisher(client::Client& client,
                                         client::SharedInformerFactory& informers,
                                         client::TimerClock& clock, std::string root_ca_pem)
    : client_(client),
      root_ca_pem_(std::move(root_ca_pem)),
      ns_informer_(informers.ForResource(client::resources::Namespaces())),
      cm_informer_(informers.ForResource(client::resources::ConfigMaps())),
      queue_(client::WorkQueueOptions{&clock, std::chrono::milliseconds(5),
                                      std::chrono::seconds(300), "root_ca_cert_publisher"}) {
  auto enqueue_ns = [this](const ObjectPtr& ns) {
    if (!api::HasDeletionTimestamp(*ns)) queue_.Add(api::Name(*ns));
  };
  ns_informer_.AddEventHandler(
      {enqueue_ns, [enqueue_ns](const ObjectPtr&, const ObjectPtr& n) { enqueue_ns(n); }, nullptr});
  auto enqueue_cm = [this](const ObjectPtr& cm) {
    if (api::Name(*cm) == kConfigMapName) queue_.Add(api::Namespace(*cm));
  };
  cm_informer_.AddEventHandler(
      {nullptr, [enqueue_cm](const ObjectPtr&, const ObjectPtr& c) { enqueue_cm(c); },
       [enqueue_cm](const ObjectPtr& c, bool) { enqueue_cm(c); }});
}

RootCaCertPublisher::~RootCaCertPublisher() { queue_.ShutDown(); }

void RootCaCertPublisher::Run(int workers, std::stop_token stop) {
  RunWorkers(queue_, workers, stop, "root-ca-cert-publisher",
             [this](const std::string& ns) { return Sync(ns); });
}

Status RootCaCertPublisher::Sync(const std::string& ns) {
  ObjectPtr namespace_obj = ns_informer_.lister().Get("", ns);
  if (namespace_obj == nullptr || api::HasDeletionTimestamp(*namespace_obj)) return Status::OK();
  ObjectPtr existing = cm_informer_.lister().Get(ns, kConfigMapName);
  if (existing != nullptr && UpToDate(*existing, root_ca_pem_)) return Status::OK();

  rapidjson::Document cm(rapidjson::kObjectType);
  auto& a = cm.GetAllocator();
  if (existing != nullptr) {
    // Keep what others added (labels, other annotations, binaryData, resourceVersion for the
    // compare-and-swap); replace data and the description (as upstream).
    cm.CopyFrom(*existing, a);
  } else {
    api::SetString(cm, "apiVersion", "v1", a);
    api::SetString(cm, "kind", "ConfigMap", a);
    api::SetString(api::EnsureObject(cm, {"metadata"}, a), "name", kConfigMapName, a);
  }
  api::SetString(api::EnsureObject(cm, {"metadata", "annotations"}, a), kDescriptionAnnotation,
                 kDescription, a);
  rapidjson::Value data(rapidjson::kObjectType);
  api::SetString(data, "ca.crt", root_ca_pem_, a);
  api::SetValue(cm, "data", data, a);

  if (existing == nullptr) {
    auto res = client_.Create(client::resources::ConfigMaps(), ns, cm);
    // Not retried when the namespace is gone or terminating (as upstream).
    if (res.ok() || res.status().IsNotFound() ||
        client::HasCause(res.status(), "NamespaceTerminating")) {
      return Status::OK();
    }
    return res.status();
  }
  auto res = client_.Update(client::resources::ConfigMaps(), cm);
  if (res.ok() || res.status().IsNotFound()) return Status::OK();  // a delete queues it again
  return res.status();
}

}  // namespace tinyk8s::controllers::rootcacertpublisher
