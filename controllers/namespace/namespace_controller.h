#pragma once
// NamespaceController: empties a terminating namespace, then finalizes it (behavior-spec
// NS-1; upstream pkg/controller/namespace/deletion). For every namespaced resource type we
// serve it deletes what is left (pods gracefully) and, once nothing remains, removes the
// `kubernetes` spec finalizer through PUT /api/v1/namespaces/NAME/finalize; the API server
// then removes the namespace. While content remains it records the NamespaceContentRemaining
// condition and looks again shortly.
//
// Thread-safe: handlers on informer threads, Sync on worker threads.

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/informer.h"
#include "client/timer_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"

namespace tinyk8s::controllers::ns {

class NamespaceController final : public Controller {
 public:
  // `resources`: the namespaced kinds to empty; empty = DefaultResources().
  NamespaceController(client::Client& client, client::SharedInformerFactory& informers,
                      client::TimerClock& clock, std::vector<client::Resource> resources = {});
  ~NamespaceController() override;

  std::string_view Name() const override { return "namespace"; }
  void Run(int workers, std::stop_token stop) override;
  // Sync: key is the namespace name.
  Status Sync(const std::string& name);

  static std::vector<client::Resource> DefaultResources();
  client::WorkQueue<std::string>& queue() { return queue_; }

 private:
  // Deletes the content of `ns`; returns how many objects remain (terminating included).
  Result<int64_t> DeleteContent(const std::string& ns);
  Status SetContentRemaining(const client::ObjectPtr& ns, int64_t remaining);

  client::Client& client_;
  client::TimerClock& clock_;
  std::vector<client::Resource> resources_;
  client::Informer& ns_informer_;
  client::WorkQueue<std::string> queue_;
};

}  // namespace tinyk8s::controllers::ns
