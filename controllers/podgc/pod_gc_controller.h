#pragma once
// PodGCController (behavior-spec GC-6; upstream pkg/controller/podgc): every period it
//  (a) force-deletes pods bound to a node that no longer exists (confirmed with a live GET),
//      once the node has been missing for the quarantine time;
//  (b) force-deletes terminating pods that were never scheduled;
//  (c) deletes terminated (Succeeded/Failed) pods beyond a threshold, oldest first.
// Thread-safe; Sync() is one pass (public for tests).

#include <chrono>
#include <mutex>
#include <stop_token>
#include <string>
#include <unordered_map>

#include "client/client.h"
#include "client/informer.h"
#include "client/timer_clock.h"
#include "controllers/controller.h"

namespace tinyk8s::controllers::podgc {

struct PodGcOptions {
  std::chrono::milliseconds period{5000};
  std::chrono::milliseconds quarantine{40000};  // how long a node must be missing
  int64_t terminated_pod_threshold = 12500;     // --terminated-pod-gc-threshold (0 = off)
};

class PodGcController final : public Controller {
 public:
  PodGcController(client::Client& client, client::SharedInformerFactory& informers,
                  client::TimerClock& clock, PodGcOptions options = {});

  std::string_view Name() const override { return "podgc"; }
  void Run(int workers, std::stop_token stop) override;
  Status Sync();

 private:
  Status GcOrphaned();
  Status GcUnscheduledTerminating();
  Status GcTerminated();
  Status ForceDelete(const rapidjson::Value& pod);

  client::Client& client_;
  client::TimerClock& clock_;
  PodGcOptions options_;
  client::Informer& pod_informer_;
  client::Informer& node_informer_;
  std::mutex mu_;
  // Nodes seen missing, and since when (quarantine).
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> missing_since_;
};

}  // namespace tinyk8s::controllers::podgc
