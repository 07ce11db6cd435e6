#include "controllers/podgc/pod_gc_controller.h"

#include <algorithm>
#include <condition_variable>
#include <set>

#include "api/json.h"
#include "api/meta.h"
#include "controllers/util/pod_util.h"

namespace tinyk8s::controllers::podgc {

namespace {
using client::ObjectPtr;
}  // namespace

PodGcController::PodGcController(client::Client& client, client::SharedInformerFactory& informers,
                                 client::TimerClock& clock, PodGcOptions options)
    : client_(client),
      clock_(clock),
      options_(options),
      pod_informer_(informers.ForResource(client::resources::Pods())),
      node_informer_(informers.ForResource(client::resources::Nodes())) {}

void PodGcController::Run(int, std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock<std::mutex> lock(m);
  while (!stop.stop_requested()) {
    Status s = Sync();
    if (!s.ok()) TK_LOG_WARN << "podgc: " << s.ToString();
    cv.wait_for(lock, stop, options_.period, [] { return false; });
  }
}

Status PodGcController::Sync() {
  Status a = GcOrphaned();
  Status b = GcUnscheduledTerminating();
  Status c = GcTerminated();
  if (!a.ok()) return a;
  if (!b.ok()) return b;
  return c;
}

Status PodGcController::ForceDelete(const rapidjson::Value& pod) {
  client::DeleteOptions opts;
  opts.grace_period_seconds = 0;
  opts.precondition_uid = api::Uid(pod);
  auto res = client_.Delete(client::resources::Pods(), api::Namespace(pod), api::Name(pod), opts);
  if (res.ok() || res.status().IsNotFound() || res.status().IsConflict()) {
    TK_LOG_INFO << "podgc: force-deleted pod " << api::Namespace(pod) << "/" << api::Name(pod);
    return Status::OK();
  }
  return res.status();
}

Status PodGcController::GcOrphaned() {
  std::set<std::string> missing;
  for (const ObjectPtr& pod : pod_informer_.indexer().List()) {
    std::string node = PodNodeName(*pod);
    if (!node.empty() && node_informer_.indexer().Get("", node) == nullptr) missing.insert(node);
  }
  const auto now = clock_.Monotonic();
  std::set<std::string> expired;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(missing_since_, [&](const auto& kv) { return missing.count(kv.first) == 0; });
    for (const std::string& n : missing) {
      auto [it, inserted] = missing_since_.try_emplace(n, now);
      if (now - it->second >= options_.quarantine) expired.insert(n);
    }
  }
  Status first;
  for (const std::string& node : expired) {
    // Confirm with the server: the cache may simply not have seen the node yet.
    auto live = client_.Get(client::resources::Nodes(), "", node);
    if (live.ok() || !live.status().IsNotFound()) continue;
    for (const ObjectPtr& pod : pod_informer_.indexer().List()) {
      if (PodNodeName(*pod) != node) continue;
      Status s = ForceDelete(*pod);
      if (!s.ok() && first.ok()) first = s;
    }
  }
  return first;
}

Status PodGcController::GcUnscheduledTerminating() {
  Status first;
  for (const ObjectPtr& pod : pod_informer_.indexer().List()) {
    if (api::HasDeletionTimestamp(*pod) && PodNodeName(*pod).empty()) {
      Status s = ForceDelete(*pod);
      if (!s.ok() && first.ok()) first = s;
    }
  }
  return first;
}

Status PodGcController::GcTerminated() {
  if (options_.terminated_pod_threshold <= 0) return Status::OK();
  std::vector<ObjectPtr> terminated;
  for (const ObjectPtr& pod : pod_informer_.indexer().List()) {
    if (IsPodTerminal(*pod) && !api::HasDeletionTimestamp(*pod)) terminated.push_back(pod);
  }
  int64_t excess = static_cast<int64_t>(terminated.size()) - options_.terminated_pod_threshold;
  if (excess <= 0) return Status::OK();
  std::sort(terminated.begin(), terminated.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
    return CreationTime(*a) < CreationTime(*b);
  });
  for (int64_t i = 0; i < excess; ++i) {
    TK_RETURN_IF_ERROR(ForceDelete(*terminated[i]));
  }
  return Status::OK();
}

}  // namespace tinyk8s::controllers::podgc
