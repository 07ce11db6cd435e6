#pragma once
// Controller: the common shape of every controller in the controller manager (style.md 8.11):
// informer handlers compute keys and add them to a WorkQueue; `workers` threads take keys and
// call a level-triggered, idempotent Sync(key); a failed sync is requeued with backoff.
//
// A Controller is constructed (which registers its informers and handlers with the shared
// factory) before the factory is started; Run is called once the caches have synced.

#include <stop_token>
#include <string_view>
#include <thread>
#include <vector>

#include "client/work_queue.h"
#include "common/logging.h"
#include "common/status.h"

namespace tinyk8s::controllers {

class Controller {
 public:
  virtual ~Controller() = default;
  // Name used in logs and the --controllers flag ("daemonset", "garbagecollector", ...).
  virtual std::string_view Name() const = 0;
  // Run starts the workers and blocks until `stop` is requested; then it shuts the queue down
  // and joins its threads. Called once, from its own thread.
  virtual void Run(int workers, std::stop_token stop) = 0;
};

// RunWorkers runs the standard worker loop (client/work_queue.h) on `workers` threads until
// `stop` is requested. `sync` must be thread-safe for distinct keys (the queue never hands one
// key to two workers).
template <typename Key, typename Hash, typename SyncFn>
void RunWorkers(client::WorkQueue<Key, Hash>& queue, int workers, std::stop_token stop,
                std::string_view name, SyncFn sync) {
  std::vector<std::jthread> threads;
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back([&queue, &sync, name] {
      Key key;
      while (queue.Get(&key)) {
        Status s = sync(key);
        if (s.ok()) {
          queue.Forget(key);
        } else {
          TK_VLOG(2) << name << ": sync failed, requeueing: " << s.ToString();
          queue.AddRateLimited(key);
        }
        queue.Done(key);
      }
    });
  }
  std::stop_callback on_stop(stop, [&queue] { queue.ShutDown(); });
  threads.clear();  // joins
}

}  // namespace tinyk8s::controllers
