// Issuing pod creates and deletes for one sync (behavior-spec DS-20, DS-21, DS-23; upstream
// daemon_controller.go syncNodes and controller_utils.go RealPodControl): expectations first,
// creates in slow-start batches run with bounded parallelism, deletes in parallel.
#include <algorithm>
#include <atomic>
#include <mutex>

#include "api/json.h"
#include "api/meta.h"
#include "client/api_status.h"
#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/daemonset/pod_template.h"
#include "controllers/util/parallel.h"

namespace tinyk8s::controllers::daemonset {

namespace {
using client::ObjectPtr;
}  // namespace

Status DaemonSetController::SyncNodes(const ObjectPtr& ds,
                                      const std::vector<ObjectPtr>& to_delete_all,
                                      const std::vector<std::string>& nodes_needing_all,
                                      const std::string& hash) {
  const std::string key = client::ObjectKey::Of(*ds).ToString();
  const size_t burst = static_cast<size_t>(std::max(1, options_.burst_replicas));
  const size_t create_diff = std::min(nodes_needing_all.size(), burst);
  const size_t delete_diff = std::min(to_delete_all.size(), burst);
  if (create_diff == 0 && delete_diff == 0) return Status::OK();
  if (nodes_needing_all.size() > burst || to_delete_all.size() > burst) {
    // The rest is done by the next sync, once these are observed.
    queue_.AddAfter(client::ObjectKey::Of(*ds), std::chrono::milliseconds(1));
  }

  // Expectations before any call: informer events may arrive before the calls return.
  expectations_.SetExpectations(key, static_cast<int64_t>(create_diff),
                                static_cast<int64_t>(delete_diff));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& uids = pending_deletes_[key];
    uids.clear();
    for (size_t i = 0; i < delete_diff; ++i) uids.insert(api::Uid(*to_delete_all[i]));
  }

  std::mutex err_mu;
  Status first_error;
  auto record_error = [&](Status s) {
    std::lock_guard<std::mutex> lock(err_mu);
    if (first_error.ok()) first_error = std::move(s);
  };
  const std::string ns = api::Namespace(*ds);

  // Slow start: 1, 2, 4, ... creates; a failing batch stops the later ones (DS-21).
  size_t pos = 0;
  size_t batch = std::min<size_t>(create_diff, std::max(1, options_.slow_start_initial_batch));
  while (pos < create_diff) {
    std::atomic<int> failures{0};
    ParallelFor(batch, options_.parallelism, [&](size_t i) {
      const std::string& node = nodes_needing_all[pos + i];
      rapidjson::Document pod = NewDaemonPod(*ds, node, hash);
      auto res = client_.Create(client::resources::Pods(), ns, pod);
      // A generateName collision is the server's bad luck, not ours: try another name.
      for (int retry = 0; retry < 3 && !res.ok() && res.status().IsAlreadyExists(); ++retry) {
        res = client_.Create(client::resources::Pods(), ns, pod);
      }
      if (res.ok()) {
        events_.Event(*ds, client::kEventTypeNormal, "SuccessfulCreate",
                      "Created pod: " + api::Name(**res));
        return;
      }
      expectations_.LowerExpectations(key, 1, 0);
      // The namespace is going away: not a failure to report.
      if (client::HasCause(res.status(), "NamespaceTerminating")) return;
      events_.Event(*ds, client::kEventTypeWarning, "FailedCreate",
                    "Error creating: " + res.status().message());
      ++failures;
      record_error(res.status());
    });
    pos += batch;
    if (failures > 0) {
      size_t skipped = create_diff - pos;
      if (skipped > 0) expectations_.LowerExpectations(key, static_cast<int64_t>(skipped), 0);
      break;
    }
    batch = std::min(batch * 2, create_diff - pos);
  }

  ParallelFor(delete_diff, options_.parallelism, [&](size_t i) {
    const ObjectPtr& pod = to_delete_all[i];
    auto res = client_.Delete(client::resources::Pods(), ns, api::Name(*pod));
    if (res.ok()) {
      events_.Event(*ds, client::kEventTypeNormal, "SuccessfulDelete",
                    "Deleted pod: " + api::Name(*pod));
      return;
    }
    bool ours = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ours = pending_deletes_[key].erase(api::Uid(*pod)) > 0;
    }
    if (ours) expectations_.DeletionObserved(key);
    if (res.status().IsNotFound()) return;
    events_.Event(*ds, client::kEventTypeWarning, "FailedDelete",
                  "Error deleting: " + res.status().message());
    record_error(res.status());
  });
  return first_error;
}

}  // namespace tinyk8s::controllers::daemonset
