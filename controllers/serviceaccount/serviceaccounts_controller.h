#pragma once
// ServiceAccountsController: every active namespace has a ServiceAccount "default" (upstream
// pkg/controller/serviceaccount/serviceaccounts_controller.go). A namespace that appears or
// changes, or the deletion of one of the ensured accounts, queues the namespace; its sync
// creates what is missing. Terminating namespaces are left alone: creating content there would
// be refused and would only hold up their deletion.
//
// Thread-safe: handlers on informer threads, Sync on worker threads.

#include <stop_token>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/informer.h"
#include "client/timer_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"

namespace tinyk8s::controllers::serviceaccount {

class ServiceAccountsController final : public Controller {
 public:
  // `names`: the accounts every namespace gets (upstream's default: just "default").
  ServiceAccountsController(client::Client& client, client::SharedInformerFactory& informers,
                            client::TimerClock& clock,
                            std::vector<std::string> names = {"default"});
  ~ServiceAccountsController() override;

  std::string_view Name() const override { return "serviceaccount"; }
  void Run(int workers, std::stop_token stop) override;
  // Sync: key is the namespace name.
  Status Sync(const std::string& ns);

  client::WorkQueue<std::string>& queue() { return queue_; }

 private:
  client::Client& client_;
  std::vector<std::string> names_;
  client::Informer& ns_informer_;
  client::Informer& sa_informer_;
  client::WorkQueue<std::string> queue_;
};

}  // namespace tinyk8s::controllers::serviceaccount
