#include "node/kubelet_events.h"

#include "api/go_print.h"
#include "api/image_pull_policy.h"
#include "api/json.h"
#include "api/meta.h"
#include "node/pod_status.h"

namespace tinyk8s::node {

namespace {

client::ObjectReference PodReference(const rapidjson::Value& pod) {
  client::ObjectReference ref = client::ObjectReference::Of(pod);
  ref.api_version = "v1";  // list items may come without apiVersion and kind
  ref.kind = "Pod";
  return ref;
}

// The container's pull policy, or the one the API server defaults, for pods that somehow lack
// one.
std::string PullPolicy(const rapidjson::Value& container, const std::string& image) {
  std::string policy = api::GetString(container, {"imagePullPolicy"});
  return policy.empty() ? api::DefaultImagePullPolicy(image) : policy;
}

}  // namespace

KubeletEvents::KubeletEvents(client::EventRecorder* recorder, KubeletEventBudget budget)
    : recorder_(recorder), enabled_(budget.qps > 0), budget_(budget.qps, budget.burst) {}

bool KubeletEvents::TakeToken() {
  if (enabled_ && budget_.TryTake()) return true;
  ++dropped_;
  return false;
}

int64_t KubeletEvents::dropped() const { return dropped_.load(); }

void KubeletEvents::Record(const client::ObjectReference& ref, const std::string& node,
                           std::string_view type, std::string_view reason,
                           std::string_view message) {
  if (recorder_ == nullptr || !TakeToken()) return;
  recorder_->Event(ref, type, reason, message, node);
}

void KubeletEvents::PodStarted(const rapidjson::Value& pod, const std::string& node) {
  if (recorder_ == nullptr) return;
  const client::ObjectReference pod_ref = PodReference(pod);
  for (const char* list : {"initContainers", "containers"}) {
    const rapidjson::Value* containers = api::FindPath(pod, {"spec", list});
    if (containers == nullptr || !containers->IsArray()) continue;
    for (const auto& c : containers->GetArray()) {
      const std::string name = api::GetString(c, {"name"});
      const std::string image = api::GetString(c, {"image"});
      client::ObjectReference ref = pod_ref;
      ref.field_path = std::string("spec.") + list + "{" + name + "}";
      auto record = [&](std::string_view type, std::string_view reason, const std::string& msg) {
        Record(ref, node, type, reason, msg);
      };
      if (ImageCannotBePulled(image)) {
        PullFailed(ref, node, image);
        // An init container that never runs holds back everything after it.
        if (std::string_view(list) == "initContainers") return;
        continue;
      }
      if (PullPolicy(c, image) == "Always") {
        // Simulated nodes hold every image: the pull takes no time and no bytes.
        record(client::kEventTypeNormal, "Pulling", "Pulling image " + api::GoQuoted(image));
        record(client::kEventTypeNormal, "Pulled",
               "Successfully pulled image " + api::GoQuoted(image) +
                   " in 0s (0s including waiting). Image size: 0 bytes.");
      } else {
        record(client::kEventTypeNormal, "Pulled",
               "Container image " + api::GoQuoted(image) + " already present on machine");
      }
      record(client::kEventTypeNormal, "Created", "Created container: " + name);
      record(client::kEventTypeNormal, "Started", "Started container " + name);
    }
  }
}

void KubeletEvents::PullFailed(const client::ObjectReference& ref, const std::string& node,
                               const std::string& image) {
  Record(ref, node, client::kEventTypeNormal, "Pulling", "Pulling image " + api::GoQuoted(image));
  Record(ref, node, client::kEventTypeWarning, "Failed",
         "Failed to pull image " + api::GoQuoted(image) + ": " + ImagePullError(image));
  Record(ref, node, client::kEventTypeWarning, "Failed", "Error: ErrImagePull");
}

template <typename F>
void KubeletEvents::ForUnpullable(const rapidjson::Value& pod, F&& f) {
  const client::ObjectReference pod_ref = PodReference(pod);
  for (const char* list : {"initContainers", "containers"}) {
    const rapidjson::Value* containers = api::FindPath(pod, {"spec", list});
    if (containers == nullptr || !containers->IsArray()) continue;
    for (const auto& c : containers->GetArray()) {
      const std::string image = api::GetString(c, {"image"});
      if (!ImageCannotBePulled(image)) continue;
      client::ObjectReference ref = pod_ref;
      ref.field_path = std::string("spec.") + list + "{" + api::GetString(c, {"name"}) + "}";
      f(ref, image);
      if (std::string_view(list) == "initContainers") return;
    }
  }
}

void KubeletEvents::ImagePullFailed(const rapidjson::Value& pod, const std::string& node) {
  if (recorder_ == nullptr) return;
  ForUnpullable(pod, [&](const client::ObjectReference& ref, const std::string& image) {
    PullFailed(ref, node, image);
  });
}

void KubeletEvents::ImagePullBackingOff(const rapidjson::Value& pod, const std::string& node) {
  if (recorder_ == nullptr) return;
  ForUnpullable(pod, [&](const client::ObjectReference& ref, const std::string& image) {
    Record(ref, node, client::kEventTypeNormal, "BackOff",
           "Back-off pulling image " + api::GoQuoted(image));
    Record(ref, node, client::kEventTypeWarning, "Failed", "Error: ImagePullBackOff");
  });
}

void KubeletEvents::PodStopping(const rapidjson::Value& pod, const std::string& node) {
  if (recorder_ == nullptr) return;
  const client::ObjectReference pod_ref = PodReference(pod);
  const rapidjson::Value* containers = api::FindPath(pod, {"spec", "containers"});
  if (containers == nullptr || !containers->IsArray()) return;
  for (const auto& c : containers->GetArray()) {
    if (ImageCannotBePulled(api::GetString(c, {"image"}))) continue;  // never ran
    const std::string name = api::GetString(c, {"name"});
    client::ObjectReference ref = pod_ref;
    ref.field_path = "spec.containers{" + name + "}";
    Record(ref, node, client::kEventTypeNormal, "Killing", "Stopping container " + name);
  }
}

namespace {
// The kubelet refers to its node by name, uid included ("this makes the event appear in kubectl
// describe node"); such events live in the default namespace.
client::ObjectReference NodeReference(const std::string& node) {
  client::ObjectReference ref;
  ref.api_version = "v1";
  ref.kind = "Node";
  ref.name = node;
  ref.uid = node;
  return ref;
}
}  // namespace

void KubeletEvents::NodeStarting(const std::string& node, bool registered) {
  const client::ObjectReference ref = NodeReference(node);
  Record(ref, node, client::kEventTypeNormal, "Starting", "Starting kubelet.");
  if (!registered) return;
  for (const char* status :
       {"NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"}) {
    Record(ref, node, client::kEventTypeNormal, status,
           "Node " + node + " status is now: " + status);
  }
  Record(ref, node, client::kEventTypeNormal, "NodeAllocatableEnforced",
         "Updated Node Allocatable limit across pods");
  NodeReadiness(node, true);
}

void KubeletEvents::NodeReadiness(const std::string& node, bool ready) {
  const char* status = ready ? "NodeReady" : "NodeNotReady";
  Record(NodeReference(node), node, client::kEventTypeNormal, status,
         "Node " + node + " status is now: " + status);
}

void KubeletEvents::NodeSchedulable(const std::string& node, bool schedulable) {
  const char* status = schedulable ? "NodeSchedulable" : "NodeNotSchedulable";
  Record(NodeReference(node), node, client::kEventTypeNormal, status,
         "Node " + node + " status is now: " + status);
}

void KubeletEvents::PodRejected(const rapidjson::Value& pod, const std::string& node,
                                std::string_view reason, std::string_view message) {
  Record(PodReference(pod), node, client::kEventTypeWarning, reason, message);
}

}  // namespace tinyk8s::node
