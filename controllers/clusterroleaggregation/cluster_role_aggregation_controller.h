#pragma once
// ClusterRoleAggregationController (upstream pkg/controller/clusterroleaggregation): a
// ClusterRole with an aggregationRule gets as its rules the union of the rules of every other
// ClusterRole matched by one of aggregationRule.clusterRoleSelectors, in name order, each rule
// once. The rules are written into the object, so `kubectl get clusterrole view -o yaml` shows
// them and the API server's RBAC evaluation needs no knowledge of aggregation. Any ClusterRole
// change requeues every aggregating ClusterRole (there are few).
//
// Thread-safe: handlers on informer threads, Sync on worker threads.

#include <stop_token>
#include <string>

#include "client/client.h"
#include "client/informer.h"
#include "client/timer_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"

namespace tinyk8s::controllers::clusterroleaggregation {

const client::Resource& ClusterRoles();

// AggregatedRules: the rules `role` should have given all ClusterRoles (`roles`), or an error
// for a bad selector. Exposed for tests.
Result<rapidjson::Document> AggregatedRules(const rapidjson::Value& role,
                                            const std::vector<client::ObjectPtr>& roles);

class ClusterRoleAggregationController final : public Controller {
 public:
  ClusterRoleAggregationController(client::Client& client, client::SharedInformerFactory& informers,
                                   client::TimerClock& clock);
  ~ClusterRoleAggregationController() override;

  std::string_view Name() const override { return "clusterrole-aggregation"; }
  void Run(int workers, std::stop_token stop) override;
  // Sync: key is the name of a ClusterRole.
  Status Sync(const std::string& name);

 private:
  void EnqueueAggregating();

  client::Client& client_;
  client::Informer& informer_;
  client::WorkQueue<std::string> queue_;
};

}  // namespace tinyk8s::controllers::clusterroleaggregation
