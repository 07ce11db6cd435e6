#pragma once
// KubeletEvents: the Events a kubelet records about the pods it runs (source.component
// "kubelet", source.host the node), with upstream's reasons and messages, so that `kubectl
// describe pod` and `kubectl get events` tell a pod's story as on a real node: image pulls,
// containers created and started, unpullable images backing off, containers stopped,
// admission rejections; and `kubectl describe node` the node's: kubelet start, conditions.
//
// Budget: a kubelet may create --event-qps events per second (burst --event-burst, 50 and 100
// by default); the agent, one process for all its nodes, applies that budget to all of them
// together, so a 5,000-node rollout does not add 15,000 event writes to the API server. Events
// over budget are dropped, as an overloaded kubelet's event queue drops them.
//
// Thread-safe.

#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "client/event_recorder.h"
#include "client/token_bucket.h"

namespace tinyk8s::node {

struct KubeletEventBudget {
  double qps = 50;  // <= 0: no events at all
  int burst = 100;
};

class KubeletEvents {
 public:
  // `recorder` may be null (no events); it must outlive this.
  KubeletEvents(client::EventRecorder* recorder, KubeletEventBudget budget);

  // The containers of `pod` started on `node`: for each init container and container, its image
  // (pulled, already present, or failing to pull), then Created and Started unless its image
  // cannot be pulled.
  void PodStarted(const rapidjson::Value& pod, const std::string& node);
  // Another attempt to pull the unpullable images of `pod` failed (Pulling, Failed, Error:
  // ErrImagePull), and the kubelet then backs off (BackOff, Error: ImagePullBackOff); repeated
  // events add to the count of the first ones.
  void ImagePullFailed(const rapidjson::Value& pod, const std::string& node);
  void ImagePullBackingOff(const rapidjson::Value& pod, const std::string& node);
  // The kubelet stops the containers of a pod being deleted (those that run).
  void PodStopping(const rapidjson::Value& pod, const std::string& node);
  // Kubelet admission refused the pod (reason OutOfcpu, NodePorts, ...).
  void PodRejected(const rapidjson::Value& pod, const std::string& node, std::string_view reason,
                   std::string_view message);

  // The kubelet of `node` started: "Starting kubelet."; with `registered` (a new Node), also the
  // first node conditions, allocatable enforcement and NodeReady, as a kubelet's first status.
  void NodeStarting(const std::string& node, bool registered);
  // The node's Ready condition changed to `ready` (NodeReady / NodeNotReady).
  void NodeReadiness(const std::string& node, bool ready);
  // The node was cordoned or uncordoned (NodeNotSchedulable / NodeSchedulable).
  void NodeSchedulable(const std::string& node, bool schedulable);

  // Dropped for lack of budget (for tests).
  int64_t dropped() const;

 private:
  void Record(const client::ObjectReference& ref, const std::string& node, std::string_view type,
              std::string_view reason, std::string_view message);
  // Calls `f(ref, image)` for each init container and container with an unpullable image, up to
  // the first such init container (nothing after it runs).
  template <typename F>
  void ForUnpullable(const rapidjson::Value& pod, F&& f);
  bool TakeToken();
  // Pulling, then containerd's not found, then Error: ErrImagePull.
  void PullFailed(const client::ObjectReference& ref, const std::string& node,
                  const std::string& image);

  client::EventRecorder* recorder_;
  const bool enabled_;
  client::TokenBucket budget_;
  std::atomic<int64_t> dropped_{0};
};

}  // namespace tinyk8s::node
